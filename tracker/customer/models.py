"""Online appointments (网上预约) and the counters that rate-limit the public pages."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import SlaTimer, User
from ..models.base import UTCDateTime, now_utc


class Appointment(db.Model):
    """A customer's request for a connection, answered by the connection team within a limit
    (its own SlaTimer); accepting it creates the application from what the customer typed."""

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_type: Mapped[str] = mapped_column(String(20), default="company")
    customer_name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(String(40))  # what the water is for
    preferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"),
                                                       unique=True)
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("sla_timers.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    timer: Mapped[SlaTimer | None] = relationship(lazy="joined")
    answered_by: Mapped[User | None] = relationship(lazy="joined")


class RateCounter(db.Model):
    """Requests per key (client address, application number) in one fixed window; incremented
    by an atomic upsert, so the limit holds across workers and hosts."""

    __tablename__ = "public_rate_counters"
    __table_args__ = (UniqueConstraint("key", "window_start"),
                      Index("ix_public_rate_counters_window", "window_start"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(default=0)
