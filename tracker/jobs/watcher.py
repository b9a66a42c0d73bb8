"""The SLA watcher (超时监控): records warning and overdue transitions, set-based.

Each run asks two questions, each answered by one UPDATE through a partial index
(ix_sla_timers_pending_warning / ix_sla_timers_pending_overdue):

    UPDATE sla_timers SET warned_at = warn_at
     WHERE state = 'running' AND warned_at IS NULL AND warn_at <= :now   RETURNING …

The UPDATE marks the transition with its true instant (warn_at / due_at, not the time it was
noticed), so a watcher that was down catches up with the right times, and a second watcher
that slips past the lock finds nothing left to mark: the row is claimed by whichever UPDATE
commits first. One Event and the outbox rows of each transition go in the same transaction.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, text, update

from ..extensions import db
from ..models import SlaTimer
from ..services import events, notifications
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.notifications import Transition
from .locks import exclusive

log = logging.getLogger(__name__)

# Transitions handled per transaction; a long outage is caught up in several batches.
BATCH = 5000
_PER_KIND = BATCH // 2

_T = SlaTimer.__table__
_RETURNED = (_T.c.id, _T.c.subject_type, _T.c.subject_id, _T.c.application_id,
             _T.c.department_code, _T.c.flow_code, _T.c.step_code, _T.c.label, _T.c.started_at,
             _T.c.due_at, _T.c.warn_at, _T.c.budget_seconds, _T.c.round_the_clock)

# Literal predicates, identical to the partial indexes' WHERE clauses, so that PostgreSQL can
# prove the index applies whatever the plan (a bound parameter for 'running' would not do).
_PENDING = {
    "warning": (text("sla_timers.state = 'running' AND sla_timers.warned_at IS NULL"),
                _T.c.warn_at, _T.c.warned_at),
    "overdue": (text("sla_timers.state = 'running' AND sla_timers.overdue_at IS NULL"),
                _T.c.due_at, _T.c.overdue_at),
}


@dataclass
class WatchResult:
    skipped: bool = False
    warnings: int = 0
    overdue: int = 0
    queued: int = 0
    transitions: list[Transition] = field(default_factory=list, repr=False)


def run_watcher(now: datetime | None = None) -> WatchResult:
    """One watcher run (inside an app context): mark, log and queue what crossed by `now`."""
    now = now or clock_now()
    result = WatchResult()
    while True:
        with exclusive("watcher") as acquired:
            if not acquired:
                result.skipped = True
                return result
            warned, overdue = _mark("warning", now), _mark("overdue", now)
            if warned or overdue:
                _record(warned + overdue, now, result)
            db.session.commit()
        if len(warned) < _PER_KIND and len(overdue) < _PER_KIND:
            break
    if result.warnings or result.overdue:
        log.info("watcher: %d warning(s), %d overdue, %d notification(s) queued",
                 result.warnings, result.overdue, result.queued)
    return result


def _mark(kind: str, now: datetime) -> list[Transition]:
    """Claim up to BATCH timers that crossed `kind` by `now`; they come back as transitions."""
    predicate, instant, recorded = _PENDING[kind]
    # SKIP LOCKED (PostgreSQL; SQLite ignores it): rows another run is claiming are left to
    # it instead of waited for, so two runs that slip past the lock never block each other.
    pending = (select(_T.c.id).where(predicate, instant <= now)
               .order_by(instant).limit(_PER_KIND).with_for_update(skip_locked=True)
               .scalar_subquery())
    # The conditions are repeated outside the subquery: a concurrent UPDATE that got there
    # first makes PostgreSQL re-check them on the new row version and skip it.
    stmt = (update(_T).where(_T.c.id.in_(pending), predicate, instant <= now)
            .values({recorded: instant}).returning(*_RETURNED))
    rows = db.session.execute(stmt).all()
    return [Transition(kind=kind, at=row.warn_at if kind == "warning" else row.due_at,
                       timer_id=row.id, subject_type=_value(row.subject_type),
                       subject_id=row.subject_id, application_id=row.application_id,
                       department_code=row.department_code, flow_code=row.flow_code,
                       step_code=row.step_code, label=row.label, started_at=row.started_at,
                       due_at=row.due_at, budget_seconds=row.budget_seconds,
                       round_the_clock=row.round_the_clock)
            for row in rows]


def _value(member: object) -> str:
    return getattr(member, "value", member)  # type: ignore[return-value]


def _record(batch: list[Transition], now: datetime, result: WatchResult) -> None:
    # Warnings first so that a timer that crossed both during an outage logs them in order.
    batch.sort(key=lambda t: (t.at, t.kind != "warning"))
    for t in batch:
        events.record(f"sla.{t.kind}", actor=None, subject_type=t.subject_type,
                      subject_id=t.subject_id, application_id=t.application_id, at=t.at,
                      timer_id=t.timer_id, step=t.step_code, department=t.department_code,
                      due_at=t.due_at, noticed_at=now)
        if t.kind == "warning":
            result.warnings += 1
        else:
            result.overdue += 1
    result.queued += notifications.queue(notifications.build_notices(batch, now, app_clock()), now)
    result.transitions.extend(batch)
