"""Escalation (电子监察): the levels each duty has reached, supervision notices, opt-outs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import SlaTimer, User
from ..models.base import JSONType, UTCDateTime, now_utc

# The levels, in order, with their Chinese and English names (电子监察: 黄牌 → 红牌 → 督办).
LEVELS = {
    "yellow": ("黄牌预警", "Yellow card (warning)"),
    "red": ("红牌超时", "Red card (overdue)"),
    "supervision": ("督办", "Supervision (督办)"),
}
NOTICE_STATUSES = {
    "open": ("待答复", "Awaiting answer"),
    "answered": ("已答复", "Answered"),
}


class EscalationMark(db.Model):
    """A level a duty has reached: one row per timer and level, ever (the unique key is what
    makes a level fire once even when two schedulers race)."""

    __tablename__ = "escalation_marks"
    __table_args__ = (UniqueConstraint("timer_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    timer_id: Mapped[int] = mapped_column(ForeignKey("sla_timers.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the threshold instant
    noticed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Whom it went to: user ids, and the kinds of recipient the level named.
    recipients: Mapped[dict] = mapped_column(JSONType, default=dict)


class SupervisionNotice(db.Model):
    """督办单: the department must answer in writing by a deadline of its own (its own timer)."""

    __tablename__ = "supervision_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    # The duty that ran over, and the notice's own answer clock.
    duty_timer_id: Mapped[int] = mapped_column(ForeignKey("sla_timers.id"), unique=True)
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("sla_timers.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    duty_label: Mapped[str] = mapped_column(String(200), default="")
    duty_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    timer: Mapped[SlaTimer | None] = relationship(foreign_keys=[timer_id], lazy="joined")
    duty_timer: Mapped[SlaTimer] = relationship(foreign_keys=[duty_timer_id], lazy="joined")
    answered_by: Mapped[User | None] = relationship(lazy="joined")


class EscalationOptOut(db.Model):
    """A level that does not reach a user (default: every level does)."""

    __tablename__ = "escalation_optouts"
    __table_args__ = (UniqueConstraint("user_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
