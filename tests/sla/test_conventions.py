"""The conventions of issue 10, with its dates as the expected answers."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from tests.sla.test_limits import at, due
from tracker.sla import (
    ClockPause,
    Closure,
    Counting,
    Limit,
    LimitKind,
    WorkingClock,
    build_clock,
    compute_deadline,
)

NEXT = Limit(LimitKind.NEXT_WORKING_DAY)
SAME = Limit(LimitKind.SAME_WORKING_DAY)
MONTH = Limit(LimitKind.END_OF_MONTH)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-06-01 18:00", "2026-06-02 17:30"),  # Monday after hours -> Tuesday
        ("2026-06-06 10:00", "2026-06-08 17:30"),  # Saturday -> Monday
        ("2026-09-30 18:00", "2026-10-08 17:30"),  # before 国庆 -> first working day after
        ("2026-06-01 10:00", "2026-06-02 17:30"),  # within hours: the next working day
        ("2026-06-01 07:00", "2026-06-02 17:30"),  # before opening: still the next day
    ],
)
def test_next_working_day_from_after_hours_or_a_day_off(
    clock: WorkingClock, start: str, expected: str
) -> None:
    assert due(clock, start, NEXT) == at(expected)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-10-31 10:00", "2026-11-02 17:30"),  # works finished on Saturday 31 Oct
        ("2026-10-30 18:00", "2026-11-02 17:30"),  # after the month's last close
        ("2026-10-30 17:00", "2026-10-30 17:30"),  # half an hour is still left
        ("2026-10-12 09:00", "2026-10-30 17:30"),
    ],
)
def test_end_of_month_with_no_working_time_left(
    clock: WorkingClock, start: str, expected: str
) -> None:
    assert due(clock, start, MONTH) == at(expected)


HALF_PERIOD = Limit(LimitKind.WORKING_DAYS, 0.5, Counting.HALF_DAYS)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-06-01 09:00", "2026-06-01 17:30"),  # 上午接单下午完成
        ("2026-06-01 14:00", "2026-06-02 12:00"),  # 下午接单次日上午完成
        ("2026-06-01 12:30", "2026-06-02 12:00"),  # lunch: the afternoon's order
        ("2026-06-01 07:45", "2026-06-01 17:30"),  # before opening: a morning order
        ("2026-06-05 15:00", "2026-06-08 12:00"),  # Friday afternoon -> Monday morning
        ("2026-09-30 15:00", "2026-10-08 12:00"),  # over 国庆
    ],
)
def test_half_day_as_periods(clock: WorkingClock, start: str, expected: str) -> None:
    assert due(clock, start, HALF_PERIOD) == at(expected)


def test_half_day_as_hours_stays_the_default(clock: WorkingClock) -> None:
    hours = Limit(LimitKind.WORKING_DAYS, 0.5)
    assert due(clock, "2026-06-01 14:00", hours) == at("2026-06-02 08:45")  # 3.75 h
    assert due(clock, "2026-06-01 09:00", Limit(LimitKind.WORKING_DAYS, 1.5, Counting.HALF_DAYS)) \
        == at("2026-06-02 17:30")  # three periods
    with pytest.raises(ValueError, match="multiple of 0.5"):
        Limit(LimitKind.WORKING_DAYS, 0.3, Counting.HALF_DAYS)
    with pytest.raises(ValueError, match="working_days limits only"):
        Limit(LimitKind.WORKING_HOURS, 2, Counting.HALF_DAYS)


def test_municipal_approval_example(clock: WorkingClock) -> None:
    """003 四(三): approval pending Mon 06-01 10:30 to Fri 06-05 16:00; 当天告知 is due at
    Friday's close, not the following Monday."""
    pause = [ClockPause(at("2026-06-01 10:30"), at("2026-06-05 16:00"), "市政审批")]
    deadline = compute_deadline(clock, at("2026-06-01 10:00"), SAME, pause)
    assert deadline.due_at == at("2026-06-05 17:30")
    assert deadline.unpaused_due_at == at("2026-06-01 17:30")
    (effect,) = deadline.pauses
    assert effect.label == "市政审批" and effect.resumed_at == at("2026-06-05 17:30")
    # Not concerned (procurement's meter entry): no pause passed, due the next working day.
    assert due(clock, "2026-06-01 11:00", NEXT) == at("2026-06-02 17:30")


def test_anchors_resume_after_the_pause(clock: WorkingClock) -> None:
    # Next working day interrupted: the close of the working day after the pause's end.
    paused = [(at("2026-06-01 11:00"), at("2026-06-03 15:00"))]
    assert due(clock, "2026-06-01 10:00", NEXT, paused) == at("2026-06-04 17:30")
    # A pause that takes no working time (overnight) changes nothing.
    overnight = [(at("2026-06-01 18:00"), at("2026-06-02 08:00"))]
    assert due(clock, "2026-06-01 10:00", NEXT, overnight) == at("2026-06-02 17:30")
    # A pause after the deadline changes nothing.
    later = [(at("2026-06-03 09:00"), at("2026-06-04 09:00"))]
    assert due(clock, "2026-06-01 10:00", NEXT, later) == at("2026-06-02 17:30")
    # End of month: the pause ends in November, so the close of November's last working day.
    november = [(at("2026-10-29 10:00"), at("2026-11-03 10:00"))]
    assert due(clock, "2026-10-12 09:00", MONTH, november) == at("2026-11-30 17:30")
    # A pause inside the month leaves the month's close as it was.
    inside = [(at("2026-10-13 10:00"), at("2026-10-15 10:00"))]
    assert due(clock, "2026-10-12 09:00", MONTH, inside) == at("2026-10-30 17:30")


def test_amount_limits_exclude_paused_working_time(clock: WorkingClock) -> None:
    one_day = Limit(LimitKind.WORKING_DAYS, 1)
    paused = [ClockPause(at("2026-06-01 10:30"), at("2026-06-05 16:00"), "市政审批")]
    deadline = compute_deadline(clock, at("2026-06-01 10:00"), one_day, paused)
    # 0.5 h before the pause, 1.5 h on Friday after it, 5.5 h on Monday.
    assert deadline.due_at == at("2026-06-08 15:30")
    assert deadline.pauses[0].excluded == timedelta(hours=4 * 7.5 - 1.5 + 5.5)


def test_day_count_under_a_pause_goes_to_the_close_of_the_day(clock: WorkingClock) -> None:
    three = Limit(LimitKind.WORKING_DAYS, 3, Counting.DAY_COUNT)
    assert due(clock, "2026-06-01 09:00", three) == at("2026-06-04 17:30")
    # 4 working hours paused on Tuesday: Thursday 17:30 + 4 h is Friday 12:00 -> Friday 17:30.
    paused = [(at("2026-06-02 10:00"), at("2026-06-02 15:30"))]
    assert due(clock, "2026-06-01 09:00", three, paused) == at("2026-06-05 17:30")


def test_partial_closure_typhoon_from_two_pm() -> None:
    typhoon = Closure(date(2026, 7, 15), False, "台风", start=time(14), recorded_by="admin")
    clock = build_clock(closures=[typhoon])
    info = clock.calendar.day_info(date(2026, 7, 15))
    assert info.kind == "partial_closure" and info.working
    assert info.name == "台风" and info.closures == (typhoon,)
    assert "admin" in info.source
    assert clock.working_time_on(date(2026, 7, 15)) == timedelta(hours=3.5 + 0.5)
    # 1 working day from Wednesday 10:00: 2.5 h before the office closes at 14:00, then 5 h.
    assert clock.add_working_days(at("2026-07-15 10:00"), 1) == at("2026-07-16 15:00")
    assert clock.working_time_between(at("2026-07-15 13:00"), at("2026-07-15 17:30")) == \
        timedelta(minutes=30)
    # Same day: the close of that day is when the office closed.
    assert due(clock, "2026-07-15 10:00", SAME) == at("2026-07-15 14:00")
    assert due(clock, "2026-07-15 15:00", SAME) == at("2026-07-16 17:30")
    assert clock.next_working_instant(at("2026-07-15 14:30")) == at("2026-07-16 08:30")
    # A morning closure (until 10:00) moves nothing after it.
    late_start = build_clock(closures=[Closure(date(2026, 7, 15), False, "停电", end=time(10))])
    assert late_start.next_working_instant(at("2026-07-15 08:30")) == at("2026-07-15 10:00")
    assert late_start.close_of_day(date(2026, 7, 15)) == at("2026-07-15 17:30")


def test_a_closure_covering_all_office_hours_is_a_day_off() -> None:
    clock = build_clock(closures=[Closure(date(2026, 7, 15), False, "台风", start=time(8))])
    assert clock.working_time_on(date(2026, 7, 15)) == timedelta(0)
    assert clock.working_day_after(date(2026, 7, 14)) == date(2026, 7, 16)
    with pytest.raises(ValueError, match="ends before it starts"):
        Closure(date(2026, 7, 15), False, "x", start=time(15), end=time(14))
    with pytest.raises(ValueError, match="whole day"):
        Closure(date(2026, 7, 18), True, "加班", start=time(9))

