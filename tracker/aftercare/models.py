"""After-care: callbacks (回访), evaluations (好差评) and home-visit follow-ups (上门回访)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import SlaTimer, User
from ..models.base import UTCDateTime, now_utc

# The rows a list shows after the open ones, newest first (aftercare.queries._open_first):
# a partial index on the id, written with the literal the query uses so that both databases
# match the query to it.
NOT_OPEN_SQL = "status <> 'open'"


def _closed_index(table: str) -> Index:
    return Index(f"ix_{table}_closed", "id", postgresql_where=text(NOT_OPEN_SQL),
                 sqlite_where=text(NOT_OPEN_SQL))


class Callback(db.Model):
    """回访: one per completed application."""

    __tablename__ = "callbacks"
    __table_args__ = (_closed_index("callbacks"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open|done
    reached: Mapped[bool | None]
    satisfied: Mapped[bool | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    # 003 五（四）1 "若有客户不满意，热线中心需责成相关部门处理": the department customer service
    # assigns a "not satisfied" callback to; the assessment charges it (none yet: nobody).
    assigned_department: Mapped[str | None] = mapped_column(String(40))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Indexed, as the two dates below: the monthly report reads the month's rows only.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
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
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class FollowUp(db.Model):
    """上门回访: opened by a "not satisfied" callback or evaluation, closed with what was done."""

    __tablename__ = "follow_ups"
    __table_args__ = (_closed_index("follow_ups"),)

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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    timer: Mapped[SlaTimer | None] = relationship(lazy="joined")
