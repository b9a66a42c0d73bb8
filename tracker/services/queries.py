"""Read-side queries: the filtered, paginated application list shared by the API and pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, literal_column, or_, select
from sqlalchemy.orm import aliased, contains_eager, lazyload, load_only, selectinload

from ..extensions import db
from ..models import Application, AppStatus, Pause, SlaTimer, StepRecord, SubjectType, TimerState
from ..models.applications import OPEN_STEP  # the predicate of ix_step_records_open
from .search import contains_text
from .work import due_predicate


@dataclass
class ApplicationFilter:
    flow: str | None = None
    status: str | None = None
    overdue: bool | None = None
    due_before: datetime | None = None
    department: str | None = None
    step: str | None = None
    text: str | None = None
    # The dashboard's tiles: an application with a deadline (its own or a step's) later today,
    # and its own clock finished within [completed_from, completed_until) (a month).
    due_today: bool = False
    completed_from: datetime | None = None
    completed_until: datetime | None = None


@dataclass
class _Query:
    """The filtered query, the timer alias it joins, and a cheaper statement for the count."""

    select: Select
    timer: Any
    count: Select
    by_deadline: bool = False


def _running_or_late(timer: Any):
    """The predicate of the partial index ix_sla_timers_running_or_late, with literals: a bound
    parameter does not let SQLite, nor a generic plan on PostgreSQL, use a partial index."""
    return or_(timer.state == literal_column("'running'"), timer.late.is_(True))


def _filtered(f: ApplicationFilter, now: datetime) -> _Query:
    timer = aliased(SlaTimer)
    timer_conditions: list = []
    if f.overdue is not None:
        is_overdue = or_(and_(timer.state == TimerState.RUNNING, timer.due_at <= now),
                         and_(timer.state == TimerState.DONE, timer.late.is_(True)))
        # Overdue: the running or late application timers, a few rows however long the
        # history, read from their index in deadline order.
        timer_conditions += [_running_or_late(timer), is_overdue] if f.overdue else [~is_overdue]
    if f.due_before:
        timer_conditions += [timer.due_at < f.due_before,
                             timer.state.in_([TimerState.RUNNING, TimerState.PAUSED])]
    if f.completed_from or f.completed_until:
        timer_conditions.append(timer.state == TimerState.DONE)
        if f.completed_from:
            timer_conditions.append(timer.completed_at >= f.completed_from)
        if f.completed_until:
            timer_conditions.append(timer.completed_at < f.completed_until)

    app_conditions: list = []
    if f.flow:
        app_conditions.append(Application.flow_code == f.flow)
    if f.status:
        app_conditions.append(Application.status == AppStatus(f.status))
    if f.department or f.step:
        # A cancelled application has no current step, whatever its step rows still say.
        app_conditions.append(Application.status != AppStatus.CANCELLED)
        active = select(StepRecord.id).where(StepRecord.application_id == Application.id,
                                             OPEN_STEP)
        if f.department:
            active = active.where(StepRecord.department_code == f.department)
        if f.step:
            active = active.where(StepRecord.code == f.step)
        app_conditions.append(exists(active))
    if f.due_today:
        app_conditions.append(exists(due_today_timers(now).where(
            SlaTimer.application_id == Application.id)))
    matches = contains_text(f.text, Application.number, Application.customer_name,
                            Application.contact_name, Application.contact_phone,
                            Application.address)
    if matches is not None:
        app_conditions.append(matches)

    if timer_conditions:
        # Each application has exactly one timer of its own. Joined by application id, the
        # database can walk the timer index and look each application up by its key.
        own_timer = and_(timer.application_id == Application.id,
                         timer.subject_type == SubjectType.APPLICATION)
        query = select(Application).join(timer, own_timer)
    else:
        query = select(Application).join(timer, Application.timer_id == timer.id, isouter=True)
    query = query.where(*timer_conditions, *app_conditions)
    if timer_conditions and not app_conditions:
        # Only the timers decide: count them alone (one per application) rather than the join.
        count = select(func.count()).select_from(timer).where(
            timer.subject_type == SubjectType.APPLICATION, *timer_conditions)
    else:
        count = query.with_only_columns(func.count(Application.id))
    return _Query(query, timer, count, by_deadline=bool(f.overdue or f.due_before))


def due_today_timers(moment: datetime) -> Select:
    """The running deadlines of applications and their steps later today: the list behind
    the dashboard's "due today" tile (services.dashboard._due_today counts the same)."""
    return select(SlaTimer.id).where(
        SlaTimer.subject_type.in_((SubjectType.APPLICATION, SubjectType.STEP)),
        due_predicate("today", moment))


# A list row shows the application's own deadline and its current steps: load each page's
# steps (code and status) and pauses in one query apiece, without their timers and people (a
# list never shows them; joining them made every page load a user row per step), and the flow
# versions once each (joined, every row decoded the whole flow definition again).
LIST_LOADING = (
    selectinload(Application.flow_version),
    selectinload(Application.steps).options(load_only(StepRecord.code, StepRecord.status,
                                                      StepRecord.position),
                                            lazyload(StepRecord.timer),
                                            lazyload(StepRecord.started_by),
                                            lazyload(StepRecord.completed_by)),
    selectinload(Application.pauses).options(lazyload(Pause.started_by),
                                             lazyload(Pause.ended_by)),
)


def list_applications(f: ApplicationFilter, now: datetime, page: int, per_page: int
                      ) -> tuple[list[Application], int]:
    """One page of applications (soonest deadline first when filtering overdue/due) and the total.

    The number of statements does not depend on per_page (benchmarks/bench_api.py checks it).
    """
    q = _filtered(f, now)
    total = db.session.scalar(q.count)
    if q.by_deadline:
        order = (q.timer.due_at.asc(), Application.id.asc())
    else:
        order = (Application.accepted_at.desc(), Application.id.desc())
    # The timer joined for the filter is the one loaded (one join, not two).
    loading = (contains_eager(Application.timer.of_type(q.timer)), *LIST_LOADING)
    items = db.session.scalars(q.select.options(*loading).order_by(*order)
                               .offset((page - 1) * per_page).limit(per_page)).unique().all()
    return list(items), int(total or 0)


def iter_applications(f: ApplicationFilter, now: datetime, batch: int = 500):
    """All matching applications in batches (CSV export without loading everything)."""
    q = _filtered(f, now)
    query = q.select.options(contains_eager(Application.timer.of_type(q.timer))).order_by(
        Application.accepted_at.desc(), Application.id.desc())
    offset = 0
    while True:
        rows = db.session.scalars(query.offset(offset).limit(batch)).unique().all()
        if not rows:
            return
        yield from rows
        offset += batch
        db.session.expunge_all()


# --- the same customer at the same address, still open --------------------------------------

def same_words(text: str | None) -> str:
    """How a name or an address is compared: trimmed, every run of spaces made one."""
    return " ".join((text or "").split())


def _without_spaces(column: Any) -> Any:
    for space in (" ", "\u3000", "\t"):
        column = func.replace(column, space, "")
    return column


def open_duplicates(customer_name: str, address: str, *,
                    exclude: int | None = None) -> list[Application]:
    """Open applications of the same customer at the same address (a clerk registering it a
    second time), oldest first; none when either is blank. Compared after trimming and
    collapsing spaces: SQL narrows by the text without spaces, Python compares exactly."""
    name, place = same_words(customer_name), same_words(address)
    if not name or not place:
        return []
    query = (select(Application)
             .where(Application.status == AppStatus.OPEN,
                    _without_spaces(Application.customer_name) == "".join(name.split()),
                    _without_spaces(Application.address) == "".join(place.split()))
             .options(lazyload("*"))
             .order_by(Application.accepted_at, Application.id))
    if exclude is not None:
        query = query.where(Application.id != exclude)
    return [app for app in db.session.scalars(query)
            if same_words(app.customer_name) == name and same_words(app.address) == place]


def backdated_among(application_ids: list[int]) -> set[int]:
    """The applications among these that have a step entered after the fact (补录): one query,
    for a list page's marker."""
    if not application_ids:
        return set()
    return set(db.session.scalars(
        select(StepRecord.application_id).distinct()
        .where(StepRecord.application_id.in_(application_ids), StepRecord.backdated.is_(True))))
