"""Around the connection: platform intake (甄别), callbacks (回访), evaluations (好差评), problems (问题库)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONType, UTCDateTime, now_utc
from .timers import SlaTimer
from .users import User


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


class Callback(db.Model):
    """回访: one per completed application."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open|done
    reached: Mapped[bool | None]
    satisfied: Mapped[bool | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("sla_timers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    timer: Mapped[SlaTimer | None] = relationship(lazy="joined")
    done_by: Mapped[User | None] = relationship(lazy="joined")


class Evaluation(db.Model):
    """好差评: an evaluation imported from the government evaluation system."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40), default="haochaping")
    external_id: Mapped[str] = mapped_column(String(100))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    application_number: Mapped[str] = mapped_column(String(40), default="")
    satisfied: Mapped[bool]
    score: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class FollowUp(db.Model):
    """上门回访: opened by a "not satisfied" callback or evaluation, closed with what was done."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    origin: Mapped[str] = mapped_column(String(20))  # callback | evaluation
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callbacks.id"))
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluations.id"))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open|closed
    action_taken: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("sla_timers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    timer: Mapped[SlaTimer | None] = relationship(lazy="joined")


class Problem(db.Model):
    """问题库 entry: verify (核查) → rectify (整改) → re-check (复核) → closed (销号)."""

    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(30))  # officer|hotline_12345|haochaping|visit
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(300), default="")
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), default="verifying", index=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verification_note: Mapped[str] = mapped_column(Text, default="")
    not_problem_reason: Mapped[str] = mapped_column(Text, default="")
    rectify_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rectification_note: Mapped[str] = mapped_column(Text, default="")
    recheck_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("sla_timers.id"))  # current stage
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    timer: Mapped[SlaTimer | None] = relationship(lazy="joined")
