"""The event log of an application in words (newest first)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from ..i18n import pick
from ..models import Application, Event, User
from ..services.plain_reads import plain_rows
from ..services.reference import pause_reasons
from ..services.sla_fields import department_name
from ..steps import FlowDefinition
from . import labels
from .formatting import iso_beijing


@dataclass(frozen=True)
class EventLine:
    at: datetime
    actor: str
    action: str
    title: str
    detail: str


def _instant(text: Any) -> str:
    return iso_beijing(text)


def _step_name(flow: FlowDefinition, code: Any, lang: str) -> str:
    try:
        step = flow.step(str(code))
    except ValueError:
        return str(code)
    return pick(step.name_zh, step.name_en, lang)


def _reason_name(code: Any, lang: str) -> str:
    reason = pause_reasons().get(str(code))
    if reason is None:
        return str(code)
    return pick(reason.name_zh, reason.name_en, lang)


def moved_subject(flow: FlowDefinition, data: dict[str, Any], lang: str) -> str:
    """What a moved deadline belonged to: a step, the whole application, or another duty."""
    subject = data.get("subject")
    if subject == "step" or (subject is None and data.get("step")):
        return _step_name(flow, data.get("step"), lang)
    return labels.label(labels.SUBJECTS, subject or "application")


def moved_cause(cause: dict[str, Any] | None) -> str:
    """Why a deadline moved, naming the closure or the holiday files ("" when not recorded)."""
    if not cause:
        return ""
    if cause.get("kind") == "calendar":
        return _("because the holiday files or office hours changed (%(files)s)",
                 files=_show(cause.get("files")))
    hours = ""
    if cause.get("start") or cause.get("end"):
        hours = f" {(cause.get('start') or '00:00')[:5]}–{(cause.get('end') or '24:00')[:5]}"
    params = {"day": f"{cause.get('day', '')}{hours}", "reason": cause.get("reason", ""),
              "by": cause.get("by") or "—"}
    if cause.get("working"):
        if cause.get("kind") == "closure_removed":
            return _("because the local working day %(day)s (%(reason)s) was withdrawn by "
                     "%(by)s", **params)
        return _("because %(by)s recorded a local working day %(day)s (%(reason)s)", **params)
    if cause.get("kind") == "closure_removed":
        return _("because the local closure %(day)s (%(reason)s) was withdrawn by %(by)s",
                 **params)
    return _("because %(by)s recorded a local closure %(day)s (%(reason)s)", **params)


def _show(value: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def describe(event: Any, flow: FlowDefinition, lang: str) -> str:
    """One line saying what the event changed (an Event, or a row with its action, data and
    subject_type)."""
    data = event.data or {}
    action = event.action
    parts: list[str] = []
    if action == "application.created":
        parts.append(_("Number %(number)s, flow %(flow)s version %(version)s",
                       number=data.get("number", ""), flow=data.get("flow", ""),
                       version=data.get("flow_version", "")))
    elif action == "application.updated":
        for name, change in (data.get("changes") or {}).items():
            parts.append(f"{labels.label(labels.FIELDS, name)}: {_show(change.get('from'))} → "
                         f"{_show(change.get('to'))}")
    elif action == "application.cancelled":
        parts.append(_("Reason: %(reason)s", reason=data.get("reason", "")))
    elif action in ("step.started", "step.completed", "step.skipped"):
        parts.append(_step_name(flow, data.get("step"), lang))
        when = data.get("completed_at") or data.get("started_at")
        if when:
            parts.append(_("at %(time)s", time=_instant(when)))
        if data.get("late"):
            parts.append(_("late"))
        if data.get("backdated"):  # 补录
            parts.append(_("back-dated, entered at %(time)s", time=_instant(data["entered_at"])))
    elif action == "duty.on_behalf":  # 代办 (services.duties)
        if data.get("stage") and event.subject_type == "step":
            parts.append(_step_name(flow, data.get("stage"), lang))
        parts.append(_("代办 for %(department)s: %(reason)s",
                       department=department_name(data.get("on_behalf_of") or "", lang),
                       reason=data.get("proxy_reason", "")))
    elif action in ("pause.started", "pause.ended"):
        parts.append(_reason_name(data.get("reason"), lang))
        when = data.get("started_at") or data.get("ended_at")
        if when:
            parts.append(_("at %(time)s", time=_instant(when)))
        for moved in data.get("moved") or ():  # the deadlines this pause moved
            parts.append(_("%(what)s: deadline %(old)s → %(new)s",
                           what=moved_subject(flow, moved, lang),
                           old=_instant(moved.get("from")) if moved.get("from") else _("Paused"),
                           new=_instant(moved.get("to")) if moved.get("to") else _("Paused")))
    elif action == "materials.supplied":
        parts.append(_show(data.get("materials")))
    elif action == "deadline.moved":
        what = moved_subject(flow, data, lang)
        parts.append(_("%(what)s: deadline %(old)s → %(new)s", what=what,
                       old=_instant(data.get("from")), new=_instant(data.get("to"))))
        parts.append(moved_cause(data.get("cause")))
    elif action in ("application.owner_changed", "duty.assigned"):
        if action == "duty.assigned":
            parts.append(_step_name(flow, data.get("step"), lang) if data.get("step")
                         else labels.label(labels.SUBJECTS, data.get("kind", "")))
        parts.append(f"{data.get('before') or _('nobody')} → "
                     f"{data.get('after') or _('the department')}")
    note = data.get("note")
    if note and action != "application.updated":
        parts.append(_("Note: %(note)s", note=note))
    return "; ".join(p for p in parts if p)


# The application page's log: built once, the limit bound too, read as plain rows with what
# a line shows (describe reads action, data and subject_type; the actor's label), not Event
# and User objects with their departments (issue 15).
_EVENTS = select(Event.at, Event.action, Event.data, Event.subject_type, User.username,
                 User.display_name).outerjoin(User, User.id == Event.actor_id).where(
    Event.application_id == bindparam("application_id")).order_by(
    Event.at.desc(), Event.id.desc()).limit(bindparam("limit"))


def application_events(app: Application, flow: FlowDefinition, lang: str,
                       limit: int = 500) -> list[EventLine]:
    rows = plain_rows(_EVENTS, {"application_id": app.id, "limit": limit})
    return [EventLine(e.at, _("System") if e.username is None else  # User.label
                      e.display_name or e.username, e.action,
                      labels.label(labels.EVENTS, e.action), describe(e, flow, lang))
            for e in rows]
