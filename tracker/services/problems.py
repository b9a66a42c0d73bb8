"""The problem library (问题库): verify (核查) → rectify (整改) by a set deadline → re-check (复核)
→ closed (销号); or "not a problem" after verification. Each stage runs its own SlaTimer, so the
watcher, the dashboard and the monthly report see problems like application steps."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import Event, Problem, SlaTimer, SubjectType, TimerState, User
from ..sla import Limit, LimitKind, WorkingClock
from . import events, timers
from .clock import app_clock
from .clock import now as clock_now
from .errors import Conflict, NotFound, ValidationFailed
from .guards import CONTROL, stale_is_conflict, text_errors, unstorable
from .numbering import next_number
from .reference import departments

LOCAL = ZoneInfo("Asia/Shanghai")
SAME_MOMENT = "Someone else changed this problem at the same moment; reload and try again."
FUTURE_TOLERANCE = timedelta(seconds=60)

SOURCES = {
    "officer": ("服务体验官", "Service experience officer"),
    "hotline_12345": ("12345 热线", "12345 hotline"),
    "haochaping": ("好差评", "Government evaluation (好差评)"),
    "visit": ("客户走访", "Customer visit"),
}
STATUSES = {
    "verifying": ("待核查", "Verifying"),
    "rectifying": ("整改中", "Rectifying"),
    "rechecking": ("待复核", "Re-checking"),
    "closed": ("已销号", "Closed"),
    "not_problem": ("经核查非问题", "Not a problem"),
}
STAGES = {
    "verify": ("核查", "Verification"),
    "rectify": ("整改", "Rectification"),
    "recheck": ("复核", "Re-check"),
}


def label(table: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    names = table.get(code)
    if names is None:
        return code
    return names[1] if lang == "en" else names[0]


@dataclass
class NewProblem:
    source: str
    description: str
    department: str
    location: str = ""
    reported_at: datetime | None = None


def get_problem(number: str) -> Problem:
    problem = None if unstorable(number) else \
        db.session.scalar(select(Problem).where(Problem.number == number))
    if problem is None:
        raise NotFound("No problem numbered %(number)s.", params={"number": number})
    return problem


def create_problem(data: NewProblem, actor: User) -> Problem:
    """Register a problem; its verification clock starts when it was reported."""
    now, clock = clock_now(), app_clock()
    errors: dict[str, list[str]] = text_errors(description=data.description,
                                               location=data.location)
    if data.source not in SOURCES:
        errors["source"] = ["Unknown source."]
    if not data.description.strip() and "description" not in errors:
        errors["description"] = ["Required."]
    if data.department not in departments():
        errors["department"] = ["Unknown department."]
    reported_at = data.reported_at or now
    if reported_at > now + FUTURE_TOLERANCE:
        errors["reported_at"] = ["Cannot be in the future."]
    if errors:
        raise ValidationFailed("The problem has errors.", fields=errors)
    reported_at = min(reported_at, now)
    problem = Problem(
        number=next_number("P", reported_at.astimezone(LOCAL).year), source=data.source,
        description=data.description.strip(), location=data.location.strip(),
        department_code=data.department, status="verifying", reported_at=reported_at,
        reported_by_id=actor.id, created_at=now)
    db.session.add(problem)
    db.session.flush()
    days = float(current_app.config.get("TRACKER_PROBLEM_VERIFY_DAYS", 3.0))
    problem.timer = _stage_timer(problem, "verify", reported_at,
                                 Limit(LimitKind.WORKING_DAYS, days), data.department, clock)
    events.record("problem.created", actor=actor, subject_type="problem", subject_id=problem.id,
                  number=problem.number, source=data.source, department=data.department)
    db.session.commit()
    return problem


def _stage_timer(problem: Problem, stage: str, start: datetime, limit: Limit, department: str,
                 clock: WorkingClock) -> SlaTimer:
    return timers.new_timer(subject_type=SubjectType.PROBLEM, subject_id=problem.id, start=start,
                            limit=limit, department=department, clock=clock,
                            label=f"{problem.number} {STAGES[stage][0]}", stage=stage)


def rectify_limit(now: datetime, due: datetime, clock: WorkingClock) -> Limit:
    """The working time from now to the deadline set in the task list, as a working-hours limit.

    The rectification clock is the same working clock as every other duty (warning at 75% of
    the working time, holidays not counted); the deadline it computes is the one given, or the
    close of the last office period before it when it falls outside office hours.
    """
    budget = clock.working_time_between(now, due)
    if budget <= timedelta(0):
        raise ValidationFailed("The rectification deadline must leave working time.",
                               fields={"rectify_due_at": ["Must be after now, in working time."]})
    return Limit(LimitKind.WORKING_HOURS, budget.total_seconds() / 3600)


def deadline_from_date(day: date, clock: WorkingClock) -> datetime:
    """A deadline given as a date means the close of office hours on that day."""
    return clock.close_of_day(day)


def _deadline(due: datetime | date | None, clock: WorkingClock) -> datetime:
    if due is None:
        raise ValidationFailed("Give the rectification deadline.",
                               fields={"rectify_due_at": ["Required."]})
    if not isinstance(due, datetime):
        return deadline_from_date(due, clock)
    return due


def _start_rectification(problem: Problem, due: datetime, now: datetime,
                         clock: WorkingClock) -> None:
    limit = rectify_limit(now, due, clock)
    problem.status = "rectifying"
    problem.rectify_due_at = due
    problem.timer = _stage_timer(problem, "rectify", now, limit, problem.department_code, clock)


def _finish_stage(problem: Problem, now: datetime, clock: WorkingClock) -> None:
    if problem.timer is not None:
        timers.finish(problem.timer, now, clock, ())


def _checked_note(note: str | None) -> str:
    note = (note or "").strip()
    if text_errors(note=note):
        raise ValidationFailed("The problem has errors.", fields=text_errors(note=note))
    return note


def _expect(problem: Problem, status: str, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != problem.version_id:
        raise Conflict("Someone else changed problem %(number)s first; reload and try again.",
                       params={"number": problem.number})
    if problem.status != status:
        raise Conflict("Problem %(number)s is not at this stage (it is %(status)s).",
                       params={"number": problem.number, "status": problem.status})


@stale_is_conflict(SAME_MOMENT)
def verify(number: str, actor: User, *, is_problem: bool, note: str = "",
           rectify_due_at: datetime | date | None = None,
           expected_version: int | None = None) -> Problem:
    """核查: "not a problem" closes it with the reason; otherwise rectification starts with its
    deadline."""
    problem = get_problem(number)
    _expect(problem, "verifying", expected_version)
    note = _checked_note(note)
    now, clock = clock_now(), app_clock()
    if not is_problem:
        if not note:
            raise ValidationFailed("Say why it is not a problem.", fields={"note": ["Required."]})
        _finish_stage(problem, now, clock)
        problem.status = "not_problem"
        problem.not_problem_reason = note
        problem.closed_at = now
        events.record("problem.not_problem", actor=actor, subject_type="problem",
                      subject_id=problem.id, reason=note)
    else:
        rectify_due_at = _deadline(rectify_due_at, clock)
        rectify_limit(now, rectify_due_at, clock)  # refuse a bad deadline before changing anything
        _finish_stage(problem, now, clock)
        problem.verification_note = note
        _start_rectification(problem, rectify_due_at, now, clock)
        events.record("problem.verified", actor=actor, subject_type="problem",
                      subject_id=problem.id, note=note, rectify_due_at=rectify_due_at)
    db.session.commit()
    return problem


@stale_is_conflict(SAME_MOMENT)
def report_rectified(number: str, actor: User, *, note: str,
                     expected_version: int | None = None) -> Problem:
    """整改完成: the department says what it did; the re-check clock starts."""
    problem = get_problem(number)
    _expect(problem, "rectifying", expected_version)
    note = _checked_note(note)
    if not note:
        raise ValidationFailed("Say what was rectified.", fields={"note": ["Required."]})
    now, clock = clock_now(), app_clock()
    _finish_stage(problem, now, clock)
    problem.rectification_note = note
    problem.status = "rechecking"
    days = float(current_app.config.get("TRACKER_PROBLEM_RECHECK_DAYS", 3.0))
    department = current_app.config.get("TRACKER_PROBLEM_RECHECK_DEPARTMENT", "inspection_office")
    problem.timer = _stage_timer(problem, "recheck", now, Limit(LimitKind.WORKING_DAYS, days),
                                 department, clock)
    events.record("problem.rectified", actor=actor, subject_type="problem",
                  subject_id=problem.id, note=note)
    db.session.commit()
    return problem


@stale_is_conflict(SAME_MOMENT)
def recheck(number: str, actor: User, *, passed: bool, note: str = "",
            rectify_due_at: datetime | date | None = None,
            expected_version: int | None = None) -> Problem:
    """复核: passed closes the problem (销号); failed sends it back to rectification with a new
    deadline and the reason."""
    problem = get_problem(number)
    _expect(problem, "rechecking", expected_version)
    note = _checked_note(note)
    now, clock = clock_now(), app_clock()
    if passed:
        _finish_stage(problem, now, clock)
        problem.recheck_note = note
        problem.status = "closed"
        problem.closed_at = now
        events.record("problem.closed", actor=actor, subject_type="problem",
                      subject_id=problem.id, note=note)
    else:
        if not note:
            raise ValidationFailed("Say why the rectification is not accepted.",
                                   fields={"note": ["Required."]})
        rectify_due_at = _deadline(rectify_due_at, clock)
        rectify_limit(now, rectify_due_at, clock)
        _finish_stage(problem, now, clock)
        problem.recheck_note = note
        _start_rectification(problem, rectify_due_at, now, clock)
        events.record("problem.sent_back", actor=actor, subject_type="problem",
                      subject_id=problem.id, note=note, rectify_due_at=rectify_due_at)
    db.session.commit()
    return problem


# --- reading ------------------------------------------------------------------------------

@dataclass
class ProblemFilter:
    status: str | None = None
    source: str | None = None
    department: str | None = None
    overdue: bool | None = None
    text: str | None = None


def list_problems(flt: ProblemFilter, now: datetime, page: int = 1,
                  per_page: int = 50) -> tuple[list[Problem], int]:
    """Problems, open ones by current deadline first."""
    query = select(Problem).join(SlaTimer, SlaTimer.id == Problem.timer_id, isouter=True)
    if flt.status == "open":
        query = query.where(Problem.status.in_(("verifying", "rectifying", "rechecking")))
    elif flt.status:
        query = query.where(Problem.status == flt.status)
    if flt.source:
        query = query.where(Problem.source == flt.source)
    if flt.department:
        query = query.where(Problem.department_code == flt.department)
    if flt.overdue is not None:
        overdue = (SlaTimer.state == TimerState.RUNNING) & (SlaTimer.due_at <= now)
        query = query.where(overdue if flt.overdue else or_(
            SlaTimer.id.is_(None), SlaTimer.state != TimerState.RUNNING, SlaTimer.due_at > now))
    if flt.text:
        pattern = f"%{CONTROL.sub('', flt.text).strip()}%"
        query = query.where(or_(Problem.number.ilike(pattern), Problem.description.ilike(pattern),
                                Problem.location.ilike(pattern)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(SlaTimer.state != TimerState.RUNNING, SlaTimer.due_at, Problem.id.desc())
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return items, total


def stage_timers(problem: Problem) -> list[SlaTimer]:
    return list(db.session.scalars(
        select(SlaTimer).where(SlaTimer.subject_type == SubjectType.PROBLEM,
                               SlaTimer.subject_id == problem.id).order_by(SlaTimer.id)))


def history(problem: Problem) -> list[Event]:
    return list(db.session.scalars(
        select(Event).where(Event.subject_type == "problem", Event.subject_id == problem.id)
        .order_by(Event.at, Event.id)))


def present_problem(problem: Problem, now: datetime, clock: WorkingClock, lang: str, *,
                    detail: bool = False) -> dict[str, Any]:
    """A problem as plain data (times in Beijing time), with its current stage's SLA."""
    from .presenters import department_name, timer_fields

    reporter = db.session.get(User, problem.reported_by_id) if problem.reported_by_id else None
    data: dict[str, Any] = {
        "number": problem.number, "source": problem.source,
        "source_name": label(SOURCES, problem.source, lang),
        "description": problem.description, "location": problem.location,
        "department": problem.department_code,
        "department_name": department_name(problem.department_code, lang),
        "status": problem.status, "status_name": label(STATUSES, problem.status, lang),
        "stage": problem.timer.stage if problem.timer is not None and problem.status in
        ("verifying", "rectifying", "rechecking") else None,
        "reported_at": _local(problem.reported_at),
        "reported_by": reporter.label if reporter else None,
        "verification_note": problem.verification_note,
        "not_problem_reason": problem.not_problem_reason,
        "rectify_due_at": _local(problem.rectify_due_at),
        "rectification_note": problem.rectification_note, "recheck_note": problem.recheck_note,
        "closed_at": _local(problem.closed_at), "version": problem.version_id,
        "sla": timer_fields(problem.timer, now, clock, []),
    }
    if detail:
        data["stages"] = [{"stage": t.stage, "stage_name": label(STAGES, t.stage, lang),
                           "department": t.department_code,
                           "department_name": department_name(t.department_code, lang),
                           "sla": timer_fields(t, now, clock, []),
                           "completed_at": _local(t.completed_at)}
                          for t in stage_timers(problem)]
        data["history"] = [{"at": _local(e.at), "action": e.action,
                            "actor": e.actor.label if e.actor else None, "data": e.data}
                           for e in history(problem)]
    return data


def _local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(LOCAL)
