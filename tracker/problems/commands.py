"""The problem library (问题库): verify (核查) → rectify (整改) by a set deadline → re-check (复核)
→ closed (销号); or "not a problem" after verification. Each stage runs its own SlaTimer, so the
watcher, the dashboard and the monthly report see problems like application steps."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..extensions import db
from ..localtime import LOCAL
from ..models import SlaTimer, SubjectType, User
from ..services import duties, events, timers
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.errors import Conflict, Forbidden, ValidationFailed
from ..services.numbering import next_number
from ..services.reference import departments
from ..services.transaction import check_version, transactional
from ..settings import settings
from ..sla import FIRST_YEAR, LAST_YEAR, Limit, LimitKind, WorkingClock
from ..text import text_errors
from .models import SOURCES, STAGES, Problem, ProblemFinding
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
    """Register a problem (待下达); its verification clock starts when it is issued (`issue`)."""
    now = clock_now()
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
        department_code=data.department, status="registered", reported_at=reported_at,
        reported_by_id=actor.id, created_at=now)
    db.session.add(problem)
    db.session.flush()
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
           expected_version: int | None = None, proxy_reason: str | None = None) -> Problem:
    """核查: "not a problem" closes it with the reason; otherwise rectification starts with its
    deadline. Done by the responsible department (or on its behalf, 代办)."""
    problem = get_problem(number)
    _expect(problem, "verifying", expected_version)
    proxy = _stage_actor(problem, actor, proxy_reason)
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
                      subject_id=problem.id, reason=note,
                      **_proxied(proxy, problem, actor, "verify", "problem.not_problem", now))
    else:
        rectify_due_at = _deadline(rectify_due_at, clock)
        rectify_limit(now, rectify_due_at, clock)  # refuse a bad deadline before changing anything
        _finish_stage(problem, now, clock)
        problem.verification_note = note
        _start_rectification(problem, rectify_due_at, now, clock)
        events.record("problem.verified", actor=actor, subject_type="problem",
                      subject_id=problem.id, note=note, rectify_due_at=rectify_due_at,
                      **_proxied(proxy, problem, actor, "verify", "problem.verified", now))
    return problem


@transactional(stale=SAME_MOMENT)
def report_rectified(number: str, actor: User, *, note: str,
                     expected_version: int | None = None,
                     proxy_reason: str | None = None) -> Problem:
    """整改完成: the department says what it did; the re-check clock starts."""
    problem = get_problem(number)
    _expect(problem, "rectifying", expected_version)
    proxy = _stage_actor(problem, actor, proxy_reason)
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
                  subject_id=problem.id, note=note,
                  **_proxied(proxy, problem, actor, "rectify", "problem.rectified", now))
    return problem


@transactional(stale=SAME_MOMENT)
def recheck(number: str, actor: User, *, passed: bool, note: str = "",
            rectify_due_at: datetime | date | None = None,
            expected_version: int | None = None, proxy_reason: str | None = None) -> Problem:
    """复核: passed closes the problem (销号); failed sends it back to rectification with a new
    deadline and the reason. Done by the re-checking office, never by the problem's own
    department."""
    problem = get_problem(number)
    _expect(problem, "rechecking", expected_version)
    proxy = _stage_actor(problem, actor, proxy_reason)
    note = _checked_note(note)
    now, clock = clock_now(), app_clock()
    if passed:
        _finish_stage(problem, now, clock)
        problem.recheck_note = note
        problem.status = "closed"
        problem.closed_at = now
        events.record("problem.closed", actor=actor, subject_type="problem",
                      subject_id=problem.id, note=note,
                      **_proxied(proxy, problem, actor, "recheck", "problem.closed", now))
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
                      subject_id=problem.id, note=note, rectify_due_at=rectify_due_at,
                      **_proxied(proxy, problem, actor, "recheck", "problem.sent_back", now))
    return problem


# --- who does each stage (separation of duties) ------------------------------------------------

def _stage_actor(problem: Problem, actor: User, proxy_reason: str | None) -> duties.OnBehalf | None:
    """The current stage is done by the department its timer is charged to (核查 and 整改 by the
    responsible department, 复核 by the re-checking office), or on its behalf (代办); the
    problem's own department never re-checks it (seed 000 六 4: the 营商办 "对整改提升情况组织专项
    体验，进一步核实": the check is someone else's)."""
    stage_department = problem.timer.department_code if problem.timer is not None \
        else problem.department_code
    own_recheck = problem.department_code if problem.status == "rechecking" else None
    return duties.authorise(actor, stage_department, proxy_reason=proxy_reason,
                            not_department=own_recheck)


def _proxied(proxy: duties.OnBehalf | None, problem: Problem, actor: User, stage: str,
             action: str, at: datetime) -> dict:
    return duties.record(proxy, actor, subject_type="problem", subject_id=problem.id,
                         stage=stage, action=action, at=at)


def _require_office(actor: User, message: str) -> None:
    if not duties.is_assessment_office(actor):
        raise Forbidden(message)


# --- 下达, adjustment, sanctions (seed 000 六 2–4) ---------------------------------------------

@transactional(stale=SAME_MOMENT)
def issue(number: str, actor: User, *, at: datetime | None = None,
          expected_version: int | None = None) -> Problem:
    """下达: issue the problem to its department; the verification clock starts now (or at the
    time given, not before the report and not in the future).

    Seed 000 六 2: "厦门水务营商办将问题清单下达各责任单位/部门开展核查，限期 3 个工作日向厦门水务
    营商办反馈核查结果": the 3 working days run from the issue, not from the report.
    """
    problem = get_problem(number)
    _require_office(actor, "Only the assessment office may issue problems to departments.")
    _expect(problem, "registered", expected_version)
    now, clock = clock_now(), app_clock()
    issued_at = at or now
    if issued_at > now + FUTURE_TOLERANCE:
        raise ValidationFailed("The time given is not accepted.",
                               fields={"at": ["Cannot be in the future."]})
    if issued_at < problem.reported_at:
        raise ValidationFailed("The time given is not accepted.",
                               fields={"at": ["Cannot be before the problem was reported."]})
    issued_at = min(issued_at, now)
    problem.status = "verifying"
    problem.issued_at = issued_at
    problem.issued_by_id = actor.id
    days = settings().problem_verify_days
    problem.timer = _stage_timer(problem, "verify", issued_at,
                                 Limit(LimitKind.WORKING_DAYS, days), problem.department_code,
                                 clock)
    events.record("problem.issued", actor=actor, subject_type="problem", subject_id=problem.id,
                  department=problem.department_code, issued_at=issued_at)
    return problem


@transactional(stale=SAME_MOMENT)
def adjust(number: str, actor: User, *, reason: str, department: str | None = None,
           description: str | None = None, rectify_due_at: datetime | date | None = None,
           expected_version: int | None = None) -> Problem:
    """Adjust a problem after verification: another responsible department, the description,
    the rectification deadline (logged with the reason and what changed).

    Seed 000 六 3: "厦门水务营商办根据各责任单位/部门的核查结果调整在库问题，并形成整改提升的任务
    清单，明确问题来源、主要内容、责任单位/部门和办结时限". A new department or deadline ends the
    running rectification timer (a lateness it already has stays on record) and starts the
    stage again for the department that now owns it, so each is charged only its own time.
    """
    problem = get_problem(number)
    _require_office(actor, "Only the assessment office may adjust a problem.")
    _expect(problem, "rectifying", expected_version)
    reason = _checked_note(reason)
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["Required."]
    if department is not None and department not in departments():
        errors["department"] = ["Unknown department."]
    if description is not None:
        errors.update(text_errors(description=description))
        if not description.strip() and "description" not in errors:
            errors["description"] = ["Required."]
    if errors:
        raise ValidationFailed("The adjustment has errors.", fields=errors)
    now, clock = clock_now(), app_clock()
    changes: dict = {}
    new_department = department if department not in (None, problem.department_code) else None
    due = _deadline(rectify_due_at, clock) if rectify_due_at is not None else None
    if due == problem.rectify_due_at:
        due = None
    if new_department is not None or due is not None:
        target = due or problem.rectify_due_at
        rectify_limit(now, target, clock)  # refuse a deadline already past before changing
        if problem.timer is not None:
            timers.cancel(problem.timer, now)
        if new_department is not None:
            changes["department"] = [problem.department_code, new_department]
            problem.department_code = new_department
        if due is not None:
            changes["rectify_due_at"] = [problem.rectify_due_at, due]
        _start_rectification(problem, target, now, clock)
    if description is not None and description.strip() != problem.description:
        changes["description"] = [problem.description, description.strip()]
        problem.description = description.strip()
    if not changes:
        raise ValidationFailed("Nothing to change.", fields={"department": ["No change."]})
    events.record("problem.adjusted", actor=actor, subject_type="problem",
                  subject_id=problem.id, reason=reason, note=reason, changes=changes)
    return problem


FINDING_MAX_POINTS = 100.0


@transactional(stale=SAME_MOMENT)
def record_finding(number: str, actor: User, *, points: float, reason: str,
                   year: int | None = None) -> ProblemFinding:
    """Record a sanction finding against the problem's department for its annual assessment.

    Seed 000 六 4: "对问题敷衍对待、无实质落实提升的，将对责任单位/部门的年度营商环境绩效考核予以
    扣分". The year is the assessment year it counts in (default: this year).
    """
    problem = get_problem(number)
    _require_office(actor, "Only the assessment office may record a sanction.")
    if problem.status == "registered":
        raise Conflict("Problem %(number)s has not been issued to a department yet.",
                       params={"number": problem.number})
    reason = _checked_note(reason)
    now = clock_now()
    year = year or now.astimezone(LOCAL).year
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["Required."]
    if not 0 < points <= FINDING_MAX_POINTS:
        errors["points"] = ["Between 0 and 100."]
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = ["Out of range."]
    if errors:
        raise ValidationFailed("The finding has errors.", fields=errors)
    finding = ProblemFinding(problem_id=problem.id, department_code=problem.department_code,
                             year=year, points=round(float(points), 2), reason=reason,
                             recorded_at=now, recorded_by_id=actor.id)
    db.session.add(finding)
    db.session.flush()
    events.record("problem.sanctioned", actor=actor, subject_type="problem",
                  subject_id=problem.id, department=problem.department_code, year=year,
                  points=finding.points, note=reason, finding_id=finding.id)
    return finding
