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

# What a callback's row shows of its application (present_callback's `app`).
CALLBACK_APPLICATION = (Application.id, Application.number, Application.customer_name,
                        Application.contact_name, Application.contact_phone,
                        Application.completed_at)


def present_callback(callback: Callback, app: Any, attempts: int,
                     lang: str) -> dict[str, Any]:
    """A callback as the API and the page show it; `app` has the CALLBACK_APPLICATION
    columns (an Application or a row of them)."""
    timer = callback.timer
    return {
        "id": callback.id, "application_number": app.number, "customer_name": app.customer_name,
        "contact_name": app.contact_name, "contact_phone": app.contact_phone,
        "completed_at": local(app.completed_at), "status": callback.status,
        "reached": callback.reached, "satisfied": callback.satisfied,
        "comment": callback.comment, "done_at": local(callback.done_at),
        "done_by": callback.done_by.label if callback.done_by else None, "attempts": attempts,
        "department_name": department_name(timer.department_code, lang) if timer else "",
        # the department the hotline made responsible (责成相关部门处理); None: not yet
        "assigned_department": callback.assigned_department,
        "assigned_department_name": department_name(callback.assigned_department, lang)
        if callback.assigned_department else None,
        "version": callback.version_id,
        "sla": timer_fields(timer, clock_now(), app_clock(), []),
    }


def present_callbacks(callbacks: list[Callback], lang: str) -> list[dict[str, Any]]:
    # The columns a row shows, not Application objects: hydrating them read every
    # application's steps, pauses and flow version (its whole definition) for 50 rows.
    apps = {a.id: a for a in db.session.execute(
        select(*CALLBACK_APPLICATION).where(
            Application.id.in_([c.application_id for c in callbacks])))}
    attempts = attempts_of(c.id for c in callbacks)
    acts = proxies_of("callback", [c.id for c in callbacks])  # 代办, one query
    result = [present_callback(c, apps[c.application_id], attempts.get(c.id, 0), lang)
              for c in callbacks]
    for data, callback in zip(result, callbacks, strict=True):
        data["on_behalf"] = present_proxies(acts.get((callback.id, "callback"), []), lang)
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


