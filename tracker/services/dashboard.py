"""The connection team's dashboard (营商报装专班): open work, due today, overdue, this month's
on-time rate and working days per flow, the callback rate, and the last 12 months. The
per-flow figures and the callback rate are defined once, in `services.figures`, which the
monthly report uses too.

Every figure is aggregated in SQL over the open applications (their status index), the open
steps (a partial index), the running timers of one kind of duty (`subject_type, state, due_at`)
or one month of completions (`subject_type, completed_at`), so the number of queries is fixed
and the work does not grow with the history. Months that closed
before the back-dating window cannot change any more; their chart figures are kept per
application process. The whole set of figures is kept for at most a minute, and recomputed at
once when anything is recorded (the event log's latest id moves): every screen polls it each
minute, and nothing it shows is finer than a minute.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from flask import current_app
from sqlalchemy import and_, case, func, literal, literal_column, or_, select, union_all
from sqlalchemy.orm import aliased

from ..extensions import db
from ..localtime import LOCAL
from ..models import (
    Application,
    AppStatus,
    Event,
    SlaTimer,
    StepRecord,
    SubjectType,
    TimerState,
)
from ..models.applications import OPEN_STEP
from ..settings import settings
from ..sla import WorkingClock
from ..steps import FlowDefinition
from . import dashboard_store
from .department_figures import DepartmentFigures, department_figures
from .figures import CallbackCounts, FlowFigures, callback_counts, day_unit, used_days
from .flows import current_versions, definition_of
from .pause_scope import ScopedPause, intervals_for, pauses_by_application
from .work import OPEN_TIMER, due_predicate

OPEN_STATES = (TimerState.RUNNING, TimerState.PAUSED)
DUTY_SUBJECTS = (SubjectType.APPLICATION, SubjectType.STEP)
# A running timer, written as the predicate of ix_sla_timers_running (a bound state would
# not let SQLite, nor PostgreSQL's generic plan, use the partial index).
RUNNING = SlaTimer.state == literal_column(f"'{TimerState.RUNNING.value}'")
LIST_LIMIT = 20  # rows per list; the applications list has them all
MONTHS = 12
# How old the stored figures may be when a worker that holds none yet (a new process) serves
# them while they are recomputed after its response. The page says when its figures were
# computed ("Updated HH:MM:SS") and asks again every minute (web.dashboard.REFRESH_SECONDS);
# a worker already serves the figures before while another recomputes (up to the store's
# LEASE). Two minutes is two refreshes: a screen that polls the dashboard sees nothing older
# than it would if its request had reached a worker with figures kept.
RECENT = timedelta(minutes=2)


# --- result types -------------------------------------------------------------------------

@dataclass
class FlowOpen:
    code: str
    open: int = 0
    overdue: int = 0
    due_today: int = 0
    paused: int = 0


@dataclass
class StepOpen:
    flow: str
    step: str
    department: str
    position: int
    open: int = 0
    not_started: int = 0
    overdue: int = 0
    due_today: int = 0


@dataclass
class Duty:
    """One timed duty (a whole application or one of its steps) for a list."""

    application_id: int
    number: str
    flow: str
    customer: str
    step: str | None  # None: the whole application
    department: str
    due_at: datetime
    over_seconds: int = 0
    remaining_seconds: int = 0


@dataclass
class OverdueApplication:
    application_id: int
    number: str
    flow: str
    customer: str
    duties: list[Duty] = field(default_factory=list)

    @property
    def worst_over_seconds(self) -> int:
        return max(d.over_seconds for d in self.duties)


@dataclass
class FlowMonth(FlowFigures):
    """A flow's figures this month (services.figures) against its on-time target."""

    target: float = 1.0

    @property
    def meets_target(self) -> bool | None:
        rate = self.rate
        return None if rate is None else rate + 1e-9 >= self.target


@dataclass
class Completion:
    application_id: int
    number: str
    flow: str
    customer: str
    completed_at: datetime
    late: bool


@dataclass(frozen=True)
class MonthPoint:
    month: str  # YYYY-MM
    accepted: int
    completed: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.completed if self.completed else None


@dataclass
class Dashboard:
    now: datetime
    month: str
    flows: dict[str, FlowDefinition]
    open_by_flow: list[FlowOpen]
    open_by_step: list[StepOpen]
    overdue_applications: int  # whose whole limit has passed
    overdue_steps: int
    overdue_any: int  # applications with any overdue duty: the whole limit or a step's
    overdue: list[OverdueApplication]
    due_today_total: int
    due_today: list[Duty]
    month_by_flow: list[FlowMonth]
    recent: list[Completion]
    callbacks_due: int
    callbacks_done: int
    series: list[MonthPoint]
    by_department: list[DepartmentFigures] = field(default_factory=list)
    due_today_applications: int = 0  # applications with a deadline later today: the tile

    @property
    def callback_rate(self) -> float | None:
        """回访率, as services.figures.callback_counts defines it."""
        return CallbackCounts(self.callbacks_due, self.callbacks_done, 0).rate

    @property
    def open_total(self) -> int:
        return sum(f.open for f in self.open_by_flow)


# --- time helpers -------------------------------------------------------------------------

def month_start(day: date) -> datetime:
    """00:00 Beijing time on the first of day's month, as an aware instant."""
    return datetime.combine(day.replace(day=1), time(0), tzinfo=LOCAL)


def add_months(start: datetime, n: int) -> datetime:
    month0 = start.year * 12 + start.month - 1 + n
    return datetime(month0 // 12, month0 % 12 + 1, 1, tzinfo=LOCAL)


def _end_of_local_day(now: datetime) -> datetime:
    day = now.astimezone(LOCAL).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=LOCAL)


def _settled(month_end: datetime, now: datetime, clock: WorkingClock) -> bool:
    """A month is settled once its end lies beyond the back-dating window: nothing recorded
    from now on can fall inside it."""
    days = settings().backdate_working_days
    window = clock.working_day_length * days
    return month_end <= now and clock.working_time_between(month_end, now) > window


# --- the dashboard ------------------------------------------------------------------------

_board_lock = threading.Lock()


def data_version() -> int:
    """The latest event id: every recorded change (applications, steps, pauses, closures,
    callbacks) moves it. One primary-key lookup."""
    return int(db.session.scalar(select(func.max(Event.id))) or 0)


def current_dashboard(now: datetime, clock: Callable[[], WorkingClock],
                      later: Callable[[Callable[[], Any]], None] | None = None) -> Dashboard:
    """The dashboard at `now`: the figures computed within the same minute are reused unless a
    change was recorded since. `clock` is called only when the figures are recomputed.

    `later(job)`, when given, runs `job` outside the request (after the response): a worker
    that holds no figures yet (a new process) then serves the stored ones if they are at
    most RECENT old and has them recomputed by `job` (stale while revalidate); older ones
    are recomputed in the request, as without `later`."""
    key = _key(now)
    store = current_app.extensions.setdefault("tracker_dashboard_board", {})
    cached = store.get("board")
    if cached is not None and cached[0] == key:
        return cached[1]
    def build() -> Dashboard:
        return build_dashboard(now, clock())

    if cached is None and later is not None:
        def build_and_keep() -> Dashboard:
            board = build()
            with _board_lock:
                store["board"] = (key, board)
            return board

        served = dashboard_store.recent_or_none(
            key, build_and_keep, lambda board: _recent(board, now), later)
        if served is not None:
            with _board_lock:
                store.setdefault("board", (served[1], served[0]))
            return served[0]
    # Shared by the workers: one of them recomputes, the others serve the figures before.
    previous, previous_key = (cached[1], cached[0]) if cached is not None else (None, None)
    board, made_for = dashboard_store.shared(key, build, previous, previous_key)
    if made_for == key:
        with _board_lock:
            store["board"] = (key, board)
    return board


def _key(now: datetime) -> str:
    """What the figures are computed for: the event log's latest id and the minute."""
    minute = now.astimezone(LOCAL).replace(second=0, microsecond=0)
    return f"{data_version()}@{minute.isoformat()}"


def prepare_at_start(now: datetime, clock: WorkingClock) -> bool:
    """At a worker's start (web.warm): the figures computed once, for what that leaves in the
    process (statements compiled, this month's worked days and the settled months kept), and
    stored for the workers unless the stored ones are already for `now`'s key or another
    worker is computing them (the store's lease); whether they were stored. They are not
    kept as this worker's: its first dashboard serves the stored figures while they are
    RECENT (current_dashboard), as any new worker does, instead of computing them in the
    request after a start (67x the log-in page at 1M applications: the open set's figures)."""
    key = _key(now)
    return dashboard_store.offer(key, build_dashboard(now, clock))


def _recent(board: Any, now: datetime) -> bool:
    """Whether stored figures may be served to a new process while they are recomputed."""
    return isinstance(board, Dashboard) and now - board.now <= RECENT


def build_dashboard(now: datetime, clock: WorkingClock) -> Dashboard:
    """All figures of the dashboard at `now` (a fixed number of queries)."""
    flows = {code: definition_of(row) for code, row in current_versions().items()}
    start = month_start(now.astimezone(LOCAL).date())
    end_today = _end_of_local_day(now)
    open_by_flow = _open_by_flow(now, end_today)
    open_by_step = _open_by_step(now, end_today, flows)
    overdue = _overdue(now, clock)
    due_today_total, due_today_applications, due_today = _due_today(now, clock)
    series, month_rows = _series(now, start, clock)
    return Dashboard(
        now=now, month=start.strftime("%Y-%m"), flows=flows,
        open_by_flow=_ordered(open_by_flow, flows),
        open_by_step=open_by_step,
        overdue_applications=sum(f.overdue for f in open_by_flow.values()),
        overdue_steps=sum(s.overdue for s in open_by_step),
        overdue_any=_overdue_applications(now), overdue=overdue,
        due_today_total=due_today_total, due_today=due_today,
        month_by_flow=_month_by_flow(month_rows, start, flows, clock),
        recent=_recent_completions(),
        callbacks_due=(callbacks := callback_counts(start, now)).due,
        callbacks_done=callbacks.done,
        series=series,
        by_department=department_figures(now),
        due_today_applications=due_today_applications,
    )


def _ordered(by_code: dict[str, FlowOpen], flows: dict[str, FlowDefinition]) -> list[FlowOpen]:
    codes = list(flows) + sorted(c for c in by_code if c not in flows)
    return [by_code.get(code) or FlowOpen(code) for code in codes]


def _open_by_flow(now: datetime, end_today: datetime) -> dict[str, FlowOpen]:
    """Open applications per flow with their whole-application clocks, from two small
    partial indexes alone: the open applications' (id, flow, clock) (ix_applications_open)
    met by hash with the open timers' (ix_sla_timers_open). Only an open clock is counted
    (running or paused), so the join asks for open ones: a pk lookup per open application
    was 37 ms at 1M applications (issue 15)."""
    running = SlaTimer.state == TimerState.RUNNING
    rows = db.session.execute(
        select(Application.flow_code, func.count(),
               func.sum(case((and_(running, SlaTimer.due_at <= now), 1), else_=0)),
               func.sum(case((and_(running, SlaTimer.due_at > now, SlaTimer.due_at < end_today),
                              1), else_=0)),
               func.sum(case((SlaTimer.state == TimerState.PAUSED, 1), else_=0)))
        .select_from(Application)
        .outerjoin(SlaTimer, and_(SlaTimer.id == Application.timer_id, OPEN_TIMER))
        .where(OPEN_APPLICATION)
        .group_by(Application.flow_code))
    return {code: FlowOpen(code, int(n), int(late or 0), int(today or 0), int(paused or 0))
            for code, n, late, today, paused in rows}


def _open_by_step(now: datetime, end_today: datetime,
                  flows: dict[str, FlowDefinition]) -> list[StepOpen]:
    """Open steps (ready or started) per flow and step, from the open-steps partial index;
    the paperwork after water on (system entry, archive) counts until it is done."""
    running = SlaTimer.state == TimerState.RUNNING
    # The application's flow from the open applications' partial index (met by hash, like
    # the open timers'); only a step whose application is not open (done, its paperwork
    # left; or cancelled) looks its application up by key. Joined with the whole
    # applications table, PostgreSQL hashed all of it; looked up by key for every open step
    # (two correlated subqueries), 4,833 open steps cost 58,000 buffers (61 ms) at 1M.
    opened = aliased(Application, name="open_application")
    flow = func.coalesce(opened.flow_code, _of_step_application(Application.flow_code)) \
        .label("flow_code")
    rows = db.session.execute(
        select(flow, StepRecord.code, StepRecord.department_code,
               func.min(StepRecord.position), func.count(),
               # No clock (the timer_id is a foreign key: the same as no timer joined).
               func.sum(case((StepRecord.timer_id.is_(None), 1), else_=0)),
               func.sum(case((and_(running, SlaTimer.due_at <= now), 1), else_=0)),
               func.sum(case((and_(running, SlaTimer.due_at > now, SlaTimer.due_at < end_today),
                              1), else_=0)))
        .select_from(StepRecord)
        .outerjoin(opened, and_(opened.id == StepRecord.application_id,
                                _open_application(opened)))
        # Only an open (running) clock is counted: the open timers' partial index.
        .outerjoin(SlaTimer, and_(SlaTimer.id == StepRecord.timer_id, OPEN_TIMER))
        .where(OPEN_STEP, or_(opened.id.is_not(None),
                              _of_step_application(Application.status) != AppStatus.CANCELLED))
        .group_by(flow, StepRecord.code, StepRecord.department_code))
    result = [StepOpen(flow, step, dept, int(pos), int(n), int(waiting or 0), int(late or 0),
                       int(today or 0))
              for flow, step, dept, pos, n, waiting, late, today in rows]
    order = {code: i for i, code in enumerate(flows)}
    result.sort(key=lambda s: (order.get(s.flow, len(order)), s.flow, s.position))
    return result


def _open_application(model: Any) -> Any:
    """An open application, the predicate of ix_applications_open written as a literal."""
    return model.status == literal_column(f"'{AppStatus.OPEN.value}'")


OPEN_APPLICATION = _open_application(Application)


def _of_step_application(column: Any) -> Any:
    """`column` of the open step's application, as a subquery on its primary key."""
    return select(column).where(Application.id == StepRecord.application_id) \
        .correlate(StepRecord).scalar_subquery()


def _duty_rows(where: Any, limit: int) -> list:
    """Timed duties (whole applications, then steps) matching `where`, soonest deadline first.

    One branch per kind of duty: with the kind fixed, the (kind, state, due_at) index gives the
    order and never walks other kinds of timers (stale callbacks, say). The branches go out as
    one statement (UNION ALL): a recompute is paid in round trips more than in SQL."""
    branches = [
        select(SlaTimer.application_id, Application.number, Application.flow_code,
               Application.customer_name, SlaTimer.subject_type, SlaTimer.step_code,
               SlaTimer.department_code, SlaTimer.due_at, SlaTimer.id)
        .join(Application, Application.id == SlaTimer.application_id)
        .where(where, SlaTimer.subject_type == subject)
        .order_by(SlaTimer.due_at.asc(), SlaTimer.id.asc()).limit(limit).subquery()
        for subject in DUTY_SUBJECTS]
    rows = db.session.execute(union_all(*(select(*branch.c) for branch in branches))).all()
    rows.sort(key=lambda r: (r.due_at, r.id))
    return rows[:limit]


def _pauses_of(app_ids: set[int]) -> dict[int, list[ScopedPause]]:
    # Asked even for no applications: the page's query count stays the same whatever the data.
    return pauses_by_application(sorted(app_ids))


def _overdue(now: datetime, clock: WorkingClock) -> list[OverdueApplication]:
    """The most overdue applications (their overdue duties each), worst first."""
    rows = _duty_rows(and_(SlaTimer.state == TimerState.RUNNING, SlaTimer.due_at <= now),
                      LIST_LIMIT * 3)
    pauses = _pauses_of({r.application_id for r in rows})
    by_app: dict[int, OverdueApplication] = {}
    for r in rows:
        closed = [(s, e if e is not None else now) for s, e, _ in intervals_for(
            pauses.get(r.application_id, []), r.subject_type, r.step_code)]
        over = int(clock.working_time_between(r.due_at, now, closed).total_seconds())
        item = by_app.get(r.application_id)
        if item is None:
            if len(by_app) >= LIST_LIMIT:
                continue
            item = by_app[r.application_id] = OverdueApplication(
                r.application_id, r.number, r.flow_code, r.customer_name)
        item.duties.append(Duty(r.application_id, r.number, r.flow_code, r.customer_name,
                                None if r.subject_type is SubjectType.APPLICATION else r.step_code,
                                r.department_code, r.due_at, over_seconds=max(0, over)))
    for item in by_app.values():
        item.duties.sort(key=lambda d: (d.step is not None, -d.over_seconds))
    return sorted(by_app.values(), key=lambda a: -a.worst_over_seconds)


def _overdue_applications(now: datetime) -> int:
    """How many applications have an overdue duty (a branch per kind of duty, on its index;
    the branches in one statement, counted by the database: at 1M applications 4,000 ids
    came back to be put in a set)."""
    ids = union_all(*(
        select(SlaTimer.application_id.label("application_id"))
        .where(SlaTimer.subject_type == subject, RUNNING, SlaTimer.due_at <= now)
        for subject in DUTY_SUBJECTS)).subquery()
    return int(db.session.scalar(select(func.count(func.distinct(ids.c.application_id))))
               or 0)


def _due_today(now: datetime, clock: WorkingClock) -> tuple[int, int, list[Duty]]:
    """The deadlines of applications and steps later today: how many, of how many
    applications (the tile, and the application list's due=today), and the soonest."""
    where = due_predicate("today", now)
    total, apps = db.session.execute(
        select(func.count(), func.count(func.distinct(SlaTimer.application_id)))
        .select_from(SlaTimer).where(where, SlaTimer.subject_type.in_(DUTY_SUBJECTS))).one()
    duties = []
    for r in _duty_rows(where, LIST_LIMIT):
        left = int(clock.working_time_between(now, r.due_at).total_seconds())
        duties.append(Duty(r.application_id, r.number, r.flow_code, r.customer_name,
                           None if r.subject_type is SubjectType.APPLICATION else r.step_code,
                           r.department_code, r.due_at, remaining_seconds=max(0, left)))
    return int(total or 0), int(apps or 0), duties


def _done_app_timers(live: list[datetime]):
    """This and the other live months' completed application timers: ids, flow, lateness and
    budget, and the index of the month each fell in (no instants: they are costly to read)."""
    bounds = live[1:]
    month = sum((case((SlaTimer.completed_at >= b, 1), else_=0) for b in bounds), literal(0)) \
        if bounds else literal(0)
    return db.session.execute(
        select(SlaTimer.id, SlaTimer.application_id, SlaTimer.flow_code, SlaTimer.late,
               SlaTimer.budget_seconds, month.label("month"), SlaTimer.round_the_clock)
        .where(SlaTimer.completed_at >= live[0], SlaTimer.state == TimerState.DONE,
               SlaTimer.subject_type == SubjectType.APPLICATION)).all()


def _worked_days(rows: list, since: datetime, clock: WorkingClock) -> dict[int, float]:
    """Working days from start to completion, pauses excluded, per done application timer.

    A completed application's span and pauses never change (a completed application cannot be
    paused), so each is computed once per process and clock; after the first request of a
    month only the new completions are read. Two queries either way, even when none is new."""
    store = current_app.extensions.setdefault("tracker_dashboard_worked", {})
    if store.get("clock") is not clock:  # closures changed: working time is measured anew
        store.clear()
        store["clock"] = clock
    known: dict[int, float] = store.setdefault("days", {})
    new = [r for r in rows if r.id not in known]
    # Asked even when nothing is new (an empty IN): whether this month has completions yet
    # must not change the number of statements (issue 15: 21 at 1k, 23 at 5k applications).
    if len(new) <= 500:
        which = SlaTimer.id.in_([r.id for r in new])
        apps: Any = [r.application_id for r in new]
    else:  # the month's first request: all of them, selected as the rows were
        which = and_(SlaTimer.completed_at >= since, SlaTimer.state == TimerState.DONE,
                     SlaTimer.subject_type == SubjectType.APPLICATION)
        apps = select(SlaTimer.application_id).where(which)
    spans = db.session.execute(
        select(SlaTimer.id, SlaTimer.application_id, SlaTimer.started_at,
               SlaTimer.completed_at, SlaTimer.round_the_clock).where(which)).all()
    pauses = pauses_by_application(apps)
    for r in spans:
        known[r.id] = used_days(clock, r.started_at, r.completed_at, r.round_the_clock,
                                intervals_for(pauses.get(r.application_id, []),
                                              SubjectType.APPLICATION, None))
    current = {r.id for r in rows}
    for stale in [k for k in known if k not in current]:  # keep only this month's
        del known[stale]
    return known


def _month_by_flow(rows: list, since: datetime, flows: dict[str, FlowDefinition],
                   clock: WorkingClock) -> list[FlowMonth]:
    """On-time rate and working days (average, P90) of this month's completions per flow."""
    worked = _worked_days(rows, since, clock)
    stats = {code: FlowMonth(code, target=flow.target_on_time_rate) for code, flow in flows.items()}
    for row in rows:
        item = stats.get(row.flow_code)
        if item is None:
            item = stats[row.flow_code] = FlowMonth(row.flow_code)
        item.add(worked[row.id], row.budget_seconds / day_unit(clock, row.round_the_clock),
                 row.late)
    return list(stats.values())


def _recent_completions(limit: int = 10) -> list[Completion]:
    rows = db.session.execute(
        select(SlaTimer.application_id, Application.number, Application.flow_code,
               Application.customer_name, SlaTimer.completed_at, SlaTimer.late)
        .join(Application, Application.id == SlaTimer.application_id)
        .where(SlaTimer.completed_at.is_not(None), SlaTimer.state == TimerState.DONE,
               SlaTimer.subject_type == SubjectType.APPLICATION)
        .order_by(SlaTimer.completed_at.desc(), SlaTimer.id.desc()).limit(limit))
    return [Completion(*r) for r in rows]


# --- the last 12 months -------------------------------------------------------------------

_cache_lock = threading.Lock()


def _settled_store() -> dict[str, MonthPoint]:
    return current_app.extensions.setdefault("tracker_dashboard_months", {})


def _seed_settled(store: dict[str, MonthPoint], clock: WorkingClock) -> None:
    """A process that starts takes the settled months from the figures the workers stored
    last, rather than reading a year of applications and timers again (4.4 s of the first
    dashboard at 1M applications): a month that was settled when those figures were computed
    (at their `now`) cannot have changed since (_settled: nothing recorded later falls in
    it), so its point is the one this process would compute."""
    board = dashboard_store.stored()
    if not isinstance(board, Dashboard):
        return
    points = {}
    for point in board.series:
        if point.month in store:
            continue
        year, month = (int(part) for part in point.month.split("-"))
        start = datetime(year, month, 1, tzinfo=LOCAL)
        if _settled(add_months(start, 1), board.now, clock):
            points[point.month] = point
    if points:
        with _cache_lock:
            store.update(points)


def _series(now: datetime, this_month: datetime, clock: WorkingClock
            ) -> tuple[list[MonthPoint], list]:
    """Accepted, completed and on time per month for the last 12 months (oldest first), and
    the completion rows of this month. Settled months come from the process's store."""
    starts = [add_months(this_month, -i) for i in range(MONTHS - 1, -1, -1)]
    store = _settled_store()
    live_from = next((s for s in starts
                      if s.strftime("%Y-%m") not in store
                      and not _settled(add_months(s, 1), now, clock)), this_month)
    missing = [s for s in starts if s < live_from and s.strftime("%Y-%m") not in store]
    if missing:
        _seed_settled(store, clock)
        missing = [s for s in missing if s.strftime("%Y-%m") not in store]
    if missing:
        points = _month_points(missing, add_months(missing[-1], 1))
        with _cache_lock:
            store.update({p.month: p for p in points})
    live = [s for s in starts if s >= live_from]
    rows = _done_app_timers(live)
    accepted = _accepted_counts(live, add_months(live[-1], 1))
    done = [0] * len(live)
    on_time = [0] * len(live)
    this_index = live.index(this_month)
    this_month_rows = []
    for row in rows:
        month = row[5]
        done[month] += 1
        if not row[3]:
            on_time[month] += 1
        if month == this_index:
            this_month_rows.append(row)
    completed = {s.strftime("%Y-%m"): (done[i], on_time[i]) for i, s in enumerate(live)}
    series = []
    for s in starts:
        key = s.strftime("%Y-%m")
        if s < live_from:
            series.append(store[key])
        else:
            count, in_time = completed.get(key, (0, 0))
            series.append(MonthPoint(key, accepted.get(key, 0), count, in_time))
    return series, this_month_rows


def _bucket_sums(column: Any, starts: list[datetime], end: datetime, *extra: Any) -> list[Any]:
    bounds = starts + [end]
    sums = []
    for low, high in pairwise(bounds):
        inside = and_(column >= low, column < high)
        sums.append(func.sum(case((inside, 1), else_=0)))
        for condition in extra:
            sums.append(func.sum(case((and_(inside, condition), 1), else_=0)))
    return sums


def _accepted_counts(starts: list[datetime], end: datetime) -> dict[str, int]:
    row = db.session.execute(
        select(*_bucket_sums(Application.accepted_at, starts, end))
        .where(Application.accepted_at >= starts[0], Application.accepted_at < end)).one()
    return {s.strftime("%Y-%m"): int(v or 0) for s, v in zip(starts, row)}


def _month_points(starts: list[datetime], end: datetime) -> list[MonthPoint]:
    accepted = _accepted_counts(starts, end)
    row = db.session.execute(
        select(*_bucket_sums(SlaTimer.completed_at, starts, end, SlaTimer.late.is_(False)))
        .where(SlaTimer.completed_at >= starts[0], SlaTimer.completed_at < end,
               SlaTimer.state == TimerState.DONE,
               SlaTimer.subject_type == SubjectType.APPLICATION)).one()
    points = []
    for i, s in enumerate(starts):
        key = s.strftime("%Y-%m")
        points.append(MonthPoint(key, accepted[key], int(row[2 * i] or 0),
                                 int(row[2 * i + 1] or 0)))
    return points
