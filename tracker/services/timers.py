"""SLA timers: start, recompute after pauses or calendar changes, finish, and describe."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..models import SlaTimer, SubjectType, TimerState
from ..settings import settings
from ..sla import Limit, WorkingClock, compute_deadline, elapsed_budget
from ..sla.clock import pause_bounds

Interval = tuple[datetime, datetime | None]


def warning_ratio() -> float:
    return settings().warning_ratio


def new_timer(*, subject_type: SubjectType, subject_id: int, start: datetime, limit: Limit,
              department: str, clock: WorkingClock, pauses: Iterable[Interval] = (),
              application_id: int | None = None, flow_code: str | None = None,
              step_code: str | None = None, label: str = "", stage: str = "") -> SlaTimer:
    """A running timer with its deadline computed on the clock."""
    timer = SlaTimer(subject_type=subject_type, subject_id=subject_id, stage=stage,
                     application_id=application_id, department_code=department,
                     flow_code=flow_code, step_code=step_code, label=label[:200],
                     limit=limit.to_dict(), round_the_clock=limit.is_round_the_clock,
                     started_at=start, budget_seconds=0, state=TimerState.RUNNING)
    recompute(timer, clock, pauses)
    return timer


def recompute(timer: SlaTimer, clock: WorkingClock, pauses: Iterable[Interval],
              at: datetime | None = None) -> bool:
    """Recompute due/warn instants of an unfinished timer; True if the deadline moved."""
    if timer.state in (TimerState.DONE, TimerState.CANCELLED):
        return False
    pauses = _pairs(pauses)
    deadline = compute_deadline(clock, timer.started_at, Limit.from_dict(timer.limit), pauses)
    old_due = timer.due_at
    timer.budget_seconds = int(deadline.budget.total_seconds())
    timer.provisional = deadline.provisional
    timer.due_at = deadline.due_at
    if deadline.due_at is None:
        timer.state = TimerState.PAUSED
        timer.warn_at = None
    else:
        timer.state = TimerState.RUNNING
        timer.warn_at = _warn_instant(timer, clock, pauses)
        # A deadline moved past a recorded transition: the transition no longer holds.
        reference = at or deadline.due_at
        if timer.overdue_at is not None and deadline.due_at > reference:
            timer.overdue_at = None
        if timer.warned_at is not None and timer.warn_at > reference:
            timer.warned_at = None
    return old_due != timer.due_at


def _pairs(pauses: Iterable[Any]) -> list[Interval]:
    """(start, end) pairs from pairs or labelled ClockPauses."""
    return [pause_bounds(pause) for pause in pauses]


def _warn_instant(timer: SlaTimer, clock: WorkingClock, pauses: list[Interval]) -> datetime:
    return share_instant(timer, clock, pauses, warning_ratio())


def share_instant(timer: SlaTimer, clock: WorkingClock, pauses: Iterable[Any],
                  share: float) -> datetime:
    """The instant at which `share` of the timer's budget has been used (working time, or
    wall time for a round-the-clock limit), closed pauses excluded: the warning instant for
    TRACKER_WARNING_RATIO, an escalation level's for its own share."""
    amount = timedelta(seconds=round(timer.budget_seconds * share))
    closed = [(s, e) for s, e in _pairs(pauses) if e is not None]
    if timer.round_the_clock:
        return _add_wall(timer.started_at, amount, closed)
    return clock.add_working_time(timer.started_at, amount, closed)


def _add_wall(start: datetime, amount: timedelta, pauses: list[Interval]) -> datetime:
    end = start + amount
    for p_start, p_end in sorted((s, e) for s, e in pauses if e is not None):
        if p_end <= start or p_start >= end:
            continue
        end += p_end - max(p_start, start)
    return end


def finish(timer: SlaTimer, at: datetime, clock: WorkingClock, pauses: Iterable[Interval]) -> None:
    """Stop the timer at `at`; an open pause counts as ended there."""
    closed = [(s, e if e is not None else max(at, s)) for s, e in _pairs(pauses)]
    recompute(timer, clock, closed)
    timer.state = TimerState.DONE
    timer.completed_at = at
    timer.late = timer.due_at is not None and at > timer.due_at


def cancel(timer: SlaTimer, at: datetime) -> None:
    timer.state = TimerState.CANCELLED
    timer.completed_at = at


@dataclass(frozen=True)
class TimerView:
    """What a person needs to know about a timer now."""

    state: str  # on_track | warning | overdue | paused | done_on_time | done_late | cancelled
    due_at: datetime | None
    remaining_seconds: int | None  # working (or wall) seconds left; None when paused/done
    over_seconds: int  # working (or wall) seconds past the deadline
    used_ratio: float | None
    provisional: bool

    def as_dict(self, day_seconds: float) -> dict[str, Any]:
        return {
            "state": self.state,
            "due_at": self.due_at,
            "remaining_hours": hours(self.remaining_seconds),
            "remaining_days": _days(self.remaining_seconds, day_seconds),
            "over_hours": hours(self.over_seconds),
            "over_days": _days(self.over_seconds, day_seconds),
            "used_ratio": None if self.used_ratio is None else round(self.used_ratio, 3),
            "provisional": self.provisional,
        }


def hours(seconds: int | None) -> float | None:
    """Seconds as the hours every view of a deadline shows (two decimals)."""
    return None if seconds is None else round(seconds / 3600, 2)


def _days(seconds: int | None, day_seconds: float) -> float | None:
    return None if seconds is None else round(seconds / day_seconds, 2)


def describe(timer: SlaTimer, now: datetime, clock: WorkingClock,
             pauses: Iterable[Interval] = ()) -> TimerView:
    """The timer's state at `now` (done timers keep "done late" visible forever)."""
    pauses = _pairs(pauses)
    if timer.state is TimerState.CANCELLED:
        return TimerView("cancelled", timer.due_at, None, 0, None, timer.provisional)
    if timer.state is TimerState.DONE:
        over = _span(timer, timer.due_at, timer.completed_at, clock, pauses) if timer.late else 0
        return TimerView("done_late" if timer.late else "done_on_time", timer.due_at, None,
                         over, None, timer.provisional)
    used = elapsed_budget(clock, timer.started_at, now, timer.round_the_clock, pauses)
    used_s = max(0, int(used.total_seconds()))
    ratio = used_s / timer.budget_seconds if timer.budget_seconds else 1.0
    if timer.state is TimerState.PAUSED or timer.due_at is None:
        return TimerView("paused", None, max(0, timer.budget_seconds - used_s), 0, ratio,
                         timer.provisional)
    if now >= timer.due_at:
        over = _span(timer, timer.due_at, now, clock, pauses)
        return TimerView("overdue", timer.due_at, 0, over, ratio, timer.provisional)
    state = "warning" if timer.warn_at is not None and now >= timer.warn_at else "on_track"
    return TimerView(state, timer.due_at, max(0, timer.budget_seconds - used_s), 0, ratio,
                     timer.provisional)


FINISHED = (TimerState.DONE, TimerState.CANCELLED)


class KeptFinished:
    """What a list shows of finished timers (done or cancelled), kept per process: describe()
    says the same of them at any `now`, so it is a pure function of the timer's stored
    values, its pauses and the clock. Kept for one clock object at a time (a new closure or
    holiday file is a new clock: services.app_clock), at most `size` entries (then emptied).
    The caller keys an entry by every stored value it describes from; an overdue list's
    pages are mostly applications finished late, whose lateness the clock measured again on
    every request."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._clock: WorkingClock | None = None
        self._views: dict[Any, Any] = {}

    def of(self, clock: WorkingClock) -> dict[Any, Any]:
        """The entries kept for `clock` (a new, empty dict for another clock, or when full)."""
        if self._clock is not clock or len(self._views) >= self.size:
            self._clock, self._views = clock, {}
        return self._views


def _span(timer: SlaTimer, start: datetime | None, end: datetime | None, clock: WorkingClock,
          pauses: list[Interval]) -> int:
    if start is None or end is None or end <= start:
        return 0
    if timer.round_the_clock:
        return int((end - start).total_seconds())
    closed = [(s, e if e is not None else end) for s, e in pauses]
    return int(clock.working_time_between(start, end, closed).total_seconds())
