"""The assessment's working document (issue 11; action plan 五（六）/（七)): one review per
month over the draft the report computes, the assessor's decisions on its items, the items the
assessor adds, and the departments' appeals. Nothing is deleted: a decision changed or an item
withdrawn keeps its row (and the event log keeps every step)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models.base import UTCDateTime, now_utc

# What became of a draft item (`ItemDecision.status`): counted at the chosen points, a
# back-dated lateness confirmed (counted), waived (not counted), removed by an upheld appeal.
COUNTED, CONFIRMED, WAIVED, REMOVED = "counted", "confirmed", "waived", "removed"
NOT_COUNTED = frozenset({WAIVED, REMOVED})
# An appeal: open until the assessor decides; upheld (the item changed or removed) or rejected.
OPEN, UPHELD, REJECTED = "open", "upheld", "rejected"


class AssessmentReview(db.Model):
    """The review of one month's draft; every change to it moves `version_id` (If-Match)."""

    __tablename__ = "assessment_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The latest issued report version that carries this review, and when it was issued (the
    # appeal window runs from it).
    issued_version: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changed_since_issue: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}


class ItemDecision(db.Model):
    """The assessor's decision on one draft item (by its stable key)."""

    __tablename__ = "assessment_decisions"
    __table_args__ = (UniqueConstraint("review_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("assessment_reviews.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(300))
    points: Mapped[float | None] = mapped_column(Float)  # None: the draft's default
    status: Mapped[str] = mapped_column(String(20), default=COUNTED)
    reason: Mapped[str] = mapped_column(Text, default="")
    appeal_id: Mapped[int | None] = mapped_column(Integer)  # set when an appeal decided it
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class ManualItem(db.Model):
    """An item the assessor adds (discretionary rules: by analogy, 台账, 督查办's deduction…)."""

    __tablename__ = "assessment_manual_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("assessment_reviews.id"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    department_code: Mapped[str] = mapped_column(String(40))
    points: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")  # a reference: file no., notice…
    status: Mapped[str] = mapped_column(String(20), default=COUNTED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class Appeal(db.Model):
    """A department's appeal against one item of an issued version."""

    __tablename__ = "assessment_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("assessment_reviews.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(300))
    report_version: Mapped[int] = mapped_column(Integer)
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(Text)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20), default=OPEN, index=True)
    # Upheld: the points the item now carries (None: removed).
    outcome_points: Mapped[float | None] = mapped_column(Float)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
