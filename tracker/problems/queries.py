"""Problem-library reads: one problem, the filtered list, its stages and history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from ..extensions import db
from ..models import Event, SlaTimer, SubjectType, TimerState
from ..services.errors import NotFound
from ..services.pagination import paginate
from ..services.search import contains_text
from ..text import unstorable
from .models import Problem, ProblemFinding


def get_problem(number: str) -> Problem:
    problem = None if unstorable(number) else \
        db.session.scalar(select(Problem).where(Problem.number == number))
    if problem is None:
        raise NotFound("No problem numbered %(number)s.", params={"number": number})
    return problem


def problem_with_id(problem_id: int) -> Problem | None:
    """The problem with this id, or None (another feature's evidence names it by id)."""
    return db.session.get(Problem, problem_id)


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
    matches = contains_text(flt.text, Problem.number, Problem.description, Problem.location)
    if matches is not None:
        query = query.where(matches)
    return paginate(query.order_by(SlaTimer.state != TimerState.RUNNING, SlaTimer.due_at,
                                   Problem.id.desc()), page, per_page)


def stage_timers(problem: Problem) -> list[SlaTimer]:
    return list(db.session.scalars(
        select(SlaTimer).where(SlaTimer.subject_type == SubjectType.PROBLEM,
                               SlaTimer.subject_id == problem.id).order_by(SlaTimer.id)))


def history(problem: Problem) -> list[Event]:
    return list(db.session.scalars(
        select(Event).where(Event.subject_type == "problem", Event.subject_id == problem.id)
        .order_by(Event.at, Event.id)))


def problems_by_id(ids: list[int]) -> dict[int, Problem]:
    """The problems with these ids, in one query (My work)."""
    return {p.id: p for p in db.session.scalars(select(Problem).where(Problem.id.in_(ids)))}


def findings_of(problem: Problem) -> list[ProblemFinding]:
    """The sanction findings recorded on a problem, oldest first."""
    return list(db.session.scalars(select(ProblemFinding)
                                   .where(ProblemFinding.problem_id == problem.id)
                                   .order_by(ProblemFinding.recorded_at, ProblemFinding.id)))


def annual_findings(year: int) -> list[ProblemFinding]:
    """Every finding counted in the annual assessment of `year`, by department then time."""
    return list(db.session.scalars(select(ProblemFinding).where(ProblemFinding.year == year)
                                   .order_by(ProblemFinding.department_code,
                                             ProblemFinding.recorded_at, ProblemFinding.id)))
