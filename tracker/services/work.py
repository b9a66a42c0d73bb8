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
- 容缺 documents promised by a date: the department of the flow's first step, which took them in.
The whole-application clock is no duty of its own (its steps are) and is left out.

The core knows its own duties (steps, 容缺 materials); a feature describes its timers through
`signals.work_duties`, one query per kind for the whole page, so the number of queries does
not grow with the list.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from ..extensions import db
from ..i18n import current_language, pick
from ..models import Application, AppStatus, SlaTimer, StepRecord, SubjectType, TimerState
from ..models.applications import OPEN_STEP
from ..signals import work_duties
from .app_clock import app_clock, now
from .applications import flow_of
from .pagination import page_count
from .pause_scope import intervals_for, pauses_by_application
from .timers import TimerView, describe

OPEN_TIMER = SlaTimer.state.in_((TimerState.RUNNING, TimerState.PAUSED))


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


def _ordered_timers(department: str | None, moment: datetime):
    where = [OPEN_TIMER, SlaTimer.subject_type != SubjectType.APPLICATION]
    if department:
        where.append(SlaTimer.department_code == department)
    overdue_first = case((((SlaTimer.state == TimerState.RUNNING) & (SlaTimer.due_at <= moment)),
                          0), else_=1)
    no_deadline_last = case((SlaTimer.due_at.is_(None), 1), else_=0)
    query = (select(SlaTimer, Application)
             .outerjoin(Application, Application.id == SlaTimer.application_id)
             .where(*where)
             .order_by(overdue_first, no_deadline_last, SlaTimer.due_at.asc(), SlaTimer.id.asc()))
    return query, where


def _waiting_steps(department: str | None):
    """Open steps with no clock yet (started by hand), after every duty with a deadline."""
    where = [OPEN_STEP, StepRecord.timer_id.is_(None), Application.status != AppStatus.CANCELLED]
    if department:
        where.append(StepRecord.department_code == department)
    query = (select(StepRecord, Application)
             .join(Application, Application.id == StepRecord.application_id).where(*where)
             .order_by(Application.accepted_at.asc(), StepRecord.id.asc()))
    count = (select(func.count()).select_from(StepRecord)
             .join(Application, Application.id == StepRecord.application_id).where(*where))
    return query, count


def my_work(department: str | None, page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """One page of the open duties of `department` (every department for None):
    {items: [Duty], total, page, per_page, pages}."""
    moment, clock = now(), app_clock()
    timers_query, where = _ordered_timers(department, moment)
    timed = db.session.scalar(select(func.count()).select_from(SlaTimer).where(*where)) or 0
    steps_query, steps_count = _waiting_steps(department)
    waiting = db.session.scalar(steps_count) or 0
    offset = (page - 1) * per_page
    pairs = [tuple(row) for row in db.session.execute(
        timers_query.limit(per_page).offset(offset))] if offset < timed else []
    items = _describe(pairs, moment, clock)
    # Asked even when the page is full (LIMIT 0), so that a page costs the same queries always.
    for step, app in db.session.execute(
            steps_query.limit(per_page - len(items)).offset(max(0, offset - timed))):
        items.append(replace(_step_duty(app, step.code, False), department=step.department_code))
    total = timed + waiting
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": page_count(total, per_page)}


def _describe(pairs: list[tuple[SlaTimer, Application | None]], moment: datetime,
              clock: Any) -> list[Duty]:
    by_kind: dict[str, list[tuple[SlaTimer, Application | None]]] = {}
    for timer, app in pairs:
        by_kind.setdefault(SubjectType(timer.subject_type).value, []).append((timer, app))
    known: dict[int, Duty] = {}
    for kind, rows in by_kind.items():
        known.update(_core_duties(kind, rows))
        for _receiver, answer in work_duties.send(kind, timers=rows):
            known.update(answer or {})
    pauses = pauses_by_application({app.id for _t, app in pairs if app is not None})
    items = []
    for timer, app in pairs:
        duty = known.get(timer.id) or application_duty(
            SubjectType(timer.subject_type).value, app, timer.label, "",
            url_for("application_pages.detail", number=app.number) if app else "")
        scoped = intervals_for(pauses.get(app.id, []), timer.subject_type,
                               timer.step_code) if app else []
        items.append(replace(duty, department=timer.department_code,
                             state=describe(timer, moment, clock, scoped)))
    return items
