"""The problem library (问题库)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import SlaTimer
from ..models.base import UTCDateTime, now_utc

# The codes of the coded columns, with their Chinese and English names.
SOURCES = {
    "officer": ("服务体验官", "Service experience officer"),
    "hotline_12345": ("12345 热线", "12345 hotline"),
    "haochaping": ("好差评", "Government evaluation (好差评)"),
    "visit": ("客户走访", "Customer visit"),
}
STATUSES = {
    # Seed 000 六 2: the 营商办 "将问题清单下达各责任单位/部门开展核查": a problem registered from a
    # report waits for that act (下达) before its 3 working days of verification start.
    "registered": ("待下达", "To be issued"),
    "verifying": ("待核查", "Verifying"),
    "rectifying": ("整改中", "Rectifying"),
    "rechecking": ("待复核", "Re-checking"),
    "closed": ("已销号", "Closed"),
    "not_problem": ("经核查非问题", "Not a problem"),
}
STAGES = {
    "verify": ("核查", "Verification"),
    "rectify": ("整改", "Rectification"),
    "recheck": ("复核", "Re-check"),
}


class Problem(db.Model):
    """问题库 entry: verify (核查) → rectify (整改) → re-check (复核) → closed (销号)."""

    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(30))  # officer|hotline_12345|haochaping|visit
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(300), default="")
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), default="registered", index=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 下达: when the list was issued to the department (the verification clock starts here).
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
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


class ProblemFinding(db.Model):
    """A sanction finding (考核扣分): seed 000 六 4 "对问题敷衍对待、无实质落实提升的，将对责任单位/
    部门的年度营商环境绩效考核予以扣分". Recorded by the assessment office against the department
    responsible for the problem, counted in the annual roll-up of its year; never deleted."""

    __tablename__ = "problem_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int] = mapped_column(index=True)  # the annual assessment it counts in
    points: Mapped[float] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    problem: Mapped[Problem] = relationship(lazy="joined")
