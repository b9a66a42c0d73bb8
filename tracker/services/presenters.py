"""Applications as plain data for the API and pages, with their SLA state at `now`."""
from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from ..extensions import db
from ..i18n import pick
from ..localtime import local
from ..models import Application, Event, Pause, SlaTimer, StepRecord, SubjectType, User
from ..sla import WorkingClock
from .applications import flow_of, timer_pauses
from .duties import present_proxies, proxies_of
from .flows import definition_by_id
from .pause_scope import intervals_for
from .queries import ListedApplication
from .reference import pause_reasons
from .sla_fields import department_name, timer_fields
from .timers import FINISHED, KeptFinished, describe, hours


def _user(user: User | None) -> str | None:
    return None if user is None else user.label


def present_step(app: Application, record: StepRecord, now: datetime, clock: WorkingClock,
                 lang: str) -> dict[str, Any]:
    definition = flow_of(app).step(record.code)
    sla = timer_fields(record.timer, now, clock, timer_pauses(app, record.timer))
    if record.status.value in ("skipped", "cancelled"):
        sla["state"] = record.status.value  # closed without being done (no clock to judge)
    elif record.timer is None and record.status.value == "done":
        sla["state"] = "done_on_time"  # done at acceptance (申请受理): at its clock's start
    return {
        "code": record.code,
        "name": pick(definition.name_zh, definition.name_en, lang),
        "name_zh": definition.name_zh,
        "name_en": definition.name_en,
        "department": record.department_code,
        "department_name": department_name(record.department_code, lang),
        "status": record.status.value,
        "needs_start": definition.needs_start,
        "skippable": definition.skippable,
        "started_at": local(record.started_at),
        "started_by": _user(record.started_by),
        "completed_at": local(record.completed_at),
        "completed_by": _user(record.completed_by),
        "backdated": record.backdated,  # 补录
        "note": record.note,
        "sla": sla,
    }


def present_pause(pause: Pause, lang: str) -> dict[str, Any]:
    reason = pause_reasons().get(pause.reason_code)
    name = pause.reason_code if reason is None else pick(reason.name_zh, reason.name_en, lang)
    return {"id": pause.id, "reason": pause.reason_code, "reason_name": name, "note": pause.note,
            "step": pause.step_code, "stops_application": pause.stops_application,
            "stopped_steps": list(pause.stopped_steps or ()),
            "started_at": local(pause.started_at), "ended_at": local(pause.ended_at),
            "started_by": _user(pause.started_by), "ended_by": _user(pause.ended_by)}


def _summary(app: Any, *, flow_version: int, flow_name: str, owner_username: str | None,
             owner_name: str | None, paused: bool, sla: dict[str, Any]) -> dict[str, Any]:
    """The fields every view of an application shows; `app` is an Application or a list row
    (queries.ListedApplication.row), whose columns carry the same names."""
    return {
        "number": app.number,
        "flow": app.flow_code,
        "flow_version": flow_version,
        "flow_name": flow_name,
        "customer_type": app.customer_type.value,
        "customer_name": app.customer_name,
        "contact_name": app.contact_name,
        "contact_phone": app.contact_phone,
        "address": app.address,
        "channel": app.channel.value,
        "attributes": app.attributes,
        "accepted_at": local(app.accepted_at),
        "requested_at": local(app.requested_at),
        "missing_materials": app.missing_materials,
        "materials_promised_on": app.materials_promised_on,
        "materials_supplied_at": local(app.materials_supplied_at),
        "note": app.note,
        "status": app.status.value,
        "cancel_reason": app.cancel_reason,
        "cancelled_at": local(app.cancelled_at),
        "water_on_at": local(app.water_on_at),
        "completed_at": local(app.completed_at),
        "paused": paused,
        "version": app.version_id,
        # 客户代表 / 首问负责人 (services.owners); None for an application older than owners.
        "owner": owner_username,
        "owner_name": owner_name,
        "sla": sla,
    }


def present_listed(item: ListedApplication, now: datetime, clock: WorkingClock,
                   lang: str) -> dict[str, Any]:
    """A list row as data: what present_application(with_steps=False) gives for the same
    application, from plain rows (services.queries.list_applications)."""
    row, timer = item.row, item.timer
    flow = definition_by_id(row.flow_version_id, row.content_hash)
    pauses = [] if timer is None else intervals_for(item.pauses, timer.subject_type,
                                                     timer.step_code)
    data = _summary(row, flow_version=row.flow_version,
                    flow_name=pick(flow.name_zh, flow.name_en, lang),
                    owner_username=row.owner_username,
                    owner_name=row.owner_display or row.owner_username,
                    paused=any(p.end is None for p in item.pauses),
                    sla=timer_fields(timer, now, clock, pauses))
    data["current_steps"] = list(item.current_steps)
    return data


class ListedRow(NamedTuple):
    """What a row of the staff application list shows, and nothing else (web.list_rows draws
    it): present_listed's dict held thirty fields, the deadline's ten, for the dozen a row
    shows. Instants local; `current_step_names` in flow order; `status` its value."""

    number: str
    flow: str
    customer_name: str
    missing_materials: bool
    accepted_at: datetime | None
    owner_name: str | None
    current_step_names: tuple[str, ...]
    status: str
    backdated: bool
    state: str
    due_at: datetime | None
    remaining_hours: float | None
    over_hours: float | None


# A list row's deadline (state, local due_at, hours left, hours over) of a finished timer
# with no pause (timers.KeptFinished), keyed by the timer's values but its limit (a dict).
_KEPT_FINISHED = KeptFinished(8_192)


def _deadline(timer: Any, pauses: list, now: datetime, clock: WorkingClock
              ) -> tuple[str, datetime | None, float | None, float | None]:
    view = describe(timer, now, clock, pauses)
    return (view.state, local(view.due_at), hours(view.remaining_seconds),
            hours(view.over_seconds))


def present_list_rows(items: list[ListedApplication], now: datetime, clock: WorkingClock,
                      lang: str) -> list[ListedRow]:
    """The rows of a page of the staff list: the same values as present_listed gives for
    what the page shows (tests/web/test_list_rows.py), the deadline by the same describe.
    A flow version's step names are looked up once per page, not once per row."""
    steps_of: dict[tuple[int, str], list[tuple[str, str]]] = {}
    finished = _KEPT_FINISHED.of(clock)
    rows = []
    for item in items:
        row, timer = item.row, item.timer
        key = (row.flow_version_id, row.content_hash)
        steps = steps_of.get(key)
        if steps is None:
            flow = definition_by_id(*key)
            steps = steps_of[key] = [(s.code, pick(s.name_zh, s.name_en, lang))
                                     for s in flow.steps]
        current = item.current_steps
        names = tuple(name for code, name in steps if code in current) if current else ()
        if timer is None:
            state, due_at, left, over = "not_started", None, None, None
        elif item.pauses:
            state, due_at, left, over = _deadline(
                timer, intervals_for(item.pauses, timer.subject_type, timer.step_code), now,
                clock)
        elif timer.state in FINISHED:
            key = (*timer[:3], *timer[4:])
            shown = finished.get(key)
            if shown is None:
                shown = finished[key] = _deadline(timer, [], now, clock)
            state, due_at, left, over = shown
        else:
            state, due_at, left, over = _deadline(timer, [], now, clock)
        rows.append(ListedRow(row.number, row.flow_code, row.customer_name,
                              bool(row.missing_materials), local(row.accepted_at),
                              row.owner_display or row.owner_username, names,
                              row.status.value, bool(row.backdated), state, due_at, left, over))
    return rows


def present_application(app: Application, now: datetime, clock: WorkingClock, lang: str,
                        *, with_steps: bool = True) -> dict[str, Any]:
    flow = flow_of(app)
    data = _summary(app, flow_version=app.flow_version.version,
                    flow_name=pick(flow.name_zh, flow.name_en, lang),
                    owner_username=app.owner.username if app.owner else None,
                    owner_name=app.owner.label if app.owner else None,
                    paused=any(p.ended_at is None for p in app.pauses),
                    sla=timer_fields(app.timer, now, clock, timer_pauses(app, app.timer)))
    if with_steps:
        data["steps"] = [present_step(app, s, now, clock, lang) for s in app.steps]
        acts = proxies_of("step", [s.id for s in app.steps])  # 代办, one query
        for step, record in zip(data["steps"], app.steps, strict=True):
            step["on_behalf"] = present_proxies(acts.get((record.id, record.code), []), lang)
        data["materials_sla"] = None
        if app.missing_materials:  # 容缺受理: the promised date's own duty
            duty = db.session.scalar(
                select(SlaTimer).where(SlaTimer.subject_type == SubjectType.MATERIALS,
                                       SlaTimer.subject_id == app.id)
                .order_by(SlaTimer.id.desc()).limit(1))
            data["materials_sla"] = None if duty is None else timer_fields(duty, now, clock, [])
        data["pauses"] = [present_pause(p, lang) for p in app.pauses]
    else:
        current = [] if app.status.value == "cancelled" else [
            s for s in app.steps if s.status.value in ("ready", "started")]
        data["current_steps"] = [s.code for s in current]
    return data


def present_events(app: Application) -> list[dict[str, Any]]:
    """The application's append-only event log, oldest first."""
    rows = db.session.scalars(select(Event).where(Event.application_id == app.id)
                              .order_by(Event.at, Event.id))
    return [{"id": e.id, "at": local(e.at), "action": e.action, "actor": _user(e.actor),
             "subject_type": e.subject_type, "subject_id": e.subject_id, "data": e.data}
            for e in rows]
