"""After-care as plain data for the API and pages (times in the utility's time zone)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..i18n import current_language
from ..localtime import local
from ..models import Application, User
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.duties import present_proxies, proxies_of
from ..services.queries import ListedTimer
from ..services.sla_fields import department_name, timer_fields
from ..sla import WorkingClock
from .models import Callback, Evaluation, FollowUp
from .queries import attempts_of


def aftercare_summary(application_id: int, lang: str | None = None) -> dict[str, Any]:
    """What happened after water went on, for the application page: the callback, the
    follow-ups and the evaluations, each timer described now (times in Beijing time)."""
    lang = lang or current_language()
    now, clock = clock_now(), app_clock()
    callback = db.session.scalar(select(Callback).where(Callback.application_id == application_id))
    result: dict[str, Any] = {"callback": None, "follow_ups": [], "evaluations": [],
                              "open_follow_ups": 0}
    if callback is not None:
        result["callback"] = {
            "id": callback.id, "status": callback.status, "reached": callback.reached,
            "satisfied": callback.satisfied, "comment": callback.comment,
            "done_at": local(callback.done_at),
            "done_by": callback.done_by.label if callback.done_by else None,
            "attempts": attempts_of([callback.id]).get(callback.id, 0),
            "version": callback.version_id,
            "sla": timer_fields(callback.timer, now, clock, []),
        }
    result["follow_ups"] = present_follow_ups(list(db.session.scalars(
        select(FollowUp).where(FollowUp.application_id == application_id)
        .order_by(FollowUp.id)).unique()), lang)
    result["open_follow_ups"] = sum(1 for f in result["follow_ups"] if f["status"] == "open")
    for evaluation in db.session.scalars(select(Evaluation).where(
            Evaluation.application_id == application_id).order_by(Evaluation.evaluated_at)):
        result["evaluations"].append({
            "external_id": evaluation.external_id, "satisfied": evaluation.satisfied,
            "score": evaluation.score, "comment": evaluation.comment,
            "evaluated_at": local(evaluation.evaluated_at)})
    return result


def present_follow_up(follow_up: FollowUp, now: datetime, clock: WorkingClock) -> dict[str, Any]:
    closed_by = db.session.get(User, follow_up.closed_by_id) if follow_up.closed_by_id else None
    return {
        "id": follow_up.id, "origin": follow_up.origin, "status": follow_up.status,
        "application_id": follow_up.application_id, "callback_id": follow_up.callback_id,
        "evaluation_id": follow_up.evaluation_id, "action_taken": follow_up.action_taken,
        "evidence": follow_up.evidence, "created_at": local(follow_up.created_at),
        "closed_at": local(follow_up.closed_at),
        "closed_by": closed_by.label if closed_by else None, "version": follow_up.version_id,
        "sla": timer_fields(follow_up.timer, now, clock, []),
    }


# --- presenting (API and pages) ---------------------------------------------------------

def present_callback_rows(rows: list[Any], lang: str, *,
                          proxies: bool = True) -> list[dict[str, Any]]:
    """Callbacks as the API and the page show them, from rows of
    `queries.list_callback_rows` (or `callback_row`); `proxies=False` leaves out
    `on_behalf` (the 代办 acts: one more query), for a page that does not show them."""
    moment, clock = clock_now(), app_clock()
    acts = proxies_of("callback", [row.id for row in rows if row.proxied]) if proxies else {}
    names: dict[str, str] = {}  # department code -> its name, looked up once per page

    def named(code: str) -> str:
        found = names.get(code)
        if found is None:
            found = names[code] = department_name(code, lang)
        return found

    result = []
    for row in rows:
        timer = None if row.timer_id is None else ListedTimer(
            row.timer_id, row.timer_subject_type, row.timer_step_code, row.timer_limit,
            row.timer_round_the_clock, row.timer_started_at, row.timer_budget_seconds,
            row.timer_due_at, row.timer_warn_at, row.timer_provisional, row.timer_state,
            row.timer_completed_at, row.timer_late)
        assigned = row.assigned_department
        data = {
            "id": row.id, "application_number": row.number,
            "customer_name": row.customer_name, "contact_name": row.contact_name,
            "contact_phone": row.contact_phone, "completed_at": local(row.completed_at),
            "status": row.status, "reached": row.reached, "satisfied": row.satisfied,
            "comment": row.comment, "done_at": local(row.done_at),
            # User.label: the display name, else the user name
            "done_by": (row.done_by_display or row.done_by_username)
            if row.done_by_username is not None else None,
            "attempts": row.attempts,
            "department_name": named(row.timer_department_code) if timer else "",
            # the department the hotline made responsible (责成相关部门处理); None: not yet
            "assigned_department": assigned,
            "assigned_department_name": named(assigned) if assigned else None,
            "version": row.version_id,
            "sla": timer_fields(timer, moment, clock, []),
        }
        if proxies:
            data["on_behalf"] = present_proxies(acts.get((row.id, "callback"), []), lang)
        result.append(data)
    return result


def present_follow_ups(items: list[FollowUp], lang: str) -> list[dict[str, Any]]:
    """Follow-ups with their application and what the customer was not satisfied with."""
    apps = {a.id: a for a in db.session.scalars(
        select(Application).where(Application.id.in_(
            [f.application_id for f in items if f.application_id])))}
    callbacks = {c.id: c for c in db.session.scalars(select(Callback).where(
        Callback.id.in_([f.callback_id for f in items if f.callback_id])))}
    evaluations = {e.id: e for e in db.session.scalars(select(Evaluation).where(
        Evaluation.id.in_([f.evaluation_id for f in items if f.evaluation_id])))}
    moment, clock = clock_now(), app_clock()
    acts = proxies_of("followup", [f.id for f in items])  # 代办, one query
    result = []
    for follow_up in items:
        data = present_follow_up(follow_up, moment, clock)
        data["on_behalf"] = present_proxies(acts.get((follow_up.id, "followup"), []), lang)
        app = apps.get(follow_up.application_id)
        evaluation = evaluations.get(follow_up.evaluation_id)
        data["application_number"] = app.number if app else (
            evaluation.application_number if evaluation else None) or None
        data["customer_name"] = app.customer_name if app else None
        source = callbacks.get(follow_up.callback_id) or evaluation
        data["reason"] = source.comment if source is not None else ""
        result.append(data)
    return result


