"""Platform intake (甄别): records pushed by government platforms, and refused pushes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import SlaTimer, User
from ..models.base import JSONType, UTCDateTime, now_utc


class IntakeRecord(db.Model):
    """A project or company record pushed by a government platform, waiting to be screened."""

    __tablename__ = "intake_records"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(100))
    project_name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    water_need: Mapped[str] = mapped_column(String(300), default="")
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    payload_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    no_need_reason: Mapped[str] = mapped_column(Text, default="")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("sla_timers.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    timer: Mapped[SlaTimer | None] = relationship(lazy="joined")
    screened_by: Mapped[User | None] = relationship(lazy="joined")


class RejectedIntake(db.Model):
    """A push that was refused, kept for an administrator to read."""

    __tablename__ = "rejected_intakes"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(40), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    status_code: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    body_excerpt: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(default=0)
