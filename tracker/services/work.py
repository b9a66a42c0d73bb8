"""My work: every open duty with a deadline that a department must act on (reads only).

Every duty with a time limit owns an `SlaTimer` row, and the timer names the department that
must act (`department_code`, set when the duty starts), so the list is the open timers of a
department, overdue first, then the soonest deadline, then the steps still waiting to be
started (no clock yet). Which department a kind of duty belongs to is decided where the duty
starts, from the seeds:
- steps: the flow file's `department:` of the step (the Wuhu action plan 四: 营商报装专班 surveys
  and accepts, 四（四）1 "工程管理部在接到任务后…挂表通水");
- callbacks (回访) and home visits (上门回访): `TRACKER_CALLBACK_DEPARTMENT`, customer service
  (the Wuhu action plan 三（四） "建立客户回访机制"); the home visit of a bad review (好差评
  不满意): `TRACKER_REVIEW_FOLLOWUP_DEPARTMENT`, market development (五（四）2);
- screening (甄别) of the platforms' pushes and online appointments: the connection team
  (`TRACKER_SCREENING_DEPARTMENT`, `TRACKER_APPOINTMENT_DEPARTMENT`; 四（一）, 四（二）1);
- problem stages: the department the problem is charged to for verification and rectification,
  the inspection office for the re-check (the Xiamen "service experience officer" plan 六 2–4:
  "问题清单下达各责任单位/部门开展核查…营商办…组织专项体验，进一步核实");
- 容缺 documents promised by a date: the department of the flow's first step, which took them in;
- a step shared with other departments (`shared_with`; the meter entry, 003 五（六）3
  "采购中心、水表检定站…出库材料（水表）需次日（含）前录入系统"): waiting, on each of their lists;
  once started, the starter's department's (services.applications._take_shared).
The whole-application clock is no duty of its own (its steps are) and is left out.

Two views of the same rows: "my department's" (the timers of a department, above) and
"mine" (`_mine`: the duties given to me, `SlaTimer.assignee_id`, and those nobody has taken
yet on the applications I own, `Application.owner_id`; services.owners sets both). Each row
names the application's owner and the duty's assignee.

The core knows its own duties (steps, 容缺 materials); a feature describes its timers through
`signals.work_duties`, one query per kind for the whole page, so the number of queries does
not grow with the list.
"""
from __future__ import annotations

import re
from collections import namedtuple
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import (
    and_,
    bindparam,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from ..i18n import current_language, pick
from ..localtime import LOCAL
from ..models import (
    Application,
    AppStatus,
    FlowVersion,
    SlaTimer,
    StepRecord,
    SubjectType,
    TimerState,
    User,
)
from ..models.applications import OPEN_STEP
from ..signals import work_duties
from .app_clock import app_clock, now
from .flows import definition_by_id
from .pagination import page_count
from .pause_scope import intervals_for, pauses_by_application
from .plain_reads import plain_rows
from .search import contains_text
from .timers import TimerView, describe

# Running or paused, with literals: the predicate of the partial index ix_sla_timers_open (a
# bound parameter does not let SQLite, nor a generic plan on PostgreSQL, use it).
OPEN_TIMER = SlaTimer.state.in_([literal_column("'running'"), literal_column("'paused'")])


def _open_duty(timer: Any) -> Any:
    """An open timer that is a duty (not the whole-application clock), with literals: the
    predicate of ix_sla_timers_assigned_open (models.timers.OPEN_DUTY_SQL)."""
    return and_(timer.state.in_([literal_column("'running'"), literal_column("'paused'")]),
                timer.subject_type != literal_column("'application'"))


_EARLIEST = aliased(SlaTimer, name="earliest")
# The oldest application with an open duty nobody has (ix_sla_timers_unassigned_open's
# first entry): "mine"'s second half reads the person's applications from there on only.
_EARLIEST_UNASSIGNED = (select(func.min(_EARLIEST.application_id))
                        .where(_open_duty(_EARLIEST), _EARLIEST.assignee_id.is_(None))
                        .scalar_subquery())
DUE_FILTERS = ("today", "overdue")
_NOT_TEL = re.compile(r"[^0-9+]")
def end_of_today(moment: datetime) -> datetime:
    """00:00 Beijing time after `moment`'s day: what "due today" runs up to."""
    day = moment.astimezone(LOCAL).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=LOCAL)


def due_predicate(due: str, moment: datetime):
    """The duties due later today ("today") or past their deadline ("overdue"), running (a
    paused duty is neither): My work's `due` filter and the dashboard's department figures."""
    running = SlaTimer.state == TimerState.RUNNING
    if due == "overdue":
        return and_(running, SlaTimer.due_at <= moment)
    return and_(running, SlaTimer.due_at > moment, SlaTimer.due_at < end_of_today(moment))


@dataclass
class Duty:
    """One line of My work: what it is, what to do next, whom it concerns, where to do it."""

    kind: str
    title: str
    next_action: str
    url: str
    number: str = ""
    customer: str = ""
    address: str = ""
    phone: str = ""
    department: str = ""
    state: TimerView | None = field(default=None)
    # Filled in by my_work for every kind of duty (a feature's receiver leaves them empty):
    duty_id: int | None = None  # the SlaTimer: what an assignment names (None: no clock yet)
    version: int | None = None  # the timer's version, sent back with an assignment
    owner: str = ""  # the application's owner (客户代表), shown by name
    assignee: str = ""  # who has the duty; "" = the department's, nobody's yet
    assignee_username: str = ""

    @property
    def tel(self) -> str:
        """The phone as a tel: link takes it: digits and a leading +, an extension (转) dropped."""
        head = self.phone.split("转")[0]
        if head.isascii():  # an ASCII character is a digit to isdigit() only if 0-9
            return _NOT_TEL.sub("", head)
        return "".join(ch for ch in head if ch.isdigit() or ch == "+")


def application_duty(kind: str, app: Application | ApplicationRow | None, title: str,
                     next_action: str, url: str) -> Duty:
    """A duty about an application (a model or My work's ApplicationRow): its number,
    customer, address and phone."""
    return Duty(kind=kind, title=title, next_action=next_action, url=url,
                number=app.number if app else "", customer=app.customer_name if app else "",
                address=app.address if app else "", phone=app.contact_phone if app else "")


def _step_duty(app: Any, code: str, started: bool, words: dict[tuple, tuple[str, str]]) -> Duty:
    # A step's name and next action are the same for every row of one flow version's step:
    # looked up once per page (`words`, one dict per my_work call), not once per row.
    key = (app.flow_version_id, app.content_hash, code, started)
    found = words.get(key)
    if found is None:
        definition = definition_by_id(app.flow_version_id, app.content_hash).step(code)
        name = pick(definition.name_zh, definition.name_en, current_language())
        found = words[key] = (name, _("Record “%(step)s” done", step=name) if started
                              else _("Start “%(step)s”", step=name))
    name, next_action = found
    return application_duty(SubjectType.STEP.value, app, name, next_action,
                            _detail_url(app.number, f"step-{code}", words))


_MARK = "0mark0"


def _detail_url(number: str, anchor: str | None, words: dict[tuple, Any]) -> str:
    """url_for("application_pages.detail", number=…, _anchor=…), with url_for called once per
    anchor and page (`words`, my_work's dict for the page): an application's number of
    letters, digits and dashes is put where url_for put the mark, as url_for writes it (the
    anchor, a step's code, is the same for every row of a step); anything else through
    url_for."""
    if not (number.isascii() and number.replace("-", "").isalnum()):
        return url_for("application_pages.detail", number=number, _anchor=anchor)
    key = ("url", anchor)
    found = words.get(key)
    if found is None:
        head, mark, tail = url_for("application_pages.detail", number=_MARK,
                                   _anchor=anchor).partition(_MARK)
        found = words[key] = (head, tail) if mark and _MARK not in tail else None
        if found is None:
            return url_for("application_pages.detail", number=number, _anchor=anchor)
    return f"{found[0]}{number}{found[1]}"


def _core_duties(kind: str, pairs: list[tuple[Any, Any]],
                 words: dict[tuple, tuple[str, str]]) -> dict[int, Duty]:
    result: dict[int, Duty] = {}
    for timer, app in pairs:
        if app is None:
            continue
        if kind == SubjectType.STEP.value and timer.step_code:
            result[timer.id] = _step_duty(app, timer.step_code, True, words)
        elif kind == SubjectType.MATERIALS.value:
            promised = app.materials_promised_on.isoformat() if app.materials_promised_on else ""
            result[timer.id] = application_duty(
                kind, app, _("容缺 documents promised for %(day)s", day=promised),
                _("Collect the missing documents from the customer and attach them"),
                _detail_url(app.number, "documents", words))
    return result


# What a row of My work reads, as plain columns (no ORM objects: hydrating a timer, its
# application, the application's owner and flow version cost more than the queries; issue
# 15). The receivers of signals.work_duties get these rows under the models' own names.
TIMER_COLUMNS = (SlaTimer.id, SlaTimer.subject_type, SlaTimer.subject_id, SlaTimer.stage,
                 SlaTimer.application_id, SlaTimer.department_code, SlaTimer.assignee_id,
                 SlaTimer.flow_code, SlaTimer.step_code, SlaTimer.label,
                 SlaTimer.round_the_clock, SlaTimer.started_at, SlaTimer.budget_seconds,
                 SlaTimer.due_at, SlaTimer.warn_at, SlaTimer.provisional, SlaTimer.state,
                 SlaTimer.completed_at, SlaTimer.late, SlaTimer.version_id)
_OWNER, _ASSIGNEE = aliased(User, name="owner"), aliased(User, name="assignee")
APPLICATION_COLUMNS = (Application.id, Application.number, Application.customer_name,
                       Application.address, Application.contact_phone,
                       Application.materials_promised_on, Application.owner_id,
                       Application.flow_version_id, FlowVersion.content_hash,
                       _OWNER.display_name, _OWNER.username)
TimerRow = namedtuple("TimerRow", [c.key for c in TIMER_COLUMNS])  # type: ignore[misc]
# An application as a duty reads it; `owner` is its owner's label ("" for nobody), and
# `content_hash` its flow version's (with flow_version_id: the definition parsed once).
ApplicationRow = namedtuple("ApplicationRow", [  # type: ignore[misc]
    "id", "number", "customer_name", "address", "contact_phone", "materials_promised_on",
    "owner_id", "flow_version_id", "content_hash", "owner"])
_TIMER_WIDTH, _APP_WIDTH = len(TIMER_COLUMNS), len(APPLICATION_COLUMNS)


def _application_row(values: Any) -> ApplicationRow | None:
    if values[0] is None:
        return None
    *head, display_name, username = values
    return ApplicationRow(*head, display_name or username or "")


def _with_application(query: Any) -> Any:
    return (query.outerjoin(FlowVersion, FlowVersion.id == Application.flow_version_id)
            .outerjoin(_OWNER, _OWNER.id == Application.owner_id))


def _due_condition(due: str):
    # due_predicate with the instants bound (:now, :today_end), for a statement built once.
    running = SlaTimer.state == TimerState.RUNNING
    if due == "overdue":
        return and_(running, SlaTimer.due_at <= bindparam("now"))
    return and_(running, SlaTimer.due_at > bindparam("now"),
                SlaTimer.due_at < bindparam("today_end"))


def _timer_keys(where: list[Any], *, owned: bool = False) -> Any:
    """The sort keys of the timers matching `where` (and, `owned`, of an application the
    person owns: the join "mine"'s second half needs), no other column: a page's keys are
    cut before any row is joined to its application, owner and assignee (issue 15)."""
    overdue_first = case((((SlaTimer.state == TimerState.RUNNING)
                           & (SlaTimer.due_at <= bindparam("now"))), 0), else_=1)
    no_deadline_last = case((SlaTimer.due_at.is_(None), 1), else_=0)
    keys = select(SlaTimer.id.label("id"), overdue_first.label("overdue_first"),
                  no_deadline_last.label("no_deadline_last"),
                  SlaTimer.due_at.label("due_at")).select_from(SlaTimer)
    if owned:
        keys = keys.join(Application, Application.id == SlaTimer.application_id)
    return keys.where(*where).order_by(overdue_first, no_deadline_last, SlaTimer.due_at.asc(),
                                       SlaTimer.id.asc())


@lru_cache(maxsize=64)
def _ordered_timers(department: str | None, mine: bool, due: str | None):
    """The timers' page and count statements, built once per shape (building them cost
    more than running them); the values are bound: :now, :today_end, :person, :limit,
    :offset, :window (= limit + offset). Keyed on the department code too (a handful: the
    departments).

    "Mine" (`_mine`) is read as its two disjoint halves, each from an index of its own (the
    OR of both joined every open timer to its application: 16 + 12 ms at 1M applications):
    the open duties given to the person (ix_sla_timers_assigned_open), and the open duties
    nobody has on the applications the person owns (ix_sla_timers_unassigned_open merged with
    the person's applications from ix_applications_owner, from the oldest application with
    such a duty on: not every application the person ever owned); the page is the first
    :window keys of each half merged, the count the sum of the halves' counts."""
    where = [_open_duty(SlaTimer)]
    if department:
        where.append(SlaTimer.department_code == department)
    if due in DUE_FILTERS:
        where.append(_due_condition(due))
    if mine:
        given = where + [SlaTimer.assignee_id == bindparam("person")]
        owned = where + [SlaTimer.assignee_id.is_(None),
                         Application.owner_id == bindparam("person"),
                         Application.id >= _EARLIEST_UNASSIGNED]
        halves = [_timer_keys(given).limit(bindparam("window")).subquery("given"),
                  _timer_keys(owned, owned=True).limit(bindparam("window")).subquery("owned")]
        merged = union_all(*(select(*half.c) for half in halves)).subquery("merged")
        keys = select(*merged.c).order_by(merged.c.overdue_first, merged.c.no_deadline_last,
                                          merged.c.due_at.asc(), merged.c.id.asc())
        count = select(
            select(func.count()).select_from(SlaTimer).where(*given).scalar_subquery()
            + select(func.count()).select_from(SlaTimer)
            .join(Application, Application.id == SlaTimer.application_id)
            .where(*owned).scalar_subquery())
    else:
        keys = _timer_keys(where)
        count = select(func.count()).select_from(SlaTimer).where(*where)
    page_keys = keys.limit(bindparam("limit")).offset(bindparam("offset")).subquery("page_keys")
    query = (_with_application(
        select(*TIMER_COLUMNS, *APPLICATION_COLUMNS, _ASSIGNEE.display_name,
               _ASSIGNEE.username, *_sort_keys(page_keys))
        .select_from(page_keys)
        .join(SlaTimer, SlaTimer.id == page_keys.c.id)
        .outerjoin(Application, Application.id == SlaTimer.application_id)
        .outerjoin(_ASSIGNEE, _ASSIGNEE.id == SlaTimer.assignee_id))
        .order_by(*_sort_keys(page_keys)))
    return query, count


def _sort_keys(keys: Any) -> list[Any]:
    # The page's order, from its keys' columns (the last four of the page's row).
    return [keys.c.overdue_first, keys.c.no_deadline_last, keys.c.due_at, keys.c.id]


_PAGE_WIDTH = len(TIMER_COLUMNS) + len(APPLICATION_COLUMNS) + 2  # + the assignee's names


@lru_cache(maxsize=128)
def _page_with_counts(timers_query: Any, timers_count: Any, steps_count: Any) -> Any:
    """The timers' page with both counts in one statement (one round trip): a row of the
    counts joined to the page's rows, so there is one row even when the page has none (a
    page past the timers, nothing open). Built once per shape."""
    counts = select(timers_count.scalar_subquery().label("timed"),
                    steps_count.scalar_subquery().label("waiting")).subquery("counts")
    rows = timers_query.subquery("page_rows")
    columns = list(rows.c)
    return (select(counts.c.timed, counts.c.waiting, *columns)
            .select_from(counts.outerjoin(rows, true()))
            .order_by(*columns[-4:]))


def _mine(person: int):
    """"Mine": the duties given to me, and those nobody has taken yet on the applications I
    own. Our reading of the 客户代表 (the Jiaozhou seed: "全業務、全流程幫辦代辦"): the owner
    chases whatever on the application no one has picked up, whichever department's it is;
    once someone has it, it is theirs (and no longer on the owner's list).

    The definition, as one condition: `_ordered_timers` reads it as its two disjoint halves
    (each from an index of its own), and tests/services/test_work_same_answers.py holds the
    halves to this."""
    return or_(SlaTimer.assignee_id == person,
               and_(SlaTimer.assignee_id.is_(None), Application.owner_id == person))


def waits_for(department: str):
    """A step not yet started that `department` may take: its own, or one shared with it
    (the flow file's `shared_with`: the meter entry, 采购中心 or 水表检定站) until one starts it."""
    return or_(StepRecord.department_code == department,
               contains_text(f",{department},", StepRecord.shared_with))


@lru_cache(maxsize=64)
def _waiting_steps(department: str | None, mine: bool, nothing: bool):
    """Open steps with no clock yet (started by hand), after every duty with a deadline; for
    "mine", those of the applications I own (a step with no clock has no assignee yet);
    `nothing`: none at all (asked all the same: the same queries for every page). Built once
    per shape, as _ordered_timers."""
    where = [OPEN_STEP, StepRecord.timer_id.is_(None), Application.status != AppStatus.CANCELLED]
    if department:
        where.append(waits_for(department))
    if mine:
        where.append(Application.owner_id == bindparam("person"))
    if nothing:
        where.append(false())
    query = (_with_application(
        select(StepRecord.code, StepRecord.department_code, *APPLICATION_COLUMNS)
        .select_from(StepRecord)
        .join(Application, Application.id == StepRecord.application_id))
        .where(*where)
        .order_by(Application.accepted_at.asc(), StepRecord.id.asc())
        .limit(bindparam("limit")).offset(bindparam("offset")))
    count = (select(func.count()).select_from(StepRecord)
             .join(Application, Application.id == StepRecord.application_id).where(*where))
    return query, count


def my_work(department: str | None, page: int = 1, per_page: int = 50, *,
            person: int | None = None, due: str | None = None) -> dict[str, Any]:
    """One page of the open duties of `department` (every department for None), or, given
    `person` (a user id), that person's own ("mine": see `_mine`); `due` ("today",
    "overdue") keeps those only (a step with no clock is neither):
    {items: [Duty], total, page, per_page, pages}."""
    moment, clock = now(), app_clock()
    if person is not None:
        department = None
    due = due if due in DUE_FILTERS else None
    mine = person is not None
    timers_query, timers_count = _ordered_timers(department or None, mine, due)
    steps_query, steps_count = _waiting_steps(department or None, mine, due is not None)
    params = {"now": moment, "today_end": end_of_today(moment), "person": person}
    offset = (page - 1) * per_page
    found = list(plain_rows(_page_with_counts(timers_query, timers_count, steps_count), {
        **params, "limit": per_page, "offset": offset, "window": offset + per_page}))
    timed, waiting = found[0][0], found[0][1]
    rows = [row[2:] for row in found if row[2] is not None]  # row[2]: the timer's id
    words: dict[tuple, tuple[str, str]] = {}
    items = _describe(rows, moment, clock, words)
    # Asked even when the page is full (LIMIT 0), so that a page costs the same queries always.
    for code, step_department, *app_values in plain_rows(steps_query, {
            **params, "limit": per_page - len(items), "offset": max(0, offset - timed)}):
        app = _application_row(app_values)
        items.append(replace(_step_duty(app, code, False, words), department=step_department,
                             owner=app.owner))
    total = timed + waiting
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": page_count(total, per_page)}


def warm_statements(department: str | None) -> None:
    """Run My work's statements of the two tabs' first shapes (and every department's)
    once, reading no row (LIMIT 0), so that a new process's first page finds them compiled
    (web/warm.py)."""
    moment = now()
    params = {"now": moment, "today_end": end_of_today(moment), "person": 0, "limit": 0,
              "offset": 0, "window": 0}
    for shape_department, mine in ((department, False), (None, False), (None, True)):
        timers_query, timers_count = _ordered_timers(shape_department, mine, None)
        steps_query, steps_count = _waiting_steps(shape_department, mine, False)
        for statement in (_page_with_counts(timers_query, timers_count, steps_count),
                          steps_query):
            plain_rows(statement, params).all()
    pauses_by_application(set())


def _describe(rows: list[Any], moment: datetime, clock: Any,
              words: dict[tuple, tuple[str, str]]) -> list[Duty]:
    """Rows of _ordered_timers' page as Duties: each kind described in one go for the page
    (the core's, then the features' through signals.work_duties)."""
    split = [(TimerRow._make(row[:_TIMER_WIDTH]),
              _application_row(row[_TIMER_WIDTH:_TIMER_WIDTH + _APP_WIDTH]),
              row[_PAGE_WIDTH - 2] or row[_PAGE_WIDTH - 1] or "", row[_PAGE_WIDTH - 1] or "")
             for row in rows]
    by_kind: dict[str, list[tuple[Any, Any]]] = {}
    for timer, app, _label, _username in split:
        by_kind.setdefault(SubjectType(timer.subject_type).value, []).append((timer, app))
    known: dict[int, Duty] = {}
    for kind, of_kind in by_kind.items():
        known.update(_core_duties(kind, of_kind, words))
        for _receiver, answer in work_duties.send(kind, timers=of_kind):
            known.update(answer or {})
    pauses = pauses_by_application({app.id for _t, app, _l, _u in split if app is not None})
    items = []
    for timer, app, assignee, username in split:
        duty = known.get(timer.id) or application_duty(
            SubjectType(timer.subject_type).value, app, timer.label, "",
            url_for("application_pages.detail", number=app.number) if app else "")
        scoped = intervals_for(pauses.get(app.id, []), timer.subject_type,
                               timer.step_code) if app else []
        items.append(replace(duty, department=timer.department_code,
                             state=describe(timer, moment, clock, scoped), duty_id=timer.id,
                             version=timer.version_id, owner=app.owner if app else "",
                             assignee=assignee, assignee_username=username))
    return items
