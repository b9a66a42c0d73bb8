"""Time limits (时限) as data: what a flow file says, before any clock is applied."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from .clock import require_aware

if TYPE_CHECKING:
    from .clock import WorkingClock

# A pause (暂停计时) as the clock functions here take it: an end of None means still paused.
OpenPause = tuple[datetime, "datetime | None"]


class LimitKind(str, Enum):
    """The kinds of limit the source documents use."""

    WORKING_DAYS = "working_days"  # N working days, fractions allowed (0.5 = half a day)
    WORKING_HOURS = "working_hours"  # N working hours
    SAME_WORKING_DAY = "same_working_day"  # 当天: by close of office on the start's working day
    NEXT_WORKING_DAY = "next_working_day"  # 次日: by close of office on the next working day
    CALENDAR_DAYS = "calendar_days"  # N x 24 h, round the clock
    CALENDAR_HOURS = "calendar_hours"  # N hours, round the clock (12345: 30 minutes = 0.5)
    END_OF_MONTH = "end_of_month"  # 当月: by close of office on the month's last working day


class Counting(str, Enum):
    """How "N working days" is counted (the domain notes, "Working time")."""

    CLOCK = "clock"  # N x working-day length of working time from the start instant
    DAY_COUNT = "day_count"  # close of office on the Nth working day after the start day


@dataclass(frozen=True)
class Limit:
    """One time limit: a kind, an amount where the kind takes one, and a counting convention."""

    kind: LimitKind
    amount: float = 0.0
    counting: Counting = Counting.CLOCK
    count_start_day: bool = False  # day_count only: the start day is day 1 (当日内)

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"a time limit cannot be negative: {self.amount}")
        if self.kind in _AMOUNT_KINDS and self.amount <= 0:
            raise ValueError(f"a {self.kind.value} limit needs a positive amount")
        if self.counting is Counting.DAY_COUNT and self.kind is not LimitKind.WORKING_DAYS:
            raise ValueError("day_count counting applies to working_days limits only")

    @property
    def is_round_the_clock(self) -> bool:
        """Calendar kinds count every hour; the others count working time only."""
        return self.kind in (LimitKind.CALENDAR_DAYS, LimitKind.CALENDAR_HOURS)

    def to_dict(self) -> dict[str, Any]:
        """The full, explicit form (every field written out): flow versions and timers store it."""
        return {"kind": self.kind.value, "amount": float(self.amount),
                "counting": self.counting.value, "count_start_day": bool(self.count_start_day)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Limit:
        """The limit of a stored dict form; missing fields take the defaults."""
        return cls(kind=LimitKind(data["kind"]), amount=float(data.get("amount", 0.0)),
                   counting=Counting(data.get("counting", Counting.CLOCK.value)),
                   count_start_day=bool(data.get("count_start_day", False)))


_AMOUNT_KINDS = {
    LimitKind.WORKING_DAYS,
    LimitKind.WORKING_HOURS,
    LimitKind.CALENDAR_DAYS,
    LimitKind.CALENDAR_HOURS,
}


@dataclass(frozen=True)
class Deadline:
    """A limit applied to a start instant."""

    due_at: datetime | None  # None while an open-ended pause that began before it is running
    budget: timedelta  # the limit as working time (as wall time when round_the_clock)
    round_the_clock: bool
    provisional: bool  # depends on a year with no published holiday schedule


def compute_deadline(
    clock: WorkingClock, start: datetime, limit: Limit, pauses: Iterable[OpenPause] = ()
) -> Deadline:
    """When `limit`, started at `start`, falls due, pushed back by the paused time.

    Working kinds count working time on the clock; the date-anchored kinds (same/next working
    day, day counting, end of month) become the working time from start to that close of
    office, so that pauses push them back by the working time paused. Under DAY_COUNT a
    fractional number of days is rounded up (2.5 days = close of the third working day).
    """
    closed, open_starts = _split_pauses(pauses)
    if limit.is_round_the_clock:
        # Wall time is elapsed time: add in UTC so a zone with daylight saving stays exact.
        start = _aware(start, "start").astimezone(UTC).replace(microsecond=0)
        unit = timedelta(days=1) if limit.kind is LimitKind.CALENDAR_DAYS else timedelta(hours=1)
        budget = timedelta(seconds=round(limit.amount * unit.total_seconds()))
        due = start + budget
        for pause_start, pause_end in _merge_wall(closed):
            if pause_end <= start:
                continue
            pause_start = max(pause_start, start)
            if pause_start >= due:
                break
            due += pause_end - pause_start
        if open_starts and min(open_starts) < due:
            return Deadline(None, budget, True, False)
        return Deadline(due.astimezone(clock.tz), budget, True, False)

    if limit.kind is LimitKind.WORKING_HOURS:
        budget = timedelta(seconds=round(limit.amount * 3600))
    elif limit.kind is LimitKind.WORKING_DAYS and limit.counting is Counting.CLOCK:
        budget = timedelta(seconds=round(limit.amount * clock.working_day_length.total_seconds()))
    else:
        budget = clock.working_time_between(start, _anchor(clock, start, limit))
    due = clock.add_working_time(start, budget, closed)
    provisional = clock.is_provisional(start, due)
    if open_starts and min(open_starts) < due:
        return Deadline(None, budget, False, provisional)
    return Deadline(due, budget, False, provisional)


def elapsed_budget(
    clock: WorkingClock,
    start: datetime,
    now: datetime,
    round_the_clock: bool,
    pauses: Iterable[OpenPause] = (),
) -> timedelta:
    """Working (or wall) time used from start to now, pauses excluded; an open pause counts
    as ending at `now`. Zero if now is before start."""
    now = _aware(now, "now")
    closed: list[tuple[datetime, datetime]] = []
    for pause_start, pause_end in pauses:
        _aware(pause_start, "pause start")
        if pause_end is None:
            if pause_start >= now:
                continue  # not begun yet as seen from now
            pause_end = now
        closed.append((pause_start, pause_end))
    if _aware(start, "start") >= now:
        return timedelta(0)
    if not round_the_clock:
        return clock.working_time_between(start, now, closed)
    start, now = start.replace(microsecond=0), now.replace(microsecond=0)
    elapsed = now - start
    for pause_start, pause_end in _merge_wall(closed):
        overlap = min(pause_end, now) - max(pause_start, start)
        if overlap > timedelta(0):
            elapsed -= overlap
    return elapsed


def _anchor(clock: WorkingClock, start: datetime, limit: Limit) -> datetime:
    """The unpaused due instant of a date-anchored limit: a close of office."""
    kind = limit.kind
    if kind is LimitKind.SAME_WORKING_DAY:
        return clock.close_of_day(clock.next_working_instant(start).date())
    if kind is LimitKind.NEXT_WORKING_DAY:
        opening = clock.next_working_instant(start).date()
        return clock.close_of_day(clock.working_day_after(opening))
    if kind is LimitKind.WORKING_DAYS:  # DAY_COUNT
        days = max(1, math.ceil(limit.amount))
        if limit.count_start_day:
            # Day 1 is the start day if work can still be done on it, else the next working day.
            first = clock.next_working_instant(start).date()
            day = first if days == 1 else clock.working_day_after(first, days - 1)
        else:
            # 民法典 art. 201: the period starts on the day after the start day.
            day = clock.working_day_after(start.astimezone(clock.tz).date(), days)
        return clock.close_of_day(day)
    if kind is LimitKind.END_OF_MONTH:
        month = start.astimezone(clock.tz).date().replace(day=1)
        for _ in range(3):  # a month without working days is impossible in practice
            last = clock.last_working_day_of_month(month)
            if last is not None and clock.close_of_day(last) > start:
                return clock.close_of_day(last)
            month = (month + timedelta(days=32)).replace(day=1)
        raise ValueError(f"no working day found in the three months from {month}")
    raise ValueError(f"not a date-anchored limit: {limit}")


def _aware(value: datetime, what: str) -> datetime:
    require_aware(value, what)
    return value


def _split_pauses(
    pauses: Iterable[OpenPause],
) -> tuple[list[tuple[datetime, datetime]], list[datetime]]:
    closed: list[tuple[datetime, datetime]] = []
    open_starts: list[datetime] = []
    for pause in pauses:
        try:
            pause_start, pause_end = pause
        except (TypeError, ValueError):
            raise ValueError(f"a pause must be a (start, end) pair, got {pause!r}") from None
        _aware(pause_start, "pause start")
        if pause_end is None:
            open_starts.append(pause_start)
        else:
            closed.append((pause_start, _aware(pause_end, "pause end")))
    return closed, open_starts


def _merge_wall(pauses: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted, merged wall-time pause intervals, floored to the second."""
    merged: list[tuple[datetime, datetime]] = []
    for pause_start, pause_end in sorted(pauses):
        if pause_end < pause_start:
            raise ValueError(
                f"a pause ends ({pause_end.isoformat()}) before it starts ({pause_start.isoformat()})"
            )
        pause_start, pause_end = (
            pause_start.replace(microsecond=0),
            pause_end.replace(microsecond=0),
        )
        if merged and pause_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], pause_end))
        else:
            merged.append((pause_start, pause_end))
    return merged


__all__ = [
    "Counting",
    "Deadline",
    "Limit",
    "LimitKind",
    "OpenPause",
    "compute_deadline",
    "elapsed_budget",
]
