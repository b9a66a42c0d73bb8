"""Limits applied on the clock: compute_deadline and elapsed_budget."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tracker.sla import (
    Counting,
    Deadline,
    Limit,
    LimitKind,
    WorkingClock,
    compute_deadline,
    default_clock,
    elapsed_budget,
)

CST = timezone(timedelta(hours=8))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


@pytest.fixture(scope="module")
def clock() -> WorkingClock:
    return default_clock()


def due(clock: WorkingClock, start: str, limit: Limit, pauses=()) -> datetime | None:
    return compute_deadline(clock, at(start), limit, pauses).due_at


def test_one_working_day_clock_counting(clock: WorkingClock) -> None:
    deadline = compute_deadline(clock, at("2026-09-30 16:00"), Limit(LimitKind.WORKING_DAYS, 1))
    assert deadline == Deadline(
        due_at=at("2026-10-08 16:00"),
        budget=timedelta(hours=7.5),
        round_the_clock=False,
        provisional=False,
        unpaused_due_at=at("2026-10-08 16:00"),
    )


def test_half_working_day(clock: WorkingClock) -> None:
    assert due(clock, "2026-11-20 17:00", Limit(LimitKind.WORKING_DAYS, 0.5)) == at(
        "2026-11-23 11:45"
    )


def test_start_on_holiday(clock: WorkingClock) -> None:
    assert due(clock, "2026-10-01 09:00", Limit(LimitKind.WORKING_HOURS, 2)) == at(
        "2026-10-08 10:30"
    )


def test_pause_moves_deadline_by_paused_working_time(clock: WorkingClock) -> None:
    limit = Limit(LimitKind.WORKING_DAYS, 1)
    pauses = [(at("2026-11-23 09:00"), at("2026-11-23 11:00"))]
    assert due(clock, "2026-11-23 08:30", limit, pauses) == at("2026-11-24 10:30")


def test_open_pause_before_due_means_no_due_yet(clock: WorkingClock) -> None:
    limit = Limit(LimitKind.WORKING_DAYS, 1)
    deadline = compute_deadline(
        clock, at("2026-11-23 08:30"), limit, [(at("2026-11-23 10:00"), None)]
    )
    assert deadline.due_at is None
    assert deadline.budget == timedelta(hours=7.5)
    # An open pause that started after the deadline passed does not hide it.
    late = compute_deadline(clock, at("2026-11-23 08:30"), limit, [(at("2026-11-24 09:00"), None)])
    assert late.due_at == at("2026-11-23 17:30")


def test_same_working_day(clock: WorkingClock) -> None:
    limit = Limit(LimitKind.SAME_WORKING_DAY)
    assert due(clock, "2026-11-23 10:00", limit) == at("2026-11-23 17:30")
    assert due(clock, "2026-11-23 18:00", limit) == at("2026-11-24 17:30")  # after hours
    assert due(clock, "2026-10-03 10:00", limit) == at("2026-10-08 17:30")  # holiday
    paused = [(at("2026-11-23 16:30"), at("2026-11-24 09:30"))]  # 1 h + 1 h of working time
    # A date-anchored limit resumes as an anchor: the close of the day the pause ends.
    assert due(clock, "2026-11-23 10:00", limit, paused) == at("2026-11-24 17:30")


def test_next_working_day(clock: WorkingClock) -> None:
    limit = Limit(LimitKind.NEXT_WORKING_DAY)
    assert due(clock, "2026-09-30 10:00", limit) == at("2026-10-08 17:30")
    assert due(clock, "2026-10-09 10:00", limit) == at("2026-10-10 17:30")  # 调休 Saturday


def test_day_count(clock: WorkingClock) -> None:
    # 民法典 art. 201: the acceptance day is not counted.
    limit = Limit(LimitKind.WORKING_DAYS, 1, Counting.DAY_COUNT)
    assert due(clock, "2026-09-30 16:00", limit) == at("2026-10-08 17:30")
    three = Limit(LimitKind.WORKING_DAYS, 3, Counting.DAY_COUNT)
    assert due(clock, "2026-11-23 09:00", three) == at("2026-11-26 17:30")
    # Fractions round up: 2.5 days is the close of the third working day.
    assert due(
        clock, "2026-11-23 09:00", Limit(LimitKind.WORKING_DAYS, 2.5, Counting.DAY_COUNT)
    ) == (at("2026-11-26 17:30"))


def test_day_count_counting_the_start_day(clock: WorkingClock) -> None:
    same_day = Limit(LimitKind.WORKING_DAYS, 1, Counting.DAY_COUNT, count_start_day=True)
    assert due(clock, "2026-11-23 09:00", same_day) == at("2026-11-23 17:30")  # 当日内
    assert due(clock, "2026-11-23 18:00", same_day) == at("2026-11-24 17:30")  # after close
    assert due(clock, "2026-10-03 09:00", same_day) == at("2026-10-08 17:30")  # holiday
    three = Limit(LimitKind.WORKING_DAYS, 3, Counting.DAY_COUNT, count_start_day=True)
    assert due(clock, "2026-11-23 09:00", three) == at("2026-11-25 17:30")


def test_end_of_month(clock: WorkingClock) -> None:
    limit = Limit(LimitKind.END_OF_MONTH)
    assert due(clock, "2026-10-12 09:00", limit) == at("2026-10-30 17:30")  # 31 Oct is Saturday
    # No working time left in the month: the close of the next working day (issue 10).
    assert due(clock, "2026-10-30 17:30", limit) == at("2026-11-02 17:30")
    assert due(clock, "2026-02-27 09:00", limit) == at("2026-02-28 17:30")  # 调休 Saturday


def test_round_the_clock(clock: WorkingClock) -> None:
    hotline = Limit(LimitKind.CALENDAR_HOURS, 0.5)  # 12345: burst main, 30 minutes
    deadline = compute_deadline(clock, at("2026-10-01 03:10"), hotline)
    assert deadline == Deadline(
        at("2026-10-01 03:40"), timedelta(minutes=30), True, False, at("2026-10-01 03:40")
    )
    days = Limit(LimitKind.CALENDAR_DAYS, 2)
    paused = [
        (at("2026-10-01 12:00"), at("2026-10-01 18:00")),
        (at("2026-10-01 17:00"), at("2026-10-01 20:00")),
    ]
    assert due(clock, "2026-10-01 10:00", days, paused) == at("2026-10-03 18:00")
    assert due(clock, "2026-10-01 10:00", days, [(at("2026-10-02 10:00"), None)]) is None


def test_provisional_deadline(clock: WorkingClock) -> None:
    deadline = compute_deadline(clock, at("2026-12-31 16:00"), Limit(LimitKind.WORKING_DAYS, 1))
    assert deadline.provisional  # it runs into 2027, not yet published
    assert deadline.due_at == at("2027-01-04 16:00")  # 1 Jan statutory holiday, then weekend


def test_elapsed_budget(clock: WorkingClock) -> None:
    start = at("2026-11-20 17:00")
    now = at("2026-11-23 10:00")
    assert elapsed_budget(clock, start, now, False) == timedelta(hours=2)
    assert elapsed_budget(clock, start, now, True) == timedelta(days=2, hours=17)
    open_pause = [(at("2026-11-23 09:00"), None)]
    assert elapsed_budget(clock, start, now, False, open_pause) == timedelta(hours=1)
    assert elapsed_budget(clock, start, now, True, open_pause) == timedelta(days=2, hours=16)
    closed = [(at("2026-11-20 17:10"), at("2026-11-20 17:20"))]
    assert elapsed_budget(clock, start, now, False, closed) == timedelta(hours=1, minutes=50)
    assert elapsed_budget(clock, now, start, False) == timedelta(0)  # not started yet
    future_pause = [(at("2026-11-24 09:00"), None)]
    assert elapsed_budget(clock, start, now, False, future_pause) == timedelta(hours=2)


def test_bad_input(clock: WorkingClock) -> None:
    naive = datetime(2026, 11, 23, 9)
    with pytest.raises(ValueError, match="must be timezone-aware"):
        compute_deadline(clock, naive, Limit(LimitKind.WORKING_DAYS, 1))
    with pytest.raises(ValueError, match="must be timezone-aware"):
        compute_deadline(clock, naive, Limit(LimitKind.CALENDAR_HOURS, 1))
    with pytest.raises(ValueError, match="must be timezone-aware"):
        elapsed_budget(clock, at("2026-11-23 09:00"), naive, True)
    with pytest.raises(ValueError, match="before it starts"):
        compute_deadline(
            clock,
            at("2026-11-23 09:00"),
            Limit(LimitKind.CALENDAR_HOURS, 1),
            [(at("2026-11-23 10:00"), at("2026-11-23 09:30"))],
        )
    with pytest.raises(ValueError, match="cannot be negative"):
        Limit(LimitKind.WORKING_DAYS, -1)
