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

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, case, false, func, literal_column, or_, select
from sqlalchemy.orm import aliased, joinedload, lazyload

from ..extensions import db
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
from .applications import flow_of
from .pagination import page_count
from .pause_scope import intervals_for, pauses_by_application
from .search import contains_text
from .timers import TimerView, describe

# Running or paused, with literals: the predicate of the partial index ix_sla_timers_open (a
# bound parameter does not let SQLite, nor a generic plan on PostgreSQL, use it).
OPEN_TIMER = SlaTimer.state.in_([literal_column("'running'"), literal_column("'paused'")])
DUE_FILTERS = ("today", "overdue")
# A row names the application, its customer and owner; its step rows and pauses (loaded with
# every application by default) are not read here: the pauses come in one query of their own.
# Nor is its whole-application timer, and its flow version comes without the stored
# definition: the driver decoded that JSON document on every row, while flow_of() reads the
# definition parsed once per process (services.flows.definition_of; a version not yet parsed
# loads its definition once).
NO_HISTORY = (lazyload(Application.steps), lazyload(Application.pauses),
              lazyload(Application.timer),
              joinedload(Application.flow_version).defer(FlowVersion.definition))


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
        return "".join(ch for ch in self.phone.split("转")[0] if ch.isdigit() or ch == "+")


def application_duty(kind: str, app: Application | None, title: str, next_action: str,
                     url: str) -> Duty:
    """A duty about an application: its number, customer, address and phone."""
    return Duty(kind=kind, title=title, next_action=next_action, url=url,
                number=app.number if app else "", customer=app.customer_name if app else "",
                address=app.address if app else "", phone=app.contact_phone if app else "")


def _step_duty(app: Application, code: str, started: bool) -> Duty:
    definition = flow_of(app).step(code)
    name = pick(definition.name_zh, definition.name_en, current_language())
    next_action = (_("Record “%(step)s” done", step=name) if started
                   else _("Start “%(step)s”", step=name))
    return application_duty(SubjectType.STEP.value, app, name, next_action,
                            url_for("application_pages.detail", number=app.number,
                                    _anchor=f"step-{code}"))


def _core_duties(kind: str, pairs: list[tuple[SlaTimer, Application | None]]) -> dict[int, Duty]:
    result: dict[int, Duty] = {}
    for timer, app in pairs:
        if app is None:
            continue
        if kind == SubjectType.STEP.value and timer.step_code:
            result[timer.id] = _step_duty(app, timer.step_code, True)
        elif kind == SubjectType.MATERIALS.value:
            promised = app.materials_promised_on.isoformat() if app.materials_promised_on else ""
            result[timer.id] = application_duty(
                kind, app, _("容缺 documents promised for %(day)s", day=promised),
                _("Collect the missing documents from the customer and attach them"),
                url_for("application_pages.detail", number=app.number, _anchor="documents"))
    return result


def _ordered_timers(department: str | None, moment: datetime, person: int | None = None,
                    due: str | None = None):
    where = [OPEN_TIMER, SlaTimer.subject_type != SubjectType.APPLICATION]
    if department:
        where.append(SlaTimer.department_code == department)
    if due in DUE_FILTERS:
        where.append(due_predicate(due, moment))
    if person is not None:
        where.append(_mine(person))
    overdue_first = case((((SlaTimer.state == TimerState.RUNNING) & (SlaTimer.due_at <= moment)),
                          0), else_=1)
    no_deadline_last = case((SlaTimer.due_at.is_(None), 1), else_=0)
    assignee = aliased(User)
    query = (select(SlaTimer, Application, assignee)
             .outerjoin(Application, Application.id == SlaTimer.application_id)
             .outerjoin(assignee, assignee.id == SlaTimer.assignee_id)
             .options(*NO_HISTORY)
             .where(*where)
             .order_by(overdue_first, no_deadline_last, SlaTimer.due_at.asc(), SlaTimer.id.asc()))
    count = select(func.count()).select_from(SlaTimer)
    if person is not None:  # "mine" reads the application's owner
        count = count.outerjoin(Application, Application.id == SlaTimer.application_id)
    return query, count.where(*where)


def _mine(person: int):
    """"Mine": the duties given to me, and those nobody has taken yet on the applications I
    own. Our reading of the 客户代表 (the Jiaozhou seed: "全業務、全流程幫辦代辦"): the owner
    chases whatever on the application no one has picked up, whichever department's it is;
    once someone has it, it is theirs (and no longer on the owner's list)."""
    return or_(SlaTimer.assignee_id == person,
               and_(SlaTimer.assignee_id.is_(None), Application.owner_id == person))


def waits_for(department: str):
    """A step not yet started that `department` may take: its own, or one shared with it
    (the flow file's `shared_with`: the meter entry, 采购中心 or 水表检定站) until one starts it."""
    return or_(StepRecord.department_code == department,
               contains_text(f",{department},", StepRecord.shared_with))


def _waiting_steps(department: str | None, person: int | None = None):
    """Open steps with no clock yet (started by hand), after every duty with a deadline; for
    "mine", those of the applications I own (a step with no clock has no assignee yet)."""
    where = [OPEN_STEP, StepRecord.timer_id.is_(None), Application.status != AppStatus.CANCELLED]
    if department:
        where.append(waits_for(department))
    if person is not None:
        where.append(Application.owner_id == person)
    query = (select(StepRecord, Application)
             .join(Application, Application.id == StepRecord.application_id)
             .options(*NO_HISTORY).where(*where)
             .order_by(Application.accepted_at.asc(), StepRecord.id.asc()))
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
    timers_query, timers_count = _ordered_timers(department, moment, person, due)
    timed = db.session.scalar(timers_count) or 0
    steps_query, steps_count = _waiting_steps(department, person)
    if due in DUE_FILTERS:  # asked all the same (LIMIT 0): the same queries for every page
        steps_query, steps_count = steps_query.where(false()), steps_count.where(false())
    waiting = db.session.scalar(steps_count) or 0
    offset = (page - 1) * per_page
    rows = [tuple(row) for row in db.session.execute(
        timers_query.limit(per_page).offset(offset))] if offset < timed else []
    items = _describe(rows, moment, clock)
    # Asked even when the page is full (LIMIT 0), so that a page costs the same queries always.
    for step, app in db.session.execute(
            steps_query.limit(per_page - len(items)).offset(max(0, offset - timed))):
        items.append(replace(_step_duty(app, step.code, False), department=step.department_code,
                             owner=app.owner.label if app.owner else ""))
    total = timed + waiting
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": page_count(total, per_page)}


def _describe(rows: list[tuple[SlaTimer, Application | None, User | None]], moment: datetime,
              clock: Any) -> list[Duty]:
    pairs = [(timer, app) for timer, app, _assignee in rows]
    by_kind: dict[str, list[tuple[SlaTimer, Application | None]]] = {}
    for timer, app in pairs:
        by_kind.setdefault(SubjectType(timer.subject_type).value, []).append((timer, app))
    known: dict[int, Duty] = {}
    for kind, of_kind in by_kind.items():
        known.update(_core_duties(kind, of_kind))
        for _receiver, answer in work_duties.send(kind, timers=of_kind):
            known.update(answer or {})
    pauses = pauses_by_application({app.id for _t, app in pairs if app is not None})
    items = []
    for timer, app, assignee in rows:
        duty = known.get(timer.id) or application_duty(
            SubjectType(timer.subject_type).value, app, timer.label, "",
            url_for("application_pages.detail", number=app.number) if app else "")
        scoped = intervals_for(pauses.get(app.id, []), timer.subject_type,
                               timer.step_code) if app else []
        items.append(replace(duty, department=timer.department_code,
                             state=describe(timer, moment, clock, scoped), duty_id=timer.id,
                             version=timer.version_id,
                             owner=app.owner.label if app is not None and app.owner else "",
                             assignee=assignee.label if assignee else "",
                             assignee_username=assignee.username if assignee else ""))
    return items
