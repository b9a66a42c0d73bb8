"""The explanation of a deadline (issue 12): from the walk that computed it, adding up exactly."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.sla import (
    ClockPause,
    Closure,
    Counting,
    Limit,
    LimitKind,
    build_clock,
    compute_deadline,
    default_clock,
    explain,
)

from .test_properties import instants

BJ = ZoneInfo("Asia/Shanghai")
CLOCK = default_clock()
NOTICE_2026 = "国务院办公厅关于2026年部分节假日安排的通知"
ACCEPTED = datetime(2026, 9, 30, 16, 0, tzinfo=BJ)  # a Wednesday, the eve of 国庆节
ONE_DAY = Limit(LimitKind.WORKING_DAYS, 1)


def lines(explanation):
    return [(s.kind, s.start, s.end, s.counted, s.reason) for s in explanation.segments]


def test_one_working_day_over_national_day_lists_the_holiday_with_its_notice() -> None:
    explanation = explain(CLOCK, ACCEPTED, ONE_DAY)
    assert explanation.due_at == datetime(2026, 10, 8, 16, 0, tzinfo=BJ)
    assert explanation.budget == 27000 == explanation.counted  # 7.5 h
    first, holiday, last = explanation.segments
    assert (first.kind, first.counted) == ("counted", 5400)  # 16:00-17:30 on 30 Sep: 1.5 h
    assert first.periods == ((ACCEPTED, datetime(2026, 9, 30, 17, 30, tzinfo=BJ)),)
    assert (holiday.kind, holiday.reason, holiday.days) == ("holiday", "国庆节", 7)
    assert holiday.source.startswith(NOTICE_2026)
    assert (holiday.start.date(), (holiday.end - timedelta(seconds=1)).date()) == (
        date(2026, 10, 1), date(2026, 10, 7))
    assert (last.kind, last.counted, last.start.date()) == ("counted", 21600, date(2026, 10, 8))
    assert not explanation.provisional and not any(s.provisional for s in explanation.segments)


def test_a_pause_of_two_working_hours_shows_and_the_total_still_adds_up() -> None:
    pause = ClockPause(datetime(2026, 10, 8, 9, 0, tzinfo=BJ),
                       datetime(2026, 10, 8, 11, 0, tzinfo=BJ), "市政审批 · wang")
    explanation = explain(CLOCK, ACCEPTED, ONE_DAY, [pause])
    (shown,) = explanation.pauses
    assert (shown.reason, shown.paused, shown.start, shown.end) == (
        "市政审批 · wang", 7200, pause.start, pause.end)
    assert explanation.counted == explanation.budget == 27000
    # Moved by exactly the two working hours: 16:00-17:30 on 8 Oct, then 08:30-09:00.
    assert explanation.due_at == datetime(2026, 10, 9, 9, 0, tzinfo=BJ)
    assert explanation.due_at == compute_deadline(CLOCK, ACCEPTED, ONE_DAY, [pause]).due_at


def test_a_provisional_2027_day_is_marked_provisional() -> None:
    assert 2027 in CLOCK.calendar.provisional_years
    start = datetime(2027, 9, 30, 16, 0, tzinfo=BJ)
    explanation = explain(CLOCK, start, ONE_DAY)
    assert explanation.provisional
    holidays = [s for s in explanation.segments if s.kind == "holiday"]
    assert holidays and all(s.provisional for s in holidays)
    assert explanation.counted == explanation.budget


def test_a_typhoon_closure_appears_with_who_recorded_it() -> None:
    clock = build_clock(closures=[Closure(date(2026, 10, 8), False, "台风", recorded_by="wang")])
    explanation = explain(clock, ACCEPTED, ONE_DAY)
    closure = next(s for s in explanation.segments if s.kind == "closure")
    assert closure.reason == "台风" and "wang" in closure.source
    assert explanation.due_at == datetime(2026, 10, 9, 16, 0, tzinfo=BJ)
    partial = build_clock(closures=[Closure(date(2026, 10, 8), False, "台风", start=time(14))])
    explanation = explain(partial, ACCEPTED, ONE_DAY)
    day = next(s for s in explanation.segments if s.kind == "partial_closure")
    assert (day.reason, day.counted) == ("台风", 3.5 * 3600 + 1800)
    assert explanation.counted == explanation.budget


def test_a_make_up_working_day_counts() -> None:
    start = datetime(2026, 9, 18, 17, 0, tzinfo=BJ)  # Friday; Sunday 20 Sep is 调休上班
    explanation = explain(CLOCK, start, ONE_DAY)
    makeup = next(s for s in explanation.segments if s.kind == "makeup_workday")
    assert makeup.start.date() == date(2026, 9, 20) and makeup.counted == 27000 - 1800
    assert makeup.reason == "国庆节调休上班"


def test_an_open_pause_stops_the_walk_where_it_began() -> None:
    began = datetime(2026, 10, 8, 10, 0, tzinfo=BJ)
    explanation = explain(CLOCK, ACCEPTED, ONE_DAY, [ClockPause(began, None, "客户原因")])
    assert explanation.due_at is None
    assert explanation.counted == CLOCK.working_time_between(ACCEPTED, began).total_seconds()
    assert explanation.pauses[-1].end is None


LIMITS = st.one_of(
    st.builds(lambda n: Limit(LimitKind.WORKING_DAYS, n / 2), st.integers(1, 120)),
    st.builds(lambda n: Limit(LimitKind.WORKING_HOURS, n), st.integers(1, 40)),
    st.builds(lambda n: Limit(LimitKind.WORKING_DAYS, n, Counting.DAY_COUNT), st.integers(1, 20)),
    st.builds(lambda n: Limit(LimitKind.WORKING_DAYS, n / 2, Counting.HALF_DAYS),
              st.integers(1, 10)),
    st.builds(lambda n: Limit(LimitKind.CALENDAR_DAYS, n), st.integers(1, 30)),
    st.sampled_from([Limit(LimitKind.SAME_WORKING_DAY), Limit(LimitKind.NEXT_WORKING_DAY),
                     Limit(LimitKind.END_OF_MONTH), Limit(LimitKind.AT_START)]),
)


@st.composite
def paused(draw: st.DrawFn) -> list[ClockPause]:
    result = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(instants())
        length = timedelta(seconds=draw(st.integers(0, 10 * 86400)))
        result.append(ClockPause(start, start + length, "p"))
    return result


@settings(max_examples=300, deadline=None, database=None)
@given(instants(), LIMITS, paused())
def test_counted_seconds_add_up_to_the_limits_working_time(start, limit, pauses) -> None:
    deadline = compute_deadline(CLOCK, start, limit, pauses, explain=True)
    explanation = deadline.explanation
    assert explanation.due_at == deadline.due_at  # one computation: the same deadline
    assert compute_deadline(CLOCK, start, limit, pauses).due_at == deadline.due_at
    closed = [(p.start, p.end) for p in pauses]
    if limit.is_round_the_clock:
        assert explanation.counted == explanation.budget
        return
    between = CLOCK.working_time_between(start, deadline.due_at, closed).total_seconds()
    assert explanation.counted == between
    if not limit.is_anchored and limit.counting is Counting.CLOCK or not pauses:
        assert explanation.counted == explanation.budget
    for segment in explanation.segments:
        if segment.kind not in ("pause", "round_the_clock"):
            assert segment.start.date() == (segment.end - timedelta(seconds=1)).date() or (
                segment.days > 1)
