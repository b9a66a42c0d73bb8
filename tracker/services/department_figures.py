"""The dashboard's figures per department: open duties, due today, overdue, and the on-time
rate of the duties finished this month (reads only, a fixed number of queries).

A duty is what My work lists (services.work): an open `SlaTimer` of the department (the
whole-application clock left out, it is no department's), and a step waiting to be started
(no clock yet) counts as open. Each figure links to My work's department tab filtered the same
way (`due=today|overdue`), whose predicates are these (`work.DUE_FILTERS`), so a number and
the list behind it never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import and_, case, func, literal, select, union_all

from ..extensions import db
from ..localtime import LOCAL
from ..models import Application, AppStatus, SlaTimer, StepRecord, SubjectType, TimerState
from ..models.applications import OPEN_STEP, shared_codes
from .figures import ratio
from .reference import departments
from .work import OPEN_TIMER, due_predicate

# Every kind of timer but the whole-application clock (no department's), written out: an
# equality per kind lets the (kind, completed_at, ...) index be descended once for each.
DUTY_KINDS = [kind for kind in SubjectType if kind is not SubjectType.APPLICATION]


@dataclass(frozen=True)
class DepartmentFigures:
    code: str
    open: int
    due_today: int
    overdue: int
    done_this_month: int
    on_time_this_month: int

    @property
    def on_time_rate(self) -> float | None:
        """Share of this month's finished duties done within their limit (None: none done)."""
        return ratio(self.on_time_this_month, self.done_this_month)


def _month_start(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(LOCAL).date().replace(day=1), time(0), tzinfo=LOCAL)


def department_figures(moment: datetime) -> list[DepartmentFigures]:
    """Every department's figures at `moment`, in the departments' order (one query)."""
    start = _month_start(moment)
    done_this_month = and_(SlaTimer.state == TimerState.DONE, SlaTimer.completed_at >= start,
                           SlaTimer.completed_at <= moment)

    def count(condition) -> object:
        return func.sum(case((condition, 1), else_=0))

    # Two halves, each from an index alone: the open duties (ix_sla_timers_open: department,
    # due_at, state, kind) and the duties finished this month that are no longer open
    # (ix_sla_timers_kind_completed, one descent per kind of duty). As one filter (open, or
    # finished this month) PostgreSQL read a heap block per row: 1,546 blocks at 1M
    # applications. An open timer is never done, so the halves neither overlap nor miss.
    open_timers = (
        select(SlaTimer.department_code.label("code"), func.count().label("open"),
               count(due_predicate("today", moment)).label("due_today"),
               count(due_predicate("overdue", moment)).label("overdue"),
               *[literal(0)] * 2)
        .where(OPEN_TIMER, SlaTimer.subject_type != SubjectType.APPLICATION)
        .group_by(SlaTimer.department_code))
    finished = (
        select(SlaTimer.department_code, *[literal(0)] * 3,
               count(done_this_month).label("done"),
               count(and_(done_this_month, SlaTimer.late.is_(False))).label("on_time"))
        .where(SlaTimer.subject_type.in_(DUTY_KINDS), ~OPEN_TIMER,
               SlaTimer.completed_at >= start, SlaTimer.completed_at <= moment)
        .group_by(SlaTimer.department_code))
    not_started = (OPEN_STEP, StepRecord.timer_id.is_(None),
                   Application.status != AppStatus.CANCELLED)

    def waiting(column: Any) -> Any:  # steps with no clock yet: open, never due or overdue
        return (select(column, func.count(), *[literal(0)] * 4)
                .join(Application, Application.id == StepRecord.application_id)
                .where(*not_started).group_by(column))

    # The steps shared with other departments count for each of them too (My work lists
    # them on each: work.waits_for), grouped by the stored ",a,b," and split here.
    shared = waiting(StepRecord.shared_with).where(StepRecord.shared_with != "")
    totals: dict[str, list[int]] = {}
    for code, *values in db.session.execute(union_all(
            open_timers, finished, waiting(StepRecord.department_code), shared)):
        for one in shared_codes(code) if code and code.startswith(",") else [code]:
            sums = totals.setdefault(one, [0] * 5)
            for i, value in enumerate(values):
                sums[i] += int(value or 0)
    known = list(departments())
    return [DepartmentFigures(code, *totals.get(code, [0] * 5))
            for code in [*known, *sorted(set(totals) - set(known))]]
