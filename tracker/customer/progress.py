"""The customer's progress page (进度查询): what a customer may see of their application,
found by its number and the last four digits of the contact phone. Nothing internal: no staff
names, no departments, no notes, no points."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from ..extensions import db
from ..i18n import pick
from ..localtime import local
from ..models import Application
from ..services.app_clock import app_clock, now
from ..services.applications import flow_of, timer_pauses
from ..services.reference import pause_reasons
from ..services.timers import describe
from ..settings import settings
from .ratelimit import refuse_if_limited

NUMBER = re.compile(r"^[A-Za-z0-9-]{3,40}$")
LAST_FOUR = re.compile(r"^\d{4}$")


@dataclass
class PublicStep:
    name: str
    state: str  # done | current | waiting | skipped
    done_at: datetime | None = None
    expected_at: datetime | None = None


@dataclass
class PublicProgress:
    number: str
    flow_name: str
    status: str  # open | completed | cancelled
    accepted_at: datetime
    promised_at: datetime | None
    water_on_at: datetime | None
    paused_reason: str | None
    missing_documents: list[str] = field(default_factory=list)
    documents_by: date | None = None
    steps: list[PublicStep] = field(default_factory=list)


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def find(number: str, last_four: str, address: str, lang: str) -> PublicProgress | None:
    """Count the lookup (429 past the limit per address, then per number), then the
    application if the number exists and its phone ends with `last_four`; None for either
    mistake alike (so that the page cannot tell which one was wrong)."""
    number, last_four = number.strip(), last_four.strip()
    refuse_if_limited((f"progress-ip:{address}", settings().public_rate_per_address),
                      (f"progress-no:{number.upper()}", settings().public_rate_per_number))
    if not NUMBER.match(number) or not LAST_FOUR.match(last_four):
        return None
    app = db.session.scalar(select(Application).where(Application.number == number.upper()))
    phone = digits(app.contact_phone) if app is not None else ""
    if app is None or len(phone) < 4 or phone[-4:] != last_four:
        return None
    return present(app, lang)


def present(app: Application, lang: str) -> PublicProgress:
    flow = flow_of(app)
    moment, clock = now(), app_clock()
    records = {s.code: s for s in app.steps}
    steps = []
    for definition in flow.customer_steps:
        record = records[definition.code]
        status = record.status.value
        name = pick(definition.name_zh, definition.name_en, lang)
        if status == "done":
            steps.append(PublicStep(name, "done", done_at=local(record.completed_at)))
        elif status == "skipped":
            steps.append(PublicStep(name, "skipped"))
        elif status in ("ready", "started") and app.status.value == "open":
            due = None
            if record.timer is not None:
                due = describe(record.timer, moment, clock, timer_pauses(app, record.timer)).due_at
            steps.append(PublicStep(name, "current", expected_at=local(due)))
        else:
            steps.append(PublicStep(name, "waiting"))
    open_pause = next((p for p in app.pauses if p.ended_at is None), None)
    reason = None
    if open_pause is not None:
        found = pause_reasons().get(open_pause.reason_code)
        reason = pick(found.name_zh, found.name_en, lang) if found else None
    missing = [] if app.materials_supplied_at else list(app.missing_materials)
    whole = describe(app.timer, moment, clock, timer_pauses(app, app.timer)) if app.timer else None
    return PublicProgress(
        number=app.number, flow_name=pick(flow.name_zh, flow.name_en, lang),
        status=app.status.value, accepted_at=local(app.accepted_at),
        promised_at=local(whole.due_at) if whole else None,
        water_on_at=local(app.water_on_at), paused_reason=reason, missing_documents=missing,
        documents_by=app.materials_promised_on if missing else None, steps=steps)
