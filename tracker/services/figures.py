"""The monthly figures the dashboard and the monthly report both show, defined once.

- Per flow: completed, on time, late, on-time rate, working days used (average, 90th
  percentile) and the limits they were held to, from each completed application's timer
  (`FlowFigures`; `used_days` measures one application the same way for both).
- The callback rate (回访率): of the callbacks of the applications whose water went on in a
  month, the share answered (`callback_counts`). The after-care pages add satisfaction.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import Select, and_, bindparam, case, func, literal_column, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import SlaTimer, SubjectType, TimerState
from ..sla import ClockPause, WorkingClock, elapsed_budget
from ..sla.clock import pause_bounds

Interval = tuple[datetime, datetime | None]


def ratio(part: int, whole: int, digits: int = 4) -> float | None:
    """part / whole rounded, or None when there is nothing to divide (never 0/0 = 0)."""
    return None if not whole else round(part / whole, digits)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `share` of values at or
    below it (P90 of 10 values is the 9th smallest); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def day_unit(clock: WorkingClock, round_the_clock: bool) -> float:
    """Seconds in one day of a limit: a calendar day round the clock, else a working day."""
    return 86400.0 if round_the_clock else clock.working_day_length.total_seconds()


def used_days(clock: WorkingClock, started: datetime, completed: datetime,
              round_the_clock: bool, pauses: Iterable[Interval | ClockPause]) -> float:
    """Days an application took, pauses excluded, in the unit of its limit."""
    if not round_the_clock and not pauses and started < completed:
        # Nothing paused it and it runs on working time: elapsed_budget would come to this
        # one call (a report measures tens of thousands of applications this way).
        used = clock.working_seconds_between(started, completed)
        return max(0.0, used) / clock.working_day_seconds
    closed = [(start, end if end is not None else completed)
              for start, end in map(pause_bounds, pauses)]
    used = elapsed_budget(clock, started, completed, round_the_clock, closed)
    return max(0.0, used.total_seconds()) / day_unit(clock, round_the_clock)


@dataclass
class FlowFigures:
    """One flow's completions in a month (or all flows', for the totals)."""

    code: str
    days: list[float] = field(default_factory=list)
    limits: list[float] = field(default_factory=list)
    on_time: int = 0

    def add(self, days: float, limit_days: float, late: bool) -> None:
        self.days.append(days)
        self.limits.append(limit_days)
        self.on_time += 0 if late else 1

    @property
    def completed(self) -> int:
        return len(self.days)

    @property
    def late(self) -> int:
        return self.completed - self.on_time

    @property
    def rate(self) -> float | None:
        """On-time rate (unrounded; None when nothing was completed)."""
        return self.on_time / self.completed if self.completed else None

    @property
    def avg_days(self) -> float | None:
        return sum(self.days) / len(self.days) if self.days else None

    @property
    def p90_days(self) -> float | None:
        return percentile(self.days, 0.9)

    @property
    def avg_limit_days(self) -> float | None:
        return sum(self.limits) / len(self.limits) if self.limits else None

    @property
    def min_limit_days(self) -> float | None:
        return min(self.limits) if self.limits else None

    @property
    def max_limit_days(self) -> float | None:
        return max(self.limits) if self.limits else None


def total_of(flows: Iterable[FlowFigures]) -> FlowFigures:
    """Every flow's completions together."""
    total = FlowFigures("*")
    for item in flows:
        total.days += item.days
        total.limits += item.limits
        total.on_time += item.on_time
    return total


@dataclass(frozen=True)
class CallbackCounts:
    due: int
    done: int
    done_on_time: int

    @property
    def rate(self) -> float | None:
        """回访率 = done / due (target 1.0; None when nothing was due)."""
        return ratio(self.done, self.due)


def callback_counts(start: datetime, end: datetime) -> CallbackCounts:
    """The callbacks of the applications whose water went on in [start, end): how many are
    due, how many are done (the customer reached and the result recorded, whenever), and how
    many of those within their limit. Read from timers alone: an application's completion is
    its whole timer's (indexed by completed_at), so the work does not grow with the history."""
    row = db.session.execute(_callback_counts(), {"start": start, "end": end}).one()
    return CallbackCounts(*(int(v or 0) for v in row))


def callback_counts_statement() -> Select:
    """callback_counts' statement (binding :start and :end; its row is CallbackCounts' fields
    in order), for a read asking it beside other figures in one round trip."""
    return _callback_counts()


@cache
def _callback_counts() -> Select:
    """callback_counts' statement for [:start, :end), built once per process (building it
    cost three times running it, on the callbacks page and the dashboard)."""
    whole = aliased(SlaTimer)
    done = SlaTimer.state == TimerState.DONE
    return (select(func.count(SlaTimer.id), func.count(case((done, 1))),
                   func.count(case((done & SlaTimer.late.is_(False), 1))))
            .select_from(whole)
            # The kind as a literal: a bound parameter does not let a generic plan (nor
            # SQLite) use the partial index ix_sla_timers_callback_of.
            .join(SlaTimer, and_(SlaTimer.application_id == whole.application_id,
                                 SlaTimer.subject_type == literal_column("'callback'")))
            .where(whole.subject_type == SubjectType.APPLICATION,
                   whole.state == TimerState.DONE, whole.completed_at >= bindparam("start"),
                   whole.completed_at < bindparam("end")))
