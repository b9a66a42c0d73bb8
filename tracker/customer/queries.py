"""The customer feature's reads: appointments (one, the open ones by deadline, the answered),
the appointment an application came from, and the limit the team answers within."""
from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import Application, SlaTimer
from ..services.errors import NotFound
from ..services.plain_reads import plain_rows
from ..settings import settings
from ..sla import Limit, LimitKind
from .models import Appointment


def answer_limit() -> Limit:
    """The connection team answers an online appointment within this (TRACKER_APPOINTMENT_LIMIT_DAYS)."""
    return Limit(kind=LimitKind.WORKING_DAYS, amount=settings().appointment_limit_days)


def get_appointment(appointment_id: int) -> Appointment:
    row = db.session.get(Appointment, appointment_id)
    if row is None:
        raise NotFound("No such appointment.")
    return row


def pending(limit: int = 200) -> list[Appointment]:
    """Open appointments, the soonest answer due first."""
    return list(db.session.scalars(
        select(Appointment).join(SlaTimer, SlaTimer.id == Appointment.timer_id)
        .where(Appointment.status == "pending").order_by(SlaTimer.due_at, Appointment.id)
        .limit(limit)))


def recent(limit: int = 50) -> list[Appointment]:
    """The latest answered appointments, newest first."""
    return list(db.session.scalars(select(Appointment).where(Appointment.status != "pending")
                                   .order_by(Appointment.answered_at.desc()).limit(limit)))


def application_numbers(rows: list[Appointment]) -> dict[int, str]:
    """Application id → number for the accepted ones among `rows`."""
    ids = [r.application_id for r in rows if r.application_id]
    if not ids:
        return {}
    return {a.id: a.number for a in db.session.scalars(
        select(Application).where(Application.id.in_(ids)))}


# Every application page asks (the documents section's documents on record): built once,
# read as a plain row (issue 15).
_APPOINTMENT_OF = select(Appointment.id, Appointment.number).where(
    Appointment.application_id == bindparam("application_id"))


def appointment_of(app: Application) -> Any:
    """The id and number (a row) of the online appointment an application was accepted
    from, if any."""
    return plain_rows(_APPOINTMENT_OF, {"application_id": app.id}).first()


def appointments_by_id(ids: list[int]) -> dict[int, Appointment]:
    """The appointments with these ids, in one query (My work)."""
    return {a.id: a for a in db.session.scalars(select(Appointment).where(Appointment.id.in_(ids)))}
