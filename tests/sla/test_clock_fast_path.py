"""The clock's fast path for UTC instants (WorkingClock._w: the UTC second plus the zone's
offset of that UTC day) gives exactly what the plain path (astimezone) gives.

The plain path is taken for the same instant expressed in another tzinfo (not datetime.UTC),
so each instant is measured both ways and the results compared: on every kind of day
(working, weekend, holiday, make-up working day, closure, extra working day, a day closed
from 14:00), at office openings and closes, at local midnight, with microseconds, at the
range's ends, and in a zone with daylight saving time (whose switch days take the plain path
even in UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tracker.sla import WorkingClock, build_clock
from tracker.sla.calendar import Closure

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLUS_ONE = timezone(timedelta(hours=1))  # any tzinfo other than UTC takes the plain path

CLOSURES = [
    Closure(date(2026, 11, 24), working=False, reason="台风停工"),
    Closure(date(2026, 11, 28), working=True, reason="抢修加班"),  # a Saturday
    Closure(date(2026, 11, 26), working=False, reason="台风", start=time(14)),  # half a day
    Closure(date(2026, 11, 27), working=False, reason="停电", start=time(9), end=time(10, 15)),
]


def _instants(first: datetime, last: datetime, step: timedelta) -> list[datetime]:
    found, instant = [], first
    while instant < last:
        found.append(instant)
        instant += step
    return found


def _edges(clock: WorkingClock, days: list[date]) -> list[datetime]:
    """Office openings and closes (and a second either side), local midnights, in UTC."""
    found = []
    for day in days:
        midnight = datetime.combine(day, time(0), tzinfo=clock.tz)
        points = [midnight, midnight - timedelta(microseconds=1)]
        for start, end in clock.office_periods(day) or ():
            points += [start, end]
        for base in points:
            for delta in (-1, 0, 1):
                found.append((base + timedelta(seconds=delta)).astimezone(UTC))
        found.append((midnight + timedelta(hours=12, microseconds=999_999)).astimezone(UTC))
    return found


def _compare(clock: WorkingClock, instants: list[datetime]) -> None:
    for instant in instants:
        assert instant.tzinfo is UTC
        other = instant.astimezone(PLUS_ONE)
        assert clock._w(instant, "t") == clock._w(other, "t"), instant
    for a, b in zip(instants, instants[7:] + instants[:7], strict=True):
        assert clock.working_time_between(a, b) == clock.working_time_between(
            a.astimezone(PLUS_ONE), b.astimezone(SHANGHAI))
        assert clock.working_seconds_between(a, b, [(min(a, b), min(a, b) + timedelta(hours=3))]) \
            == clock.working_time_between(a.astimezone(SHANGHAI), b.astimezone(PLUS_ONE),
                                          [(min(a, b), min(a, b) + timedelta(hours=3))]
                                          ).total_seconds()
        assert clock.add_working_time(a, timedelta(hours=5)) == clock.add_working_time(
            a.astimezone(PLUS_ONE), timedelta(hours=5))


@pytest.mark.parametrize("closures", [(), CLOSURES], ids=["calendar", "closures"])
def test_fast_path_gives_the_plain_result_on_every_kind_of_day(closures) -> None:
    clock = build_clock(closures=closures)
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    kinds = {clock.calendar.day_kind(day) for day in days}
    # The sweep covers holidays and make-up working days (and the closures' kinds).
    assert {"working", "weekend", "holiday", "makeup_working"} <= kinds
    if closures:
        assert {"closure", "local_working", "partial_closure"} <= kinds
    sweep = _instants(datetime(2025, 12, 31, 16, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC),
                      timedelta(minutes=47, seconds=13, microseconds=250_001))
    _compare(clock, sweep + _edges(clock, days))


def test_fast_path_at_the_range_ends() -> None:
    clock = build_clock()
    first = clock._range_start.astimezone(UTC)
    end = clock._range_end.astimezone(UTC)
    assert clock._w(first, "t") == 0
    assert clock._w(end, "t") == clock._w(end.astimezone(PLUS_ONE), "t")
    for outside in (first - timedelta(seconds=1), end + timedelta(seconds=1)):
        with pytest.raises(ValueError, match="outside the clock's range") as fast:
            clock._w(outside, "start")
        with pytest.raises(ValueError, match="outside the clock's range") as plain:
            clock._w(outside.astimezone(PLUS_ONE), "start")
        assert str(fast.value) != "" and "start" in str(fast.value)
        assert str(plain.value).split(" is outside")[1] == str(fast.value).split(" is outside")[1]
    # datetime's own ends fail as they always did: the first day is outside the range, the
    # last one's offset cannot be looked up (the plain path's astimezone overflows).
    with pytest.raises(ValueError, match="start 0001-01-01T00:00:00[+]00:00 is outside"):
        clock._w(datetime.min.replace(tzinfo=UTC), "start")
    with pytest.raises(OverflowError):
        clock._w(datetime.max.replace(tzinfo=UTC), "start")


def test_fast_path_in_a_zone_with_daylight_saving_time() -> None:
    clock = build_clock(tz=ZoneInfo("America/New_York"))
    # Around both 2026 switches (8 March, 1 November), every 7 minutes and a second.
    sweep = []
    for day in (date(2026, 3, 7), date(2026, 10, 31)):
        start = datetime.combine(day, time(0), tzinfo=UTC)
        sweep += _instants(start, start + timedelta(days=3), timedelta(minutes=7, seconds=1))
    _compare(clock, sweep)
    switch_day = date(2026, 3, 8).toordinal()
    assert clock._utc_offsets[switch_day] is None  # the switch's UTC day took the plain path
    assert clock._utc_offsets[switch_day - 1] == -5 * 3600


def test_naive_and_foreign_values_are_still_refused() -> None:
    clock = build_clock()
    with pytest.raises(ValueError, match="naive"):
        clock.working_time_between(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10, tzinfo=UTC))
    with pytest.raises(TypeError, match="timezone-aware datetime"):
        clock.working_time_between(date(2026, 3, 2), datetime(2026, 3, 2, 10, tzinfo=UTC))
