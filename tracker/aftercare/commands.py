"""After water is on: open the customer callback (回访), record its result, and open and
close home-visit follow-ups (上门回访), each with its own timer. Reads are in `queries`,
plain data for the API and pages in `presenters`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Application, SlaTimer, SubjectType, User
from ..services import duties, events, timers
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.errors import Conflict, ValidationFailed
from ..services.reference import departments
from ..services.transaction import check_version, transactional
from ..settings import settings
from ..sla import Limit, LimitKind, WorkingClock
from ..text import text_errors
from .models import Callback, FollowUp
from .queries import get_callback, get_follow_up

# --- callbacks ----------------------------------------------------------------------------

def on_application_completed(app: Application, *, at: datetime, clock: WorkingClock,
                             **_: object) -> None:
    """Receiver of `signals.application_completed`: the completed application's callback."""
    open_callback(app, at, clock)


def open_callback(app: Application, at: datetime, clock: WorkingClock) -> Callback:
    """Queue the callback of a completed application, due within the configured limit."""
    callback = Callback(application_id=app.id, status="open")
    db.session.add(callback)
    db.session.flush()
    days = settings().callback_limit_days
    callback.timer = timers.new_timer(
        subject_type=SubjectType.CALLBACK, subject_id=callback.id, start=at,
        limit=Limit(LimitKind.WORKING_DAYS, days),
        department=settings().callback_department,
        clock=clock, application_id=app.id, flow_code=app.flow_code,
        label=f"{app.number} 回访", stage="callback")
    return callback


def _department(timer: SlaTimer | None) -> str:
    """The department a callback's or follow-up's duty is charged to (its timer's)."""
    return timer.department_code if timer is not None else settings().callback_department


@transactional
def record_callback_result(callback_id: int, actor: User, *, reached: bool,
                           satisfied: bool | None = None, comment: str = "",
                           expected_version: int | None = None,
                           proxy_reason: str | None = None) -> Callback:
    """Log a call: not reached keeps the callback open (the attempt is logged); reached closes it,
    and "not satisfied" opens a home-visit follow-up. Made by the callback's department (seed
    003 五(四)1: the 热线中心), or on its behalf (代办)."""
    callback = get_callback(callback_id)
    check_version(callback, expected_version)
    if callback.status != "open":
        raise Conflict("The result of this callback is already recorded.")
    duties.act_for(actor, _department(callback.timer), proxy_reason, subject_type="callback",
                   subject_id=callback.id, stage="callback",
                   action="callback.done" if reached else "callback.attempt",
                   application_id=callback.application_id)
    comment = (comment or "").strip()
    if text_errors(comment=comment):
        raise ValidationFailed("The result has errors.", fields=text_errors(comment=comment))
    now = clock_now()
    if not reached:
        events.record("callback.attempt", actor=actor, subject_type="callback",
                      subject_id=callback.id, application_id=callback.application_id,
                      reached=False, comment=comment)
        return callback
    if satisfied is None:
        raise ValidationFailed("Say whether the customer is satisfied.",
                               fields={"satisfied": ["Required when the customer was reached."]})
    if not satisfied and not comment:
        raise ValidationFailed("Say what the customer is not satisfied with.",
                               fields={"comment": ["Required when the customer is not satisfied."]})
    clock = app_clock()
    callback.status = "done"
    callback.reached = True
    callback.satisfied = satisfied
    callback.comment = comment
    callback.done_by_id = actor.id
    callback.done_at = now
    if callback.timer is not None:
        timers.finish(callback.timer, now, clock, ())
    db.session.flush()
    events.record("callback.done", actor=actor, subject_type="callback", subject_id=callback.id,
                  application_id=callback.application_id, satisfied=satisfied, comment=comment,
                  late=bool(callback.timer and callback.timer.late))
    if not satisfied:
        open_follow_up(callback.application_id, "callback", now, clock, actor,
                        callback_id=callback.id)
    return callback


@transactional
def assign_callback(callback_id: int, actor: User, *, department: str,
                    expected_version: int | None = None) -> Callback:
    """责成相关部门处理 (003 五（四）1): customer service names the department a "not satisfied"
    callback is charged to; assigning again moves it (both are in the event log)."""
    callback = get_callback(callback_id)
    check_version(callback, expected_version)
    if callback.status != "done" or callback.satisfied is not False:
        raise Conflict("Only a callback whose customer was not satisfied is assigned to a "
                       "department.")
    department = (department or "").strip()
    if department not in departments():
        raise ValidationFailed("Unknown department %(department)s.",
                               params={"department": department},
                               fields={"department": ["Choose a department."]})
    if callback.assigned_department == department:
        return callback
    previous = callback.assigned_department
    callback.assigned_department = department
    db.session.flush()
    events.record("callback.assigned", actor=actor, subject_type="callback",
                  subject_id=callback.id, application_id=callback.application_id,
                  department=department, previous=previous)
    return callback


# --- follow-ups (上门回访) -----------------------------------------------------------------

def open_follow_up(application_id: int | None, origin: str, at: datetime, clock: WorkingClock,
                    actor: User | None, *, callback_id: int | None = None,
                    evaluation_id: int | None = None, label: str = "") -> FollowUp:
    """Open a home visit (上门回访) for a customer who was not satisfied, due in the
    configured limit."""
    follow_up = FollowUp(application_id=application_id, origin=origin, callback_id=callback_id,
                         evaluation_id=evaluation_id, status="open", created_at=at)
    db.session.add(follow_up)
    db.session.flush()
    days = settings().followup_limit_days
    number = label or (db.session.scalar(select(Application.number)
                                         .where(Application.id == application_id))
                       if application_id else "") or ""
    follow_up.timer = timers.new_timer(
        subject_type=SubjectType.FOLLOWUP, subject_id=follow_up.id, start=at,
        limit=Limit(LimitKind.WORKING_DAYS, days),
        # a bad review's home visit is the 专班's, 市场发展部 responsible (003 五（四）2)
        department=settings().review_followup_department if origin == "evaluation"
        else settings().callback_department,
        clock=clock, application_id=application_id, label=f"{number} 上门回访".strip(),
        stage="followup")
    events.record("followup.opened", actor=actor, subject_type="followup",
                  subject_id=follow_up.id, application_id=application_id, origin=origin,
                  callback_id=callback_id, evaluation_id=evaluation_id)
    return follow_up


@transactional
def close_follow_up(follow_up_id: int, actor: User, *, action_taken: str, evidence: str = "",
                    expected_version: int | None = None,
                    proxy_reason: str | None = None) -> FollowUp:
    """Close the loop of a home visit: only with what was done (and the evidence)."""
    follow_up = get_follow_up(follow_up_id)
    check_version(follow_up, expected_version)
    if follow_up.status != "open":
        raise Conflict("This follow-up is already closed.")
    duties.act_for(actor, _department(follow_up.timer), proxy_reason, subject_type="followup",
                   subject_id=follow_up.id, stage="followup", action="followup.closed",
                   application_id=follow_up.application_id)
    action_taken = (action_taken or "").strip()
    bad = text_errors(action_taken=action_taken, evidence=evidence)
    if bad:
        raise ValidationFailed("The follow-up has errors.", fields=bad)
    if not action_taken:
        raise ValidationFailed("Say what was done for the customer.",
                               fields={"action_taken": ["Required."]})
    now = clock_now()
    follow_up.status = "closed"
    follow_up.action_taken = action_taken
    follow_up.evidence = (evidence or "").strip()
    follow_up.closed_by_id = actor.id
    follow_up.closed_at = now
    if follow_up.timer is not None:
        timers.finish(follow_up.timer, now, app_clock(), ())
    events.record("followup.closed", actor=actor, subject_type="followup",
                  subject_id=follow_up.id, application_id=follow_up.application_id,
                  action_taken=action_taken, evidence=follow_up.evidence,
                  late=bool(follow_up.timer and follow_up.timer.late))
    return follow_up
