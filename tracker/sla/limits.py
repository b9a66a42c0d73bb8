"""Time limits (时限) as data: what a flow file says, before any clock is applied."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from .clock import ClockPause, pause_bounds, pause_label, require_aware
from .explain import Explanation, explain_span

if TYPE_CHECKING:
    from .clock import WorkingClock

# A pause (暂停计时) as the clock functions here take it: an end of None means still paused.
# A ClockPause(start, end, label) works too; its label comes back in Deadline.pauses.
OpenPause = tuple[datetime, "datetime | None"] | ClockPause


class LimitKind(str, Enum):
    """The kinds of limit the source documents use."""

    WORKING_DAYS = "working_days"  # N working days, fractions allowed (0.5 = half a day)
    WORKING_HOURS = "working_hours"  # N working hours
    SAME_WORKING_DAY = "same_working_day"  # 当天: by close of office on the start's working day
    NEXT_WORKING_DAY = "next_working_day"  # 次日（含）前: close of the working day after the start's date
    CALENDAR_DAYS = "calendar_days"  # N x 24 h, round the clock
    CALENDAR_HOURS = "calendar_hours"  # N hours, round the clock (12345: 30 minutes = 0.5)
    END_OF_MONTH = "end_of_month"  # 当月: by close of office on the month's last working day
    AT_START = "at_start"  # at the instant the clock starts (101: 按客户需求的时间, the time itself)


class Counting(str, Enum):
    """How "N working days" is counted (the domain notes, "Working time")."""

    CLOCK = "clock"  # N x working-day length of working time from the start instant
    DAY_COUNT = "day_count"  # close of office on the Nth working day after the start day
    # 半个工作日 as half-day periods: 上午接单下午完成，下午接单次日上午完成. N working days =
    # 2N office periods after the one the clock starts in; due at the close of the last.
    HALF_DAYS = "half_days"


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
        if self.counting is not Counting.CLOCK and self.kind is not LimitKind.WORKING_DAYS:
            raise ValueError(f"{self.counting.value} counting applies to working_days limits only")
        if self.counting is Counting.HALF_DAYS and (self.amount * 2) % 1:
            raise ValueError("half_days counting needs a multiple of 0.5 working days")
        if self.count_start_day and self.counting is not Counting.DAY_COUNT:
            raise ValueError("count_start_day applies to day_count counting only")

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

    @property
    def is_anchored(self) -> bool:
        """Due at a close of office fixed by a date (same/next working day, month end, half-day
        periods): after a pause it is taken again from the pause's end, not pushed back."""
        return self.kind in _ANCHORED_KINDS or self.counting is Counting.HALF_DAYS


_ANCHORED_KINDS = {
    LimitKind.AT_START,
    LimitKind.SAME_WORKING_DAY,
    LimitKind.NEXT_WORKING_DAY,
    LimitKind.END_OF_MONTH,
}

_AMOUNT_KINDS = {
    LimitKind.WORKING_DAYS,
    LimitKind.WORKING_HOURS,
    LimitKind.CALENDAR_DAYS,
    LimitKind.CALENDAR_HOURS,
}


@dataclass(frozen=True)
class PauseEffect:
    """What one pause did to a deadline (for the explanation of that deadline)."""

    label: str  # the ClockPause's label ("" for a plain pair)
    start: datetime
    end: datetime | None  # None: still paused
    excluded: timedelta  # working (wall, round the clock) time of the pause within the limit
    resumed_at: datetime | None = None  # anchored limits: the close taken again from its end


@dataclass(frozen=True)
class Deadline:
    """A limit applied to a start instant."""

    due_at: datetime | None  # None while an open-ended pause that began before it is running
    budget: timedelta  # the limit as working time (as wall time when round_the_clock)
    round_the_clock: bool
    provisional: bool  # depends on a year with no published holiday schedule
    unpaused_due_at: datetime | None = None  # the deadline had nothing been paused
    pauses: tuple[PauseEffect, ...] = ()  # the pauses that moved it, in order
    explanation: Explanation | None = None  # with compute_deadline(..., explain=True)


def compute_deadline(
    clock: WorkingClock,
    start: datetime,
    limit: Limit,
    pauses: Iterable[OpenPause] = (),
    explain: bool = False,
) -> Deadline:
    """When `limit`, started at `start`, falls due, given the pauses that concern it.

    Amount limits (N working days or hours counted on the clock, calendar days or hours)
    exclude the paused time: the deadline moves back by it. Date-anchored limits (same or next
    working day, end of month, half-day periods) resume as anchors: a pause that takes working
    time from the limit's span makes it due at the anchor taken again from the pause's end
    (a same-day duty paused until Friday 16:00 is due Friday 17:30). Day counting (DAY_COUNT)
    is an amount of whole days: the paused working time is added and the deadline goes to the
    close of the day it then falls on. Under DAY_COUNT a fractional number of days is rounded
    up (2.5 days = close of the third working day).

    With `explain=True` the Deadline carries its Explanation: the span from start to the due
    instant just computed, walked on the same index with the same pauses (sla/explain.py).
    """
    closed, open_starts = _split_pauses(pauses)
    if limit.is_round_the_clock:
        deadline = _round_the_clock(clock, start, limit, closed, open_starts)
    else:
        deadline = _working_deadline(clock, start, limit, closed, open_starts)
    if not explain:
        return deadline
    return _explained(clock, start, limit, deadline, closed, open_starts)


def _explained(
    clock: WorkingClock,
    start: datetime,
    limit: Limit,
    deadline: Deadline,
    closed: list[tuple[datetime, datetime, str]],
    open_starts: list[tuple[datetime, str]],
) -> Deadline:
    """The deadline with its explanation: the walk ends at the due instant, or where the
    earliest open pause stopped the count."""
    end = deadline.due_at
    if end is None:
        end = max(start, min(s for s, _ in open_starts))
    segments = explain_span(clock, start, end, [(s, e) for s, e, _ in closed], deadline.pauses,
                            deadline.round_the_clock)
    explanation = Explanation(
        start=start.astimezone(clock.tz).replace(microsecond=0), limit=limit,
        budget=int(deadline.budget.total_seconds()), due_at=deadline.due_at,
        unpaused_due_at=deadline.unpaused_due_at, round_the_clock=deadline.round_the_clock,
        provisional=deadline.provisional, segments=tuple(segments))
    return replace(deadline, explanation=explanation)


def _working_deadline(
    clock: WorkingClock,
    start: datetime,
    limit: Limit,
    closed: list[tuple[datetime, datetime, str]],
    open_starts: list[tuple[datetime, str]],
) -> Deadline:
    """A deadline counted in working time (amount or anchored limits)."""
    if limit.is_anchored:
        anchor = _anchor(clock, start, limit)
        budget = clock.working_time_between(start, anchor)
        due, effects = _resume_anchor(clock, start, anchor, limit, closed)
    else:
        if limit.kind is LimitKind.WORKING_HOURS:
            budget = timedelta(seconds=round(limit.amount * 3600))
            anchor = clock.add_working_time(start, budget)
        elif limit.counting is Counting.CLOCK:
            budget = timedelta(
                seconds=round(limit.amount * clock.working_day_length.total_seconds())
            )
            anchor = clock.add_working_time(start, budget)
        else:  # DAY_COUNT
            anchor = _anchor(clock, start, limit)
            budget = clock.working_time_between(start, anchor)
        due = clock.add_working_time(start, budget, [(s, e) for s, e, _ in closed])
        if limit.counting is Counting.DAY_COUNT and due != anchor:
            due = clock.close_of_day(due.astimezone(clock.tz).date())
        effects = _amount_effects(clock, start, due, closed)
    provisional = clock.is_provisional(start, due)
    effects += _open_effects(open_starts)
    if open_starts and min(s for s, _ in open_starts) < due:
        return Deadline(None, budget, False, provisional, anchor, effects)
    return Deadline(due, budget, False, provisional, anchor, effects)


def _round_the_clock(
    clock: WorkingClock,
    start: datetime,
    limit: Limit,
    closed: list[tuple[datetime, datetime, str]],
    open_starts: list[tuple[datetime, str]],
) -> Deadline:
    # Wall time is elapsed time: add in UTC so a zone with daylight saving stays exact.
    start = _aware(start, "start").astimezone(UTC).replace(microsecond=0)
    unit = timedelta(days=1) if limit.kind is LimitKind.CALENDAR_DAYS else timedelta(hours=1)
    budget = timedelta(seconds=round(limit.amount * unit.total_seconds()))
    due = start + budget
    unpaused = due.astimezone(clock.tz)
    effects: list[PauseEffect] = []
    for pause_start, pause_end in _merge_wall([(s, e) for s, e, _ in closed]):
        if pause_end <= start:
            continue
        pause_start = max(pause_start, start)
        if pause_start >= due:
            break
        due += pause_end - pause_start
    for pause_start, pause_end, label in closed:
        overlap = min(pause_end, due) - max(pause_start, start)
        if overlap > timedelta(0):
            effects.append(PauseEffect(label, pause_start, pause_end, overlap))
    effects_all = tuple(effects) + _open_effects(open_starts)
    if open_starts and min(s for s, _ in open_starts) < due:
        return Deadline(None, budget, True, False, unpaused, effects_all)
    return Deadline(due.astimezone(clock.tz), budget, True, False, unpaused, effects_all)


def _resume_anchor(
    clock: WorkingClock,
    start: datetime,
    anchor: datetime,
    limit: Limit,
    closed: list[tuple[datetime, datetime, str]],
) -> tuple[datetime, tuple[PauseEffect, ...]]:
    """An anchored deadline after the pauses: each pause that takes working time from the
    span still to run moves the deadline to the anchor taken again from the pause's end."""
    due = anchor
    effects: list[PauseEffect] = []
    for pause_start, pause_end, label in sorted(closed, key=lambda p: (p[0], p[1])):
        if limit.kind is LimitKind.AT_START:
            # Due at an instant: a pause running then makes it due when the pause ends.
            if pause_start <= due < pause_end:
                due = pause_end.astimezone(clock.tz).replace(microsecond=0)
                effects.append(PauseEffect(label, pause_start, pause_end, timedelta(0), due))
            continue
        if pause_end <= start or pause_start >= due:
            continue
        taken = clock.working_time_between(max(pause_start, start), min(pause_end, due))
        if taken <= timedelta(0):
            continue  # outside office hours: nothing of the limit was lost
        resumed = _anchor(clock, pause_end, limit)
        due = max(due, resumed)
        effects.append(PauseEffect(label, pause_start, pause_end, taken, resumed))
    return due, tuple(effects)


def _amount_effects(
    clock: WorkingClock,
    start: datetime,
    due: datetime,
    closed: list[tuple[datetime, datetime, str]],
) -> tuple[PauseEffect, ...]:
    effects = []
    for pause_start, pause_end, label in sorted(closed, key=lambda p: (p[0], p[1])):
        if pause_end <= start or pause_start >= due:
            continue
        excluded = clock.working_time_between(max(pause_start, start), min(pause_end, due))
        if excluded > timedelta(0):
            effects.append(PauseEffect(label, pause_start, pause_end, excluded))
    return tuple(effects)


def _open_effects(open_starts: list[tuple[datetime, str]]) -> tuple[PauseEffect, ...]:
    return tuple(PauseEffect(label, s, None, timedelta(0)) for s, label in open_starts)


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
    for pause in pauses:
        pause_start, pause_end = pause_bounds(pause)
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
    if kind is LimitKind.AT_START:
        return start.astimezone(clock.tz).replace(microsecond=0)
    if kind is LimitKind.SAME_WORKING_DAY:
        return clock.close_of_day(clock.next_working_instant(start).date())
    if kind is LimitKind.NEXT_WORKING_DAY:
        # 次日（含）前: the close of the first working day after the start's calendar day, so
        # Monday 18:00 is due Tuesday 17:30 and Saturday is due Monday, never a day later.
        return clock.close_of_day(clock.working_day_after(start.astimezone(clock.tz).date()))
    if limit.counting is Counting.HALF_DAYS:
        return clock.close_of_period_after(start, round(limit.amount * 2))
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
        # 当月: the close of the month's last working day; when no working time is left in
        # the month (works finished on its last Saturday, or after its last close), the close
        # of the next working day, never a whole month more.
        local = start.astimezone(clock.tz).date()
        last = clock.last_working_day_of_month(local)
        if last is not None and clock.working_time_between(start, clock.close_of_day(last)):
            return clock.close_of_day(last)
        return clock.close_of_day(clock.working_day_after(local))
    raise ValueError(f"not a date-anchored limit: {limit}")


def _aware(value: datetime, what: str) -> datetime:
    require_aware(value, what)
    return value


def _split_pauses(
    pauses: Iterable[OpenPause],
) -> tuple[list[tuple[datetime, datetime, str]], list[tuple[datetime, str]]]:
    closed: list[tuple[datetime, datetime, str]] = []
    open_starts: list[tuple[datetime, str]] = []
    for pause in pauses:
        pause_start, pause_end = pause_bounds(pause)
        _aware(pause_start, "pause start")
        if pause_end is None:
            open_starts.append((pause_start, pause_label(pause)))
        else:
            _aware(pause_end, "pause end")
            if pause_end < pause_start:
                raise ValueError(
                    f"a pause ends ({pause_end.isoformat()}) before it starts "
                    f"({pause_start.isoformat()})"
                )
            closed.append((pause_start, pause_end, pause_label(pause)))
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
    "PauseEffect",
    "compute_deadline",
    "elapsed_budget",
    "explain",
]


def explain(
    clock: WorkingClock, start: datetime, limit: Limit, pauses: Iterable[OpenPause] = ()
) -> Explanation:
    """Why the deadline of `limit` started at `start` is where it is (compute_deadline's own
    walk, recorded)."""
    explanation = compute_deadline(clock, start, limit, pauses, explain=True).explanation
    assert explanation is not None
    return explanation
