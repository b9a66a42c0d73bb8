"""The working clock: the domain examples, pauses, closures, office hours and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from tracker.sla import (
    ChinaCalendar,
    Closure,
    WorkingClock,
    build_clock,
    default_clock,
    parse_office_hours,
)

CST = timezone(timedelta(hours=8))  # what clients send: a fixed +08:00 offset


def at(text: str) -> datetime:
    """A +08:00 instant from 'YYYY-MM-DD HH:MM[:SS]'."""
    return datetime.fromisoformat(text).replace(tzinfo=CST)


@pytest.fixture(scope="module")
def clock() -> WorkingClock:
    return default_clock()


def test_default_clock_is_cached_and_has_default_hours(clock: WorkingClock) -> None:
    assert default_clock() is clock
    assert clock.working_day_length == timedelta(hours=7, minutes=30)
    assert clock.office_hours == ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))


# -- the domain examples -------------------------------------------------------------------


def test_national_day_example(clock: WorkingClock) -> None:
    # 1.5 h on 30 Sep, 1-7 Oct are holidays, 6 h more on 8 Oct.
    due = clock.add_working_days(at("2026-09-30 16:00"), 1)
    assert due == at("2026-10-08 16:00")
    assert due.utcoffset() == timedelta(hours=8)
    assert clock.working_days_between(at("2026-09-30 16:00"), due) == 1.0


def test_friday_evening_half_day(clock: WorkingClock) -> None:
    assert clock.add_working_days(at("2026-11-20 17:00"), 0.5) == at("2026-11-23 11:45")


def test_start_on_holiday_starts_next_working_morning(clock: WorkingClock) -> None:
    start = at("2026-10-03 10:00")  # 国庆节
    assert clock.next_working_instant(start) == at("2026-10-08 08:30")
    assert clock.add_working_time(start, timedelta(hours=1)) == at("2026-10-08 09:30")
    assert clock.working_time_between(start, at("2026-10-08 08:30")) == timedelta(0)


def test_deadline_is_close_of_day_not_next_opening(clock: WorkingClock) -> None:
    assert clock.add_working_days(at("2026-11-23 08:30"), 1) == at("2026-11-23 17:30")
    assert clock.add_working_time(at("2026-11-23 08:30"), timedelta(hours=3.5)) == at(
        "2026-11-23 12:00"
    )
    assert clock.add_working_time(at("2026-11-23 12:00"), timedelta(seconds=1)) == at(
        "2026-11-23 13:30:01"
    )


def test_makeup_saturday_counts(clock: WorkingClock) -> None:
    # Saturday 2026-10-10 is a make-up working day (国庆节调休).
    assert clock.is_working_day(date(2026, 10, 10))
    assert clock.add_working_days(at("2026-10-09 17:30"), 1) == at("2026-10-10 17:30")


def test_zero_amount_returns_start(clock: WorkingClock) -> None:
    start = at("2026-10-03 22:15:07")
    assert clock.add_working_time(start, timedelta(0)) == start


def test_negative_between(clock: WorkingClock) -> None:
    assert clock.working_time_between(at("2026-11-23 17:30"), at("2026-11-23 08:30")) == -timedelta(
        hours=7, minutes=30
    )


def test_instants_in_other_zones(clock: WorkingClock) -> None:
    utc_start = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    assert clock.add_working_time(utc_start, timedelta(hours=1)) == at("2026-11-23 09:30")


def test_microseconds_are_truncated(clock: WorkingClock) -> None:
    a = at("2026-11-23 09:00:00") + timedelta(microseconds=999_999)
    assert clock.working_time_between(a, at("2026-11-23 10:00")) == timedelta(hours=1)
    assert clock.add_working_time(a, timedelta(seconds=1, microseconds=500_000)) == at(
        "2026-11-23 09:00:01"
    )


def test_close_of_day_and_next_working_day(clock: WorkingClock) -> None:
    assert clock.close_of_day(date(2026, 10, 3)) == at("2026-10-03 17:30")
    assert clock.working_day_after(date(2026, 9, 30)) == date(2026, 10, 8)
    assert clock.working_day_after(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert clock.last_working_day_of_month(date(2026, 10, 15)) == date(2026, 10, 30)
    assert clock.last_working_day_of_month(date(2026, 2, 1)) == date(2026, 2, 28)  # 调休 Sat


def test_next_working_instant_inside_hours_is_itself(clock: WorkingClock) -> None:
    assert clock.next_working_instant(at("2026-11-23 09:10:11")) == at("2026-11-23 09:10:11")
    assert clock.next_working_instant(at("2026-11-23 12:00")) == at("2026-11-23 13:30")
    assert clock.next_working_instant(at("2026-11-23 17:30")) == at("2026-11-24 08:30")


def test_provisional(clock: WorkingClock) -> None:
    assert not clock.is_provisional(at("2026-01-01 09:00"), at("2026-12-31 09:00"))
    assert clock.is_provisional(at("2026-12-31 09:00"), at("2027-01-04 09:00"))
    assert clock.depends_on_provisional(at("2027-03-01 09:00"), at("2026-03-01 09:00"))
    assert clock.is_provisional(at("2017-12-29 09:00"), at("2018-01-02 09:00"))


# -- pauses ----------------------------------------------------------------------------------


def test_two_working_hours_of_pause_move_deadline_by_two_working_hours(clock: WorkingClock) -> None:
    start = at("2026-11-23 08:30")
    pause = (at("2026-11-23 09:00"), at("2026-11-23 11:00"))
    assert clock.add_working_days(start, 1, [pause]) == at("2026-11-24 10:30")
    assert clock.working_time_between(start, at("2026-11-23 17:30"), [pause]) == timedelta(
        hours=5, minutes=30
    )


def test_pause_outside_office_hours_changes_nothing(clock: WorkingClock) -> None:
    start = at("2026-11-23 08:30")
    night = (at("2026-11-23 18:00"), at("2026-11-24 08:00"))
    assert clock.add_working_days(start, 1, [night]) == at("2026-11-23 17:30")


def test_overlapping_pauses_are_merged(clock: WorkingClock) -> None:
    start = at("2026-11-23 08:30")
    pauses = [
        (at("2026-11-23 09:00"), at("2026-11-23 10:00")),
        (at("2026-11-23 09:30"), at("2026-11-23 11:00")),  # overlaps the first
        (at("2026-11-23 10:00"), at("2026-11-23 10:30")),  # inside both
    ]
    assert clock.working_time_between(start, at("2026-11-23 12:00"), pauses) == timedelta(hours=1.5)
    # 0.5 h before the merged 09:00-11:00 pause, 1 h after it.
    assert clock.add_working_time(start, timedelta(hours=1.5), pauses) == at("2026-11-23 12:00")


def test_pause_running_at_start_and_across_range(clock: WorkingClock) -> None:
    start = at("2026-11-23 10:00")
    pause = (at("2026-11-20 09:00"), at("2026-11-23 11:00"))  # began before the start
    assert clock.add_working_time(start, timedelta(hours=1), [pause]) == at("2026-11-23 12:00")
    long_ago = (datetime(1990, 1, 1, tzinfo=CST), at("2026-11-23 11:00"))  # before the range
    assert clock.working_time_between(start, at("2026-11-23 12:00"), [long_ago]) == timedelta(
        hours=1
    )


def test_pause_ending_exactly_when_budget_is_spent(clock: WorkingClock) -> None:
    start = at("2026-11-23 08:30")
    pause = (at("2026-11-23 09:30"), at("2026-11-23 10:00"))
    assert clock.add_working_time(start, timedelta(hours=1), [pause]) == at("2026-11-23 09:30")


def test_negative_between_with_pauses(clock: WorkingClock) -> None:
    pause = [(at("2026-11-23 09:00"), at("2026-11-23 10:00"))]
    forward = clock.working_time_between(at("2026-11-23 08:30"), at("2026-11-23 12:00"), pause)
    backward = clock.working_time_between(at("2026-11-23 12:00"), at("2026-11-23 08:30"), pause)
    assert backward == -forward == -timedelta(hours=2.5)


# -- closures and configuration ----------------------------------------------------------


def test_typhoon_closure_and_local_working_day() -> None:
    closures = [
        Closure(date(2026, 11, 24), working=False, reason="台风停工"),
        Closure(date(2026, 11, 28), working=True, reason="抢修加班"),  # a Saturday
    ]
    clock = build_clock(closures=closures)
    assert clock.calendar.day_kind(date(2026, 11, 24)) == "closure"
    assert clock.calendar.holiday_name(date(2026, 11, 24)) == "台风停工"
    assert clock.calendar.day_kind(date(2026, 11, 28)) == "local_working"
    assert clock.add_working_days(at("2026-11-23 17:30"), 1) == at("2026-11-25 17:30")
    assert clock.working_day_after(date(2026, 11, 27)) == date(2026, 11, 28)


def test_conflicting_closures_are_refused() -> None:
    with pytest.raises(ValueError, match="both as a closure and as a working day"):
        ChinaCalendar(
            closures=[
                Closure(date(2026, 11, 24), False, "台风"),
                Closure(date(2026, 11, 24), True, "加班"),
            ]
        )
    with pytest.raises(ValueError, match="outside the calendar's range"):
        ChinaCalendar(closures=[Closure(date(2150, 1, 1), False, "x")])


def test_custom_office_hours() -> None:
    clock = build_clock(office_hours="9:00-12:00，14:00-18:00")
    assert clock.working_day_length == timedelta(hours=7)
    assert clock.add_working_days(at("2026-11-23 09:00"), 0.5) == at("2026-11-23 14:30")


def test_parse_office_hours() -> None:
    assert parse_office_hours("08:30-12:00,13:30-17:30") == (
        (time(8, 30), time(12, 0)),
        (time(13, 30), time(17, 30)),
    )
    assert parse_office_hours(" 08:00:30 - 17:00 ") == ((time(8, 0, 30), time(17, 0)),)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("08:30 to 12:00", "cannot read"),
        ("08:30-25:00", "bad time"),
        ("12:00-08:30", "ends before it starts"),
        ("13:30-17:30,08:30-12:00", "sorted"),
        ("08:30-12:00,11:00-17:30", "overlap"),
    ],
)
def test_bad_office_hours_text(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_office_hours(text)


def test_bad_office_hours_tuples(clock: WorkingClock) -> None:
    with pytest.raises(ValueError, match="empty"):
        WorkingClock(clock.calendar, ())
    with pytest.raises(ValueError, match="overlap"):
        WorkingClock(clock.calendar, ((time(8), time(12)), (time(11), time(13))))
    with pytest.raises(ValueError, match="ends before it starts"):
        WorkingClock(clock.calendar, ((time(12), time(8)),))


# -- bad input -------------------------------------------------------------------------------


def test_naive_datetimes_are_refused(clock: WorkingClock) -> None:
    naive = datetime(2026, 11, 23, 9)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        clock.working_time_between(naive, at("2026-11-23 10:00"))
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        clock.working_time_between(at("2026-11-23 10:00"), naive)
    with pytest.raises(ValueError, match="must be timezone-aware"):
        clock.add_working_time(naive, timedelta(hours=1))
    with pytest.raises(ValueError, match="must be timezone-aware"):
        clock.add_working_time(at("2026-11-23 10:00"), timedelta(hours=1), [(naive, naive)])
    with pytest.raises(ValueError, match="must be timezone-aware"):
        clock.next_working_instant(naive)
    with pytest.raises(ValueError, match="must be timezone-aware"):
        clock.is_provisional(naive, naive)
    with pytest.raises(TypeError, match="must be a timezone-aware datetime"):
        clock.working_time_between(date(2026, 11, 23), at("2026-11-23 10:00"))  # type: ignore[arg-type]


def test_negative_amounts_are_refused(clock: WorkingClock) -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        clock.add_working_time(at("2026-11-23 10:00"), timedelta(seconds=-1))
    with pytest.raises(ValueError, match="cannot be negative"):
        clock.add_working_days(at("2026-11-23 10:00"), -0.5)
    with pytest.raises(TypeError, match="must be a timedelta"):
        clock.add_working_time(at("2026-11-23 10:00"), 3600)  # type: ignore[arg-type]


def test_bad_pauses_are_refused(clock: WorkingClock) -> None:
    start = at("2026-11-23 10:00")
    with pytest.raises(ValueError, match="ends .* before it starts"):
        clock.working_time_between(start, at("2026-11-24 10:00"), [(at("2026-11-23 11:00"), start)])
    with pytest.raises(ValueError, match="needs an end"):
        clock.add_working_time(start, timedelta(hours=1), [(start, None)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="pair"):
        clock.add_working_time(start, timedelta(hours=1), [start])  # type: ignore[list-item]


def test_out_of_range_is_refused(clock: WorkingClock) -> None:
    with pytest.raises(ValueError, match="start .* outside the clock's range"):
        clock.working_time_between(datetime(1999, 12, 31, 12, tzinfo=CST), at("2026-11-23 10:00"))
    with pytest.raises(ValueError, match="end .* outside the clock's range"):
        clock.working_time_between(at("2026-11-23 10:00"), datetime(2100, 1, 1, 12, tzinfo=CST))
    with pytest.raises(ValueError, match="after the clock's range ends"):
        clock.add_working_days(at("2099-12-31 10:00"), 2)
    with pytest.raises(ValueError, match="outside the calendar's range"):
        clock.is_working_day(date(2100, 1, 1))
    # The range's end instant itself is allowed.
    assert clock.working_time_between(at("2099-12-31 17:30"), datetime(2100, 1, 1, tzinfo=CST)) == (
        timedelta(0)
    )


def test_between_agrees_with_brute_force_minute_count(clock: WorkingClock) -> None:
    """Count working minutes one by one across the 2026 National Day week."""
    periods = [(8 * 60 + 30, 12 * 60), (13 * 60 + 30, 17 * 60 + 30)]
    origin = at("2026-09-26 00:00")
    minutes = 17 * 24 * 60
    working_flags = []
    for minute in range(minutes):
        instant = origin + timedelta(minutes=minute)
        of_day = instant.hour * 60 + instant.minute
        working_flags.append(
            clock.is_working_day(instant.date())
            and any(start <= of_day < end for start, end in periods)
        )
    cumulative = [0]
    for flag in working_flags:
        cumulative.append(cumulative[-1] + flag)
    for first in range(0, minutes, 97):
        for last in range(first, minutes + 1, 89):
            expected = timedelta(minutes=cumulative[last] - cumulative[first])
            got = clock.working_time_between(
                origin + timedelta(minutes=first), origin + timedelta(minutes=last)
            )
            assert got == expected, (first, last)
