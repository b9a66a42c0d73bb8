"""Notifications (通知): what the watcher found, worded in Chinese, queued in the outbox.

The watcher queues rows in its own transaction; `tracker.jobs.delivery` sends them apart from
it, so a dead webhook or mail server never holds up the watcher. Each row has a dedupe key
(timer, transition, deadline, channel, target): queuing the same transition twice is a no-op.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..i18n import pick
from ..localtime import LOCAL
from ..models import Application, FlowVersion, Notification, SlaTimer, User
from ..settings import settings
from ..sla import Explanation, WorkingClock, elapsed_budget
from . import events
from .errors import Conflict, NotFound
from .explanations import days_off_line, explain_duty
from .flows import definition_of
from .pause_scope import ScopedPause, intervals_for, pauses_by_application
from .reference import departments
from .transaction import transactional

KINDS = ("warning", "overdue")
STATUSES = ("pending", "sending", "sent", "failed")


@dataclass(frozen=True)
class Transition:
    """A timer crossing its warning or overdue instant (as returned by the watcher's UPDATE)."""

    kind: str  # warning | overdue
    at: datetime  # when it happened: warn_at or due_at, not when the watcher noticed
    timer_id: int
    subject_type: str
    subject_id: int
    application_id: int | None
    department_code: str
    flow_code: str | None
    step_code: str | None
    label: str
    started_at: datetime
    due_at: datetime
    budget_seconds: int
    round_the_clock: bool


@dataclass(frozen=True)
class Notice:
    """A transition with the names and figures a person needs, ready to word."""

    transition: Transition
    number: str
    step_zh: str
    step_en: str
    department_zh: str
    department_en: str
    over_seconds: int  # working (or wall) time past the deadline, as of `now`
    left_seconds: int  # working (or wall) time left before the deadline, as of `now`
    day_seconds: float
    why: Explanation | None = None  # why the deadline is where it is (issue 12)


# --- targets ------------------------------------------------------------------------------

def targets_for(department: str) -> list[tuple[str, str]]:
    """(channel, target) pairs for a department: its own webhook/e-mails, else those of "*"."""
    hooks: dict[str, str] = settings().webhooks
    mails: dict[str, Any] = settings().emails
    found: list[tuple[str, str]] = []
    url = hooks.get(department) or hooks.get("*")
    if url:
        found.append(("webhook", url))
    addresses = mails.get(department) or mails.get("*") or []
    if isinstance(addresses, str):
        addresses = addresses.replace(";", ",").split(",")
    for address in addresses:
        if address.strip():
            found.append(("email", address.strip()))
    return found


def dedupe_key(t: Transition, channel: str, target: str) -> str:
    """Unique per transition and target. The deadline is part of it: a deadline moved by a
    pause and passed again is a new transition and is notified again."""
    stamp = int(t.due_at.timestamp()) if t.kind == "overdue" else int(t.at.timestamp())
    key = f"{t.timer_id}:{t.kind}:{stamp}:{channel}:{target}"
    if len(key) > 200:
        key = f"{t.timer_id}:{t.kind}:{stamp}:{channel}:sha1:" + hashlib.sha1(target.encode()).hexdigest()
    return key


# --- context ------------------------------------------------------------------------------

def build_notices(transitions: Sequence[Transition], now: datetime,
                  clock: WorkingClock) -> list[Notice]:
    """Names (application number, step, department) and working time over/left, in 3 queries."""
    app_ids = {t.application_id for t in transitions if t.application_id is not None}
    apps: dict[int, tuple[str, int]] = {}
    pauses: dict[int, list[ScopedPause]] = {}
    flows: dict[int, Any] = {}
    if app_ids:
        for row in db.session.execute(select(Application.id, Application.number,
                                             Application.flow_version_id)
                                      .where(Application.id.in_(app_ids))):
            apps[row.id] = (row.number, row.flow_version_id)
        pauses = pauses_by_application(app_ids)
        version_ids = {v for _, v in apps.values()}
        for row in db.session.scalars(select(FlowVersion).where(FlowVersion.id.in_(version_ids))):
            flows[row.id] = definition_of(row)
    day_seconds = clock.working_day_length.total_seconds()
    limits = dict(db.session.execute(select(SlaTimer.id, SlaTimer.limit).where(
        SlaTimer.id.in_({t.timer_id for t in transitions}))).tuples().all()) if transitions \
        else {}
    notices = []
    for t in transitions:
        number, version_id = apps.get(t.application_id or -1, (t.label, None))
        step_zh, step_en = _step_names(t, flows.get(version_id))
        dept = departments().get(t.department_code)
        app_pauses = intervals_for(pauses.get(t.application_id or -1, []), t.subject_type,
                                   t.step_code)
        used = elapsed_budget(clock, t.started_at, now, t.round_the_clock, app_pauses)
        used_s = max(0, int(used.total_seconds()))
        notices.append(Notice(
            transition=t, number=number, step_zh=step_zh, step_en=step_en,
            department_zh=dept.name_zh if dept else t.department_code,
            department_en=dept.name_en if dept else t.department_code,
            over_seconds=max(0, used_s - t.budget_seconds),
            left_seconds=max(0, t.budget_seconds - used_s), day_seconds=day_seconds,
            why=explain_duty(clock, t.started_at, limits[t.timer_id], app_pauses)
            if t.timer_id in limits else None))
    return notices


def _step_names(t: Transition, flow: Any) -> tuple[str, str]:
    if t.subject_type == "application":
        return "整体时限", "Whole application"
    if flow is not None and t.step_code:
        try:
            step = flow.step(t.step_code)
            return step.name_zh, step.name_en
        except ValueError:
            pass
    # Other duties (callbacks, problems, …) carry a readable label of their own.
    return t.label, t.label


# --- wording ------------------------------------------------------------------------------

def notify_language() -> str:
    """Messages go to groups of people, in the product's default language (Chinese)."""
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")


def format_working(seconds: int, day_seconds: float, round_the_clock: bool) -> str:
    hours = f"{seconds / 3600:.1f}"
    if round_the_clock:
        return _("%(hours)s hours") % {"hours": hours}
    days = f"{seconds / day_seconds:.2f}" if day_seconds else "0"
    return _("%(hours)s working hours (%(days)s working days)") % {"hours": hours, "days": days}


def local_text(instant: datetime) -> str:
    return instant.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def compose(notice: Notice, lang: str | None = None) -> tuple[str, str, dict[str, Any]]:
    """(subject, body, webhook payload) of a notice, in `lang` (default: Chinese)."""
    lang = lang or notify_language()
    with force_locale(lang):
        return _word(notice, lang)


def _word(notice: Notice, lang: str) -> tuple[str, str, dict[str, Any]]:
    # Called inside force_locale: switching locale reloads the catalogue, so once per batch.
    t = notice.transition
    step = pick(notice.step_zh, notice.step_en, lang)
    dept = pick(notice.department_zh, notice.department_en, lang)
    if t.kind == "overdue":
        headline = _("[Water connection] Deadline passed")
        subject = _("Overdue: %(number)s %(step)s") % {"number": notice.number, "step": step}
        amount = _("Working time over: %(over)s") % {"over": format_working(
            notice.over_seconds, notice.day_seconds, t.round_the_clock)}
    else:
        headline = _("[Water connection] Deadline approaching")
        subject = _("Warning: %(number)s %(step)s") % {"number": notice.number, "step": step}
        amount = _("Working time left: %(left)s") % {"left": format_working(
            notice.left_seconds, notice.day_seconds, t.round_the_clock)}
    lines = [
        headline,
        _("Application: %(number)s") % {"number": notice.number},
        _("Step: %(step)s") % {"step": step},
        _("Responsible department: %(department)s") % {"department": dept},
        _("Deadline: %(deadline)s (Beijing time)") % {"deadline": local_text(t.due_at)},
        amount,
    ]
    why = days_off_line(notice.why, lang) if notice.why is not None else ""
    if why:
        lines.insert(5, _("Why: %(why)s") % {"why": why})
    body = "\n".join(lines)
    payload = {
        # The shape a WeCom (企业微信) or DingTalk (钉钉) group robot accepts …
        "msgtype": "text",
        "text": {"content": body},
        # … plus structured fields for receivers that read them (robots ignore extra keys).
        "tracker": {
            "event": f"sla.{t.kind}",
            "at": t.at.isoformat(),
            "application": notice.number,
            "flow": t.flow_code,
            "step": t.step_code,
            "step_name": step,
            "subject_type": t.subject_type,
            "department": t.department_code,
            "department_name": dept,
            "due_at": t.due_at.astimezone(LOCAL).isoformat(),
            "over_seconds": notice.over_seconds,
            "left_seconds": notice.left_seconds,
            "timer_id": t.timer_id,
            "why": why,
        },
    }
    return subject[:300], body, payload


# --- queuing ------------------------------------------------------------------------------

def queue(notices: Iterable[Notice], now: datetime) -> int:
    """Add one outbox row per notice and target (in the caller's transaction); skips rows
    whose dedupe key exists. Returns the number of rows queued."""
    rows = []
    lang = notify_language()
    with force_locale(lang):
        worded = [(notice, _word(notice, lang)) for notice in notices
                  if targets_for(notice.transition.department_code)]
    for notice, (subject, body, payload) in worded:
        t = notice.transition
        for channel, target in targets_for(t.department_code):
            rows.append({"dedupe_key": dedupe_key(t, channel, target), "channel": channel,
                         "target": target[:500], "department_code": t.department_code,
                         "subject": subject, "body": body, "payload": payload,
                         "status": "pending", "attempts": 0, "next_attempt_at": now,
                         "last_error": "", "created_at": now})
    return add_to_outbox(rows)


def add_to_outbox(rows: list[dict[str, Any]]) -> int:
    """Insert outbox rows (the Notification columns) in the caller's transaction, skipping
    those whose dedupe key exists; the number added. Features queue their own channels'
    messages here too (the customer's SMS, the platforms' status pushes)."""
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Notification.__table__).on_conflict_do_nothing(
        index_elements=["dedupe_key"]).returning(Notification.__table__.c.id)
    # One cached statement, executed for many rows (batched into multi-row INSERTs by the
    # driver layer); a duplicate returns no row, so the rows returned are the rows queued.
    return len(db.session.connection().execute(stmt, rows).all())


# --- the outbox for administrators ----------------------------------------------------------

def list_outbox(status: str | None = None, limit: int = 100) -> list[Notification]:
    """Newest first; `status` one of pending|sending|sent|failed."""
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if status:
        query = query.where(Notification.status == status)
    return list(db.session.scalars(query))


def outbox_counts() -> dict[str, int]:
    rows = db.session.execute(select(Notification.status, func.count()).group_by(Notification.status))
    counts = {status: 0 for status in STATUSES}
    counts.update({status: n for status, n in rows})
    return counts


@transactional
def retry(notification_id: int, actor: User | None, now: datetime) -> Notification:
    """Send a failed notification again (attempts start over); commits."""
    row = db.session.get(Notification, notification_id)
    if row is None:
        raise NotFound("No notification numbered %(id)s.", params={"id": notification_id})
    if row.status != "failed":
        raise Conflict("Only a failed notification can be retried.")
    row.status, row.attempts, row.next_attempt_at = "pending", 0, now
    events.record("notification.retried", actor=actor, subject_type="notification",
                  subject_id=row.id, last_error=row.last_error[:500])
    return row


def backoff(attempts: int, base: timedelta = timedelta(seconds=30),
            cap: timedelta = timedelta(hours=1)) -> timedelta:
    """Wait before attempt n+1 after n failures: 30 s, 1 min, 2 min, … at most an hour."""
    return min(cap, base * (2 ** max(0, attempts - 1)))
