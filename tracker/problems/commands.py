"""The problem library (问题库): verify (核查) → rectify (整改) by a set deadline → re-check (复核)
→ closed (销号); or "not a problem" after verification. Each stage runs its own SlaTimer, so the
watcher, the dashboard and the monthly report see problems like application steps."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..extensions import db
from ..localtime import LOCAL
from ..models import SlaTimer, SubjectType, User
from ..services import events, timers
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.errors import Conflict, ValidationFailed
from ..services.numbering import next_number
from ..services.reference import departments
from ..services.transaction import check_version, transactional
from ..settings import settings
from ..sla import Limit, LimitKind, WorkingClock
from ..text import text_errors
from .models import SOURCES, STAGES, Problem
from .queries import get_problem

SAME_MOMENT = "Someone else changed this problem at the same moment; reload and try again."
FUTURE_TOLERANCE = timedelta(seconds=60)


@dataclass
class NewProblem:
    source: str
    description: str
    department: str
    location: str = ""
    reported_at: datetime | None = None


@transactional(stale=SAME_MOMENT)
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
    days = settings().problem_verify_days
    problem.timer = _stage_timer(problem, "verify", reported_at,
                                 Limit(LimitKind.WORKING_DAYS, days), data.department, clock)
    events.record("problem.created", actor=actor, subject_type="problem", subject_id=problem.id,
                  number=problem.number, source=data.source, department=data.department)
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
    check_version(problem, expected_version,
                  "Someone else changed problem %(number)s first; reload and try again.",
                  number=problem.number)
    if problem.status != status:
        raise Conflict("Problem %(number)s is not at this stage (it is %(status)s).",
                       params={"number": problem.number, "status": problem.status})


@transactional(stale=SAME_MOMENT)
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
    return problem


@transactional(stale=SAME_MOMENT)
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
    days = settings().problem_recheck_days
    department = settings().problem_recheck_department
    problem.timer = _stage_timer(problem, "recheck", now, Limit(LimitKind.WORKING_DAYS, days),
                                 department, clock)
    events.record("problem.rectified", actor=actor, subject_type="problem",
                  subject_id=problem.id, note=note)
    return problem


@transactional(stale=SAME_MOMENT)
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
    return problem
