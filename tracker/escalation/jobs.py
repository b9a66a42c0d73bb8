"""The escalation job: marks the levels each running duty has reached, once per duty and level.

Each run takes the job's lock, finds the running timers that may have reached a level they have
no mark for (one query per level, bounded by the watcher's own instants: a level at a share of
the limit cannot come before the start, at or past the deadline not before the deadline),
computes the exact instant on the working clock, and inserts the mark with
INSERT … ON CONFLICT DO NOTHING on (timer, level). Only the run whose insert returns a row
records the event, queues the messages and issues the 督办单, so two schedulers that slip
past the lock still fire each level once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..jobs.locks import exclusive
from ..models import Application, SlaTimer, SubjectType, TimerState
from ..services import events
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.notifications import (
    Transition,
    add_to_outbox,
    build_notices,
    local_text,
    notify_language,
)
from ..services.pause_scope import intervals_for, pauses_by_application
from ..settings import settings
from . import messages, recipients
from .commands import issue_notice
from .levels import NOT_ESCALATED, Level, levels_for
from .models import LEVELS, EscalationMark

log = logging.getLogger(__name__)

BATCH = 2000
_T = SlaTimer.__table__


@dataclass
class EscalationResult:
    skipped: bool = False
    fired: dict[str, int] = field(default_factory=lambda: {name: 0 for name in LEVELS})
    notices: int = 0
    queued: int = 0


def _candidates(level: str, now: datetime) -> list[SlaTimer]:
    """Running timers with no mark for `level` whose earliest possible instant has passed."""
    shares = [item.get("share") for items in settings().escalation_levels.values()
              for item in items if item["level"] == level and "over_hours" not in item]
    ratio = settings().warning_ratio
    if any(s is not None and s < ratio for s in shares):
        bound = SlaTimer.started_at  # a share before the warning: any started timer
    elif any((s is None and level == "yellow") or (s is not None and s < 1) for s in shares):
        bound = SlaTimer.warn_at
    else:
        bound = SlaTimer.due_at
    marked = exists().where(EscalationMark.timer_id == SlaTimer.id, EscalationMark.level == level)
    return list(db.session.scalars(
        select(SlaTimer).where(SlaTimer.state == TimerState.RUNNING,
                               SlaTimer.subject_type.not_in(NOT_ESCALATED),
                               SlaTimer.due_at.is_not(None), bound <= now, ~marked)
        .order_by(bound, SlaTimer.id).limit(BATCH)))


def _claim(timer: SlaTimer, level: str, reached_at: datetime, now: datetime,
           whom: dict) -> bool:
    """Insert the mark; True only for the one run whose insert took."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(EscalationMark.__table__).values(
        timer_id=timer.id, level=level, reached_at=reached_at, noticed_at=now,
        recipients=whom).on_conflict_do_nothing(
        index_elements=["timer_id", "level"]).returning(EscalationMark.__table__.c.id)
    return db.session.execute(stmt).first() is not None


def _transition(timer: SlaTimer, level: str, at: datetime) -> Transition:
    return Transition(kind="warning" if level == "yellow" else "overdue", at=at,
                      timer_id=timer.id, subject_type=SubjectType(timer.subject_type).value,
                      subject_id=timer.subject_id, application_id=timer.application_id,
                      department_code=timer.department_code, flow_code=timer.flow_code,
                      step_code=timer.step_code, label=timer.label, started_at=timer.started_at,
                      due_at=timer.due_at, budget_seconds=timer.budget_seconds,
                      round_the_clock=timer.round_the_clock)


def run_escalation(now: datetime | None = None) -> EscalationResult:
    """One run (inside an app context): fire every level reached by `now`, once."""
    now = now or clock_now()
    result = EscalationResult()
    with exclusive("escalation") as acquired:
        if not acquired:
            result.skipped = True
            return result
        clock = app_clock()
        due: list[tuple[SlaTimer, Level, datetime]] = []
        for name in LEVELS:
            timers = _candidates(name, now)
            pauses = pauses_by_application({t.application_id for t in timers
                                            if t.application_id is not None})
            for timer in timers:
                level = levels_for(timer).get(name)
                if level is None:
                    continue
                scoped = intervals_for(pauses.get(timer.application_id or -1, []),
                                       timer.subject_type, timer.step_code)
                reached = level.reached_at(timer, clock, scoped)
                if reached is not None and reached <= now:
                    due.append((timer, level, reached))
        if due:
            _fire(due, now, result)
        db.session.commit()
    if result.notices or any(result.fired.values()):
        log.info("escalation: %s fired, %d 督办单, %d message(s) queued", result.fired,
                 result.notices, result.queued)
    return result


def _fire(due: list[tuple[SlaTimer, Level, datetime]], now: datetime,
          result: EscalationResult) -> None:
    due.sort(key=lambda item: (item[2], list(LEVELS).index(item[1].name)))
    apps = {app.id: app for app in db.session.scalars(select(Application).where(
        Application.id.in_({t.application_id for t, _l, _r in due if t.application_id})))}
    claimed = []
    for timer, level, reached in due:
        app = apps.get(timer.application_id or -1)
        people = recipients.resolve(level.notify, timer.department_code, app, level.name)
        whom = {"users": [u.id for u in people], "kinds": list(level.notify)}
        if not _claim(timer, level.name, reached, now, whom):
            continue  # another run fired it first
        claimed.append((timer, level, reached, people))
        result.fired[level.name] += 1
        events.record(f"escalation.{level.name}", actor=None,
                      subject_type=SubjectType(timer.subject_type).value,
                      subject_id=timer.subject_id, application_id=timer.application_id,
                      at=reached, timer_id=timer.id, step=timer.step_code,
                      department=timer.department_code, due_at=timer.due_at, noticed_at=now,
                      recipients=[u.username for u in people])
    if not claimed:
        return
    notices = build_notices([_transition(t, lv.name, r) for t, lv, r, _p in claimed], now,
                            app_clock())
    rows = []
    for (timer, level, reached, people), notice in zip(claimed, notices, strict=True):
        extra: list[str] = []
        if level.name == "supervision":
            duty = notice.step_zh if notice.number == notice.step_zh \
                else f"{notice.number} {notice.step_zh}"
            issued = issue_notice(timer, reached, duty)
            result.notices += 1
            with force_locale(notify_language()):
                extra = [_("Supervision notice %(number)s: answer in writing by %(due)s "
                           "(Beijing time)", number=issued.number,
                           due=local_text(issued.timer.due_at) if issued.timer else "")]
        subject, body, payload = messages.word(notice, level.name, extra)
        rows += messages.outbox_rows(f"esc:{timer.id}:{level.name}", timer.department_code,
                                     people, level.name, subject, body, payload, now,
                                     robot=level.name == "supervision")
    result.queued += add_to_outbox(rows)
