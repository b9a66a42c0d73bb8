"""Read-side queries: the filtered, paginated application list shared by the API and pages."""
from __future__ import annotations

import json
from collections import namedtuple
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, contains_eager, lazyload
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType, String

from ..extensions import db
from ..models import (
    Application,
    AppStatus,
    FlowVersion,
    Pause,
    SlaTimer,
    StepRecord,
    SubjectType,
    TimerState,
    User,
)
from ..models.applications import OPEN_STEP  # the predicate of ix_step_records_open
from . import tallies
from .pause_scope import ScopedPause
from .plain_reads import plain_rows
from .search import contains_bound, search_term
from .work import end_of_today


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
    """The filtered query, the timer alias it joins, a cheaper statement for the count, and
    the page's keys (`keys`, cut by :limit and :offset) in their order. The pages' statements
    are built when first asked for (a text search builds its statements per request, and
    each page asks for one of the three)."""

    select: Select
    timer: Any
    count: Select
    keys: Any
    order: tuple
    by_deadline: bool = False

    @cached_property
    def total(self) -> Any:
        """The page row's total: the keys' own window count when they carry one (a text
        search: _filtered), else the count statement as an uncorrelated subquery."""
        if "total" in self.keys.c:
            return self.keys.c.total
        return self.count.scalar_subquery()

    @cached_property
    def page(self) -> Select:
        """What a list row holds (_listed), ordered."""
        return _listed(self.keys, self.timer, self.total).order_by(*self.order)

    @cached_property
    def stored_page(self) -> Select:
        """The API's page: the values as stored (_listed with `stored`)."""
        return _listed(self.keys, self.timer, self.total, stored=True).order_by(*self.order)

    @cached_property
    def shown_page(self) -> Select:
        """The staff list's page: the columns its rows show (_listed with `shown`)."""
        return _listed(self.keys, self.timer, self.total, shown=True).order_by(*self.order)


def _running_or_late(timer: Any):
    """The predicate of the partial index ix_sla_timers_running_or_late, with literals: a bound
    parameter does not let SQLite, nor a generic plan on PostgreSQL, use a partial index."""
    return or_(timer.state == literal_column("'running'"), timer.late.is_(True))


# The application's own timer and its owner, aliased once: an alias made per request costs
# more than the list's SQL (each column is adapted again, and the statement's cache key too).
OWN_TIMER = aliased(SlaTimer, name="own_timer")
OWNER = aliased(User, name="owner")


def _params(f: ApplicationFilter, now: datetime) -> dict[str, Any]:
    """The values of a filter's bound parameters (the statement names them, _filtered)."""
    return {"now": now, "due_before": f.due_before, "flow": f.flow, "department": f.department,
            "step": f.step, "status": AppStatus(f.status) if f.status else None,
            "status_text": AppStatus(f.status).value if f.status else None,
            "today_end": end_of_today(now), "completed_from": f.completed_from,
            "completed_until": f.completed_until, "text": search_term(f.text)}


def _query(f: ApplicationFilter) -> _Query:
    """The statements of a filter. Its values are bound parameters, so the statements of a
    shape of filter (which fields are given) are built once per process and then reused with
    their compiled form and cache key: building them took as long as running them. A text
    search's term too is a parameter (services.search.contains_bound)."""
    return _shaped(f.overdue, *(bool(value) for value in (
        f.flow, f.status, f.due_before, f.department, f.step, f.due_today, f.completed_from,
        f.completed_until, search_term(f.text))))


@lru_cache(maxsize=64)
def _shaped(overdue: bool | None, flow: bool, status: bool, due_before: bool, department: bool,
            step: bool, due_today: bool = False, completed_from: bool = False,
            completed_until: bool = False, text: bool = False) -> _Query:
    given: Any = "given"  # a stand-in: _filtered only asks whether a value is there
    return _filtered(ApplicationFilter(
        flow=given if flow else None, status=given if status else None, overdue=overdue,
        due_before=given if due_before else None, department=given if department else None,
        step=given if step else None, due_today=due_today,
        completed_from=given if completed_from else None,
        completed_until=given if completed_until else None, text=given if text else None))


def _filtered(f: ApplicationFilter) -> _Query:
    timer = OWN_TIMER
    timer_conditions: list = []
    if f.overdue is not None:
        is_overdue = or_(and_(timer.state == TimerState.RUNNING, timer.due_at <= bindparam("now")),
                         and_(timer.state == TimerState.DONE, timer.late.is_(True)))
        # Overdue: the running or late application timers, a few rows however long the
        # history, read from their index in deadline order.
        timer_conditions += [_running_or_late(timer), is_overdue] if f.overdue else [~is_overdue]
    if f.due_before:
        timer_conditions += [timer.due_at < bindparam("due_before"),
                             timer.state.in_([TimerState.RUNNING, TimerState.PAUSED])]
    if f.completed_from or f.completed_until:
        timer_conditions.append(timer.state == TimerState.DONE)
        if f.completed_from:
            timer_conditions.append(timer.completed_at >= bindparam("completed_from"))
        if f.completed_until:
            timer_conditions.append(timer.completed_at < bindparam("completed_until"))

    app_conditions: list = []
    if f.flow:
        app_conditions.append(Application.flow_code == bindparam("flow"))
    if f.status:
        app_conditions.append(Application.status == bindparam("status"))
    if f.department or f.step:
        # A cancelled application has no current step, whatever its step rows still say.
        app_conditions.append(Application.status != AppStatus.CANCELLED)
        active = select(StepRecord.id).where(StepRecord.application_id == Application.id,
                                             OPEN_STEP)
        if f.department:
            active = active.where(StepRecord.department_code == bindparam("department"))
        if f.step:
            active = active.where(StepRecord.code == bindparam("step"))
        app_conditions.append(exists(active))
    if f.due_today:
        app_conditions.append(exists(due_today_timers().where(
            SlaTimer.application_id == Application.id)))
    if f.text:  # the term a bound parameter (_params): the statements kept for every term
        app_conditions.append(contains_bound(
            "text", Application.number, Application.customer_name, Application.contact_name,
            Application.contact_phone, Application.address))

    if timer_conditions:
        # Each application has exactly one timer of its own. Joined by application id, the
        # database can walk the timer index and look each application up by its key.
        own_timer = and_(timer.application_id == Application.id,
                         timer.subject_type == SubjectType.APPLICATION)
        query = select(Application).join(timer, own_timer)
    else:
        query = select(Application).join(timer, Application.timer_id == timer.id, isouter=True)
    query = query.where(*timer_conditions, *app_conditions)
    if f.overdue and len(timer_conditions) == 2 and not app_conditions:
        count = _overdue_count(timer)
    elif not timer_conditions and not (f.department or f.step or f.due_today or f.text):
        # Every application, or a flow's or a status's: history-wide sets, whose exact
        # count(*) read the whole table (260 ms at 1M applications); the triggers' tallies
        # give the same number from a few rows (services.tallies).
        count = tallies.list_total(flow=bool(f.flow), status=bool(f.status))
    elif timer_conditions and not app_conditions:
        # Only the timers decide: count them alone (one per application) rather than the join.
        count = select(func.count()).select_from(timer).where(
            timer.subject_type == SubjectType.APPLICATION, *timer_conditions)
    else:
        count = query.with_only_columns(func.count(Application.id))
    by_deadline = bool(f.overdue or f.due_before)
    if by_deadline:
        order = (timer.due_at.asc(), Application.id.asc())
    else:
        order = (Application.accepted_at.desc(), Application.id.desc())
    # The page's keys first (filtered, ordered, cut to the page), then what its rows show:
    # joined after the cut, the flow versions, owners and 补录 are read for 50 rows, not for
    # every matching one (PostgreSQL sorts all overdue rows before it takes the first 50).
    if timer_conditions and not app_conditions and by_deadline:
        # Only the timers decide and order: their index alone, no application looked up
        # before the page is cut (the timer's application_id is the application's id).
        if f.overdue and len(timer_conditions) == 2:
            timer_conditions = [_running_or_late(timer), _overdue_case(timer)]
        keys = (select(timer.application_id.label("app_id"), timer.id.label("timer_id"))
                .where(timer.subject_type == SubjectType.APPLICATION, *timer_conditions)
                .order_by(timer.due_at.asc(), timer.application_id.asc()))
    else:
        # With no timer condition the own timer is the application's timer_id (a foreign
        # key): no join to the timers for each candidate row.
        columns = [Application.id.label("app_id"),
                   (timer.id if timer_conditions else Application.timer_id).label("timer_id")]
        if f.text:
            # A search's matches are few and every one of them is read to order the page:
            # counted as they are read (a window over the same rows), not found a second
            # time by a count statement (at 1M applications each look-up reads the trigram
            # indexes' posting lists again). An empty page (past the end) still asks the
            # count statement.
            columns.append(func.count().over().label("total"))
        keys = (query.with_only_columns(*columns, maintain_column_froms=True) if timer_conditions
                else select(*columns).where(*app_conditions)).order_by(*order)
    keys = keys.limit(bindparam("limit")).offset(bindparam("offset")).subquery("page_keys")
    return _Query(query, timer, count, keys, order, by_deadline)


def _overdue_case(timer: Any) -> ColumnElement[bool]:
    """Overdue, as the overdue page's keys ask it: the same rows as the OR of running past
    the deadline and finished late, written so that the planner cannot answer it from
    bitmaps. Given the OR, PostgreSQL estimated a few dozen rows (36 of 1,007 at 20k
    applications), ORed two bitmaps of the partial index, visited every matching timer's
    heap page (865) and sorted them all for the first 50 (3-12 ms); given this, it walks
    ix_sla_timers_running_or_late in deadline order from the index alone and stops at the
    page's end (0.1 ms)."""
    return case((timer.state == literal_column("'running'"), timer.due_at <= bindparam("now")),
                else_=and_(timer.state == literal_column("'done'"), timer.late.is_(True)))


def _overdue_count(timer: Any) -> Select:
    """The overdue applications' count as the sum of its two disjoint halves: those running
    past the deadline, read from ix_sla_timers_kind_state_due (subject, state, deadline: the
    open set's running timers due by now, a few thousand entries however long the history),
    and those finished late, the triggers' tally `late_applications` (migration 0023:
    counted from the index, they were every late application of the history, 48,781 entries
    and ~20 ms at 1M). Counted as one OR, PostgreSQL had estimated ~2,000 of the 52,000 rows
    at 1M and visited 45,000 heap pages. The running half names no `late`: given the partial
    index's predicate too, PostgreSQL split it into an OR of two bitmaps, one of them every
    application timer due by now in ix_sla_timers_running_or_late (15 ms at 1M, against
    1.5 ms)."""
    running = (select(func.count()).select_from(timer)
               .where(timer.subject_type == SubjectType.APPLICATION,
                      timer.state == literal_column("'running'"),
                      timer.due_at <= bindparam("now"))
               .scalar_subquery())
    return select(running + tallies.total("late_applications").scalar_subquery())


def due_today_timers() -> Select:
    """The running deadlines of applications and their steps later today (:now up to
    :today_end, as services.work.due_predicate("today") reads them): the list behind the
    dashboard's "due today" tile (services.dashboard._due_today counts the same)."""
    return select(SlaTimer.id).where(
        SlaTimer.subject_type.in_((SubjectType.APPLICATION, SubjectType.STEP)),
        SlaTimer.state == TimerState.RUNNING, SlaTimer.due_at > bindparam("now"),
        SlaTimer.due_at < bindparam("today_end"))


# What a list row shows, read as plain rows (no ORM objects) in one statement: the
# application's columns, its flow version, its owner, whether a step was entered after the
# fact (补录), its pauses and its current steps (each a JSON array in the row), the total, and
# its own timer. Hydrating applications with their steps, pauses and flow versions cost
# 16-17x a plain SELECT of the same rows (benchmarks/bench_api.py); a query apiece for the
# pauses and the current steps cost a round trip each.
LISTED_COLUMNS = (
    Application.id, Application.number, Application.flow_code, Application.flow_version_id,
    Application.customer_type, Application.customer_name, Application.contact_name,
    Application.contact_phone, Application.address, Application.channel,
    Application.attributes, Application.accepted_at, Application.requested_at,
    Application.missing_materials, Application.materials_promised_on,
    Application.materials_supplied_at, Application.note, Application.status,
    Application.cancel_reason, Application.cancelled_at, Application.water_on_at,
    Application.completed_at, Application.version_id,
)
# What a row of the staff list shows of the application (services.presenters.ListedRow):
# the other columns cost the page their conversion (instants, enums, JSON) for nothing.
SHOWN_COLUMNS = (
    Application.id, Application.number, Application.flow_code, Application.flow_version_id,
    Application.customer_name, Application.accepted_at, Application.missing_materials,
    Application.status,
)
# The timer's fields its description needs (services.timers.describe, sla_fields.timer_fields).
TIMER_COLUMNS = ("id", "subject_type", "step_code", "limit", "round_the_clock", "started_at",
                 "budget_seconds", "due_at", "warn_at", "provisional", "state", "completed_at",
                 "late")
# A list row's own timer: its columns, named as SlaTimer's (the last ones of the page's row).
ListedTimer = namedtuple("ListedTimer", TIMER_COLUMNS)
_TIMER_FROM = -len(TIMER_COLUMNS)


class utc_text(FunctionElement):
    """An instant as UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff' (datetime.fromisoformat reads it),
    inside a JSON aggregate: PostgreSQL would write a timestamptz in the session's zone."""

    type = String()
    inherit_cache = True


@compiles(utc_text)
def _utc_text_sqlite(element: utc_text, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # stored as naive UTC text already


@compiles(utc_text, "postgresql")
def _utc_text_pg(element: utc_text, compiler: Any, **kw: Any) -> str:
    return (f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD HH24:MI:SS.US')")


class json_rows(FunctionElement):
    """A JSON array of one JSON array per row (json_group_array / json_agg); its values are
    the arguments, in order. Neither keeps an order SQLite 3.40 can be told: callers give
    the sort keys and sort the decoded rows."""

    type = String()
    inherit_cache = True


@compiles(json_rows)
def _json_rows_sqlite(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_pg(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


class json_value(FunctionElement):
    """A JSON column's value embedded as JSON in json_rows (SQLite keeps it as text)."""

    type = String()
    inherit_cache = True


@compiles(json_value)
def _json_value_sqlite(element: json_value, compiler: Any, **kw: Any) -> str:
    return f"json({compiler.process(element.clauses, **kw)})"


@compiles(json_value, "postgresql")
def _json_value_pg(element: json_value, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


def _pauses_json() -> ColumnElement:
    """The application's pauses as [[started, ended, stops_application, stopped_steps,
    reason, id], …] (UTC text instants), or NULL when it has none."""
    return (select(json_rows(utc_text(Pause.started_at), utc_text(Pause.ended_at),
                             Pause.stops_application, json_value(Pause.stopped_steps),
                             Pause.reason_code, Pause.id))
            .where(Pause.application_id == Application.id)
            .correlate(Application).scalar_subquery())


def _current_json() -> ColumnElement:
    """The application's ready or started steps as [[position, code], …], or NULL."""
    return (select(json_rows(StepRecord.position, StepRecord.code))
            .where(StepRecord.application_id == Application.id, OPEN_STEP)
            .correlate(Application).scalar_subquery())


def decode_pauses(text: Any) -> list[ScopedPause]:
    """The pauses column of a list row (_pauses_json) as ScopedPauses, oldest first."""
    if text is None or text == "[]":  # none (SQLite aggregates no rows to "[]")
        return []
    found = json.loads(text) if isinstance(text, str) else text
    if not found:
        return []
    if len(found) > 1:
        found.sort(key=lambda p: (p[0], p[5]))
    parse = datetime.fromisoformat
    return [ScopedPause(parse(start).replace(tzinfo=UTC),
                        None if end is None else parse(end).replace(tzinfo=UTC),
                        bool(stops), tuple(steps or ()), reason)
            for start, end, stops, steps, reason, _id in found]


def decode_current(text: Any) -> list[str]:
    """The current steps column of a list row (_current_json): their codes in flow order."""
    if text is None or text == "[]":
        return []
    found = json.loads(text) if isinstance(text, str) else text
    if not found:
        return []
    if len(found) > 1:
        found.sort()
    return [code for _position, code in found]


@dataclass(slots=True)
class ListedApplication:
    """One row of an application list: its columns (`row`, named as Application's, plus
    `flow_version`, `content_hash`, `owner_username`, `owner_display`, `backdated`), its own
    timer's columns (None when it has none), its pauses and its current steps' codes."""

    row: Any
    timer: Any
    pauses: list[ScopedPause]
    current_steps: list[str]

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def number(self) -> str:
        return self.row.number


def _listed(keys: Any, timer: Any, total: Any, *, stored: bool = False,
            shown: bool = False) -> Select:
    """What a list row shows, for the applications and timers named by `keys`: one flat row,
    the application's columns under their names, `total` (_Query.total: the count statement
    as an uncorrelated subquery the database runs once, one round trip less per page, or the
    keys' window count), then the
    timer's (labelled `timer_<name>`, TIMER_COLUMNS in order, last). Run on the connection
    (plain_reads), not through the ORM's row loading: that took longer than the query.

    `stored`: every value as the driver gives it (StoredForms reads them), without
    `backdated` (the API does not show it): the columns' types converted each value of each
    row (instants, enums, JSON, booleans), a third of the API list's time, for values the
    API turns into text again.

    `shown`: only the columns the staff list shows (SHOWN_COLUMNS, without `flow_version`;
    the timer's limit NULL)."""
    owner = OWNER
    columns = [*SHOWN_COLUMNS] if shown else [*LISTED_COLUMNS,
                                              FlowVersion.version.label("flow_version")]
    columns += [FlowVersion.content_hash, owner.username.label("owner_username"),
                owner.display_name.label("owner_display")]
    if not stored:
        columns.append(exists(select(StepRecord.id).where(
            StepRecord.application_id == Application.id,
            StepRecord.backdated.is_(True))).label("backdated"))
    columns += [_pauses_json().label("pauses"), _current_json().label("current"),
                total.label("total"),
                # The staff list's rows read no limit (describe does not): NULL, not a
                # JSON value parsed per row.
                *((null() if shown and name == "limit" else getattr(timer, name))
                  .label(f"timer_{name}") for name in TIMER_COLUMNS)]
    if stored:
        columns = [type_coerce(column, NullType()).label(column.key) for column in columns]
    return (select(*columns)
            .select_from(keys)
            .join(Application, Application.id == keys.c.app_id)
            .outerjoin(timer, timer.id == keys.c.timer_id)
            .join(FlowVersion, FlowVersion.id == Application.flow_version_id)
            .outerjoin(owner, owner.id == Application.owner_id))


def list_rows(f: ApplicationFilter, now: datetime, page: int, per_page: int
              ) -> tuple[list[Any], int]:
    """One page of list rows as the database gives them (_listed: the pauses and current
    steps as JSON columns) and the total, in one statement (two for an empty page)."""
    q, params = _query(f), _params(f, now)
    rows = plain_rows(q.page, {**params, "limit": per_page,
                                "offset": (page - 1) * per_page}).all()
    total = rows[0].total if rows else plain_rows(q.count, params).scalar()
    return rows, int(total or 0)


def _utc_instant(text: str | None) -> datetime | None:
    # SQLite keeps an instant as naive UTC text (models.base.UTCDateTime), in the form
    # datetime.fromisoformat reads: what the column's type would have returned. The offset
    # is parsed with it (`.replace(tzinfo=UTC)` cost six times the parse).
    return None if text is None else datetime.fromisoformat(text + "+00:00")


def _json_of(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _same(value: Any) -> Any:
    return value


def _day_text(value: Any) -> str | None:
    # SQLite keeps a date as its ISO text; PostgreSQL's driver gives a date.
    if value is None:
        return None
    return date.fromisoformat(value).isoformat() if isinstance(value, str) else value.isoformat()


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


@dataclass(frozen=True, slots=True)
class StoredForms:
    """How the driver gives a stored list row's values (list_stored_rows) on one database,
    and what the columns' types would have made of them: `instant` an aware datetime (any
    zone: PostgreSQL's driver gives the session's), `json` the parsed value, `flag` a bool,
    `day_text` a date's ISO text. Enums come as their values (models.timers._enum)."""

    instant: Any
    json: Any
    flag: Any
    day_text: Any


_STORED_FORMS = {
    "sqlite": StoredForms(_utc_instant, _json_of, _flag, _day_text),
    "postgresql": StoredForms(_same, _same, _same, _day_text),
}


def list_stored_rows(f: ApplicationFilter, now: datetime, page: int, per_page: int
                     ) -> tuple[list[Any], int, StoredForms]:
    """list_rows for the API: the page's values as stored (_listed with `stored`), the total,
    and how to read the values on this database."""
    q, params = _query(f), _params(f, now)
    result = plain_rows(q.stored_page, {**params, "limit": per_page,
                                        "offset": (page - 1) * per_page})
    forms = _STORED_FORMS[result.dialect.name]
    rows = result.all()
    total = rows[0].total if rows else plain_rows(q.count, params).scalar()
    return rows, int(total or 0), forms


def list_applications(f: ApplicationFilter, now: datetime, page: int, per_page: int
                      ) -> tuple[list[ListedApplication], int]:
    """One page of applications (soonest deadline first when filtering overdue/due) and the total.

    The number of statements does not depend on per_page (benchmarks/bench_api.py checks it):
    one, the page's rows with the count, their pauses and their current steps (an empty page
    asks for the count alone).
    """
    return _items(*list_rows(f, now, page, per_page))


def list_shown(f: ApplicationFilter, now: datetime, page: int, per_page: int
               ) -> tuple[list[ListedApplication], int]:
    """list_applications for the staff list's page: each row with only the columns the page
    shows (SHOWN_COLUMNS, `content_hash`, the owner's, `backdated`), its timer, pauses and
    current steps; the same statements' count."""
    q, params = _query(f), _params(f, now)
    rows = plain_rows(q.shown_page, {**params, "limit": per_page,
                                      "offset": (page - 1) * per_page}).all()
    total = rows[0].total if rows else plain_rows(q.count, params).scalar()
    return _items(rows, int(total or 0))


def _items(rows: list[Any], total: int) -> tuple[list[ListedApplication], int]:
    make_timer = ListedTimer._make
    items = [ListedApplication(row, None if row.timer_id is None
                               else make_timer(row[_TIMER_FROM:]), decode_pauses(row.pauses),
                               [] if row.status is AppStatus.CANCELLED
                               else decode_current(row.current))
             for row in rows]
    return items, total


def iter_applications(f: ApplicationFilter, now: datetime, batch: int = 500):
    """All matching applications in batches (CSV export without loading everything)."""
    q, params = _query(f), _params(f, now)
    query = q.select.options(contains_eager(Application.timer.of_type(q.timer))).order_by(
        Application.accepted_at.desc(), Application.id.desc())
    offset = 0
    while True:
        rows = db.session.scalars(query.offset(offset).limit(batch), params).unique().all()
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
