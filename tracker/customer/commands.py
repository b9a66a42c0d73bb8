"""Online appointments (网上预约; the Wuhu action plan, 四(一)1 "用水报装全部实行网上预约"): a
customer asks for a connection; the connection team answers within a configurable limit (the
appointment's own SlaTimer: in My work, warned and escalated like every duty); accepting it
creates the application from what the customer typed, in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..extensions import db
from ..localtime import LOCAL
from ..models import Application, SubjectType, TimerState, User
from ..phone import phone_error
from ..services import events, timers
from ..services.app_clock import app_clock, now
from ..services.applications import NewApplication, create_application
from ..services.errors import Conflict, ValidationFailed
from ..services.numbering import next_number
from ..services.transaction import check_version, transactional
from ..settings import settings
from ..text import unstorable
from . import messages
from .models import Appointment
from .queries import answer_limit, get_appointment
from .ratelimit import refuse_if_limited

PURPOSES = ("domestic", "business", "construction", "fire")
CUSTOMER_TYPES = ("company", "person")
AHEAD_MAX = timedelta(days=180)
# Two clerks answering the same appointment at once: the second finds a newer version.
ANSWERED_AT_ONCE = "Someone else answered this appointment at the same moment; reload the list."


@dataclass
class AppointmentRequest:
    customer_type: str
    customer_name: str
    contact_name: str
    contact_phone: str
    address: str
    purpose: str
    preferred_at: datetime | None = None
    note: str = ""


def _errors(data: AppointmentRequest, moment: datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    texts = {"customer_name": (data.customer_name, 200), "contact_name": (data.contact_name, 100),
             "contact_phone": (data.contact_phone, 40), "address": (data.address, 300),
             "note": (data.note, 1000)}
    for name, (value, longest) in texts.items():
        value = (value or "").strip()
        if not value and name != "note":
            errors.setdefault(name, []).append("Required.")
        elif len(value) > longest:
            errors.setdefault(name, []).append(f"Longer than maximum length {longest}.")
        elif unstorable(value):
            errors.setdefault(name, []).append("Must not contain control characters.")
    problem = phone_error(data.contact_phone)
    if problem and "contact_phone" not in errors:
        errors.setdefault("contact_phone", []).append(problem)
    if data.purpose not in PURPOSES:
        errors.setdefault("purpose", []).append("Not one of the allowed values.")
    if data.customer_type not in CUSTOMER_TYPES:
        errors.setdefault("customer_type", []).append("Not one of the allowed values.")
    if data.preferred_at is not None:
        if data.preferred_at < moment - timedelta(hours=1):
            errors.setdefault("preferred_at", []).append("Cannot be in the past.")
        elif data.preferred_at > moment + AHEAD_MAX:
            errors.setdefault("preferred_at", []).append("At most 180 days ahead.")
    return errors


@transactional
def submit(data: AppointmentRequest) -> Appointment:
    """Record a customer's appointment and start the team's clock to answer it."""
    moment = now()
    errors = _errors(data, moment)
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    row = Appointment(number=next_number("YY", moment.astimezone(LOCAL).year),
                      customer_type=data.customer_type, customer_name=data.customer_name.strip(),
                      contact_name=data.contact_name.strip(),
                      contact_phone=data.contact_phone.strip(),
                      address=data.address.strip(), purpose=data.purpose,
                      preferred_at=data.preferred_at, note=(data.note or "").strip(),
                      received_at=moment)
    db.session.add(row)
    db.session.flush()
    row.timer = timers.new_timer(
        subject_type=SubjectType.APPOINTMENT, subject_id=row.id, start=moment,
        limit=answer_limit(), department=settings().appointment_department, clock=app_clock(),
        label=f"{row.number} 网上预约 {row.customer_name}", stage="answer")
    events.record("appointment.received", actor=None, subject_type="appointment",
                  subject_id=row.id, number=row.number, customer=row.customer_name)
    messages.appointment_received(row)
    return row


def submit_online(data: AppointmentRequest, address: str) -> Appointment:
    """The public form's submission: counted per client address first (a third of the
    lookups allowed, at least 3 a window; committed even when refused), then recorded."""
    refuse_if_limited((f"appointment-ip:{address}",
                       max(3, settings().public_rate_per_address // 3)))
    return submit(data)


def _pending(appointment_id: int, expected_version: int | None) -> Appointment:
    """The appointment, still waiting for its answer, at the version the clerk saw."""
    row = get_appointment(appointment_id)
    if row.status != "pending":
        raise Conflict("Appointment %(number)s was already answered.",
                       params={"number": row.number})
    check_version(row, expected_version, "Someone else changed appointment %(number)s first; "
                  "reload and try again.", number=row.number)
    return row


def _answer(row: Appointment, status: str, actor: User, moment: datetime) -> None:
    """Mark the appointment answered and stop its clock (a duty done, on time or late)."""
    row.status, row.answered_at, row.answered_by_id = status, moment, actor.id
    if row.timer is not None and row.timer.state in (TimerState.RUNNING, TimerState.PAUSED):
        timers.finish(row.timer, moment, app_clock(), [])


@transactional(stale=ANSWERED_AT_ONCE)
def accept(appointment_id: int, flow: str, actor: User, *,
           attributes: dict[str, str] | None = None,
           expected_version: int | None = None) -> Application:
    """Create the application from the appointment (nothing typed twice) and link the two,
    in one commit: the application's creation joins this transaction."""
    row = _pending(appointment_id, expected_version)
    data = NewApplication(
        flow=flow, customer_name=row.customer_name, customer_type=row.customer_type,
        contact_name=row.contact_name, contact_phone=row.contact_phone, address=row.address,
        channel="online", requested_at=row.preferred_at if flow == "101" else None,
        attributes=attributes or {},
        note=f"网上预约 {row.number}" + (f"：{row.note}" if row.note else ""))
    app = create_application(data, actor)
    moment = now()
    _answer(row, "accepted", actor, moment)
    row.application_id = app.id
    if row.timer is not None:
        row.timer.application_id = app.id
    events.record("appointment.accepted", actor=actor, subject_type="appointment",
                  subject_id=row.id, application_id=app.id, number=row.number,
                  application=app.number)
    return app


@transactional(stale=ANSWERED_AT_ONCE)
def decline(appointment_id: int, reason: str, actor: User, *,
            expected_version: int | None = None) -> Appointment:
    """Answer an appointment that will not become an application, with the reason."""
    row = _pending(appointment_id, expected_version)
    reason = (reason or "").strip()
    if not reason or unstorable(reason):
        raise ValidationFailed("Say why the appointment is declined.",
                               fields={"reason": ["Required."]})
    _answer(row, "declined", actor, now())
    row.decline_reason = reason[:1000]
    events.record("appointment.declined", actor=actor, subject_type="appointment",
                  subject_id=row.id, number=row.number, reason=row.decline_reason)
    return row
