"""Reads of the assessment (never commit): the review of a month, its outcome over the live
draft or an issued version, the appeal window, the open appeals."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..localtime import LOCAL
from ..models import SlaTimer, SubjectType, User
from ..reports.issuance import get_issued
from ..reports.monthly import compute_monthly_report
from ..services.app_clock import app_clock
from ..services.months import Month
from ..services.reference import departments
from ..settings import settings
from .models import OPEN, Appeal, AssessmentReview, ItemDecision, ManualItem
from .outcome import Decision, Manual, apply_review


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(LOCAL).isoformat()


def get_review(month: Month) -> AssessmentReview | None:
    return db.session.scalar(select(AssessmentReview)
                             .where(AssessmentReview.month == month.label))


def review_version(month: Month) -> int:
    """The version a change to the month's review is made from (0 before any change)."""
    review = get_review(month)
    return review.version_id if review is not None else 0


def _names(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.label for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def department_names(code: str) -> tuple[str, str]:
    dept = departments().get(code)
    return (dept.name_zh, dept.name_en) if dept else (code, code)


def review_rows(review: AssessmentReview | None) -> tuple[list[Decision], list[Manual],
                                                          list[Appeal]]:
    """The review's decisions and manual items (as plain data) and its appeals."""
    if review is None:
        return [], [], []
    decisions = list(db.session.scalars(select(ItemDecision)
                                        .where(ItemDecision.review_id == review.id)))
    manual = list(db.session.scalars(select(ManualItem).where(ManualItem.review_id == review.id)
                                     .order_by(ManualItem.id)))
    appeals = list(db.session.scalars(select(Appeal).where(Appeal.review_id == review.id)
                                      .order_by(Appeal.id)))
    names = _names({d.decided_by_id for d in decisions} | {m.created_by_id for m in manual})
    plain = [Decision(d.item_key, d.points, d.status, d.reason, names.get(d.decided_by_id),
                      _iso(d.decided_at), d.appeal_id) for d in decisions]
    extra = [Manual(m.id, m.rule, m.department_code, *department_names(m.department_code),
                    m.points, m.reason, m.evidence, m.status, names.get(m.created_by_id),
                    _iso(m.created_at)) for m in manual]
    return plain, extra, appeals


def outcome_of(points: dict[str, Any], review: AssessmentReview | None) -> dict[str, Any]:
    """`points` (a draft's) with the review applied."""
    decisions, manual, _appeals = review_rows(review)
    return apply_review(points, decisions, manual)


def draft_points(month: Month) -> dict[str, Any]:
    """The draft the system computes now (the report's live `points`)."""
    return compute_monthly_report(month)["points"]


def appeal_deadline(issued_at: datetime) -> datetime:
    """The close of office on the Nth working day after the issue day (holiday calendar;
    N = TRACKER_ASSESSMENT_APPEAL_DAYS)."""
    clock = app_clock()
    day = clock.working_day_after(issued_at.astimezone(LOCAL).date(),
                                  settings().assessment_appeal_days)
    return clock.close_of_day(day)


def issued_points(month: Month) -> tuple[int, dict[str, Any]] | None:
    """The latest issued version of the month and its (reviewed) points, or None."""
    row = get_issued(month)
    if row is None:
        return None
    return row.version, row.data.get("points") or {}


def open_appeals(department: str | None = None) -> list[Appeal]:
    """Open appeals, oldest first (of one department when given)."""
    query = select(Appeal).where(Appeal.state == OPEN).order_by(Appeal.filed_at, Appeal.id)
    if department:
        query = query.where(Appeal.department_code == department)
    return list(db.session.scalars(query))


def appeal_timer(appeal_id: int) -> SlaTimer | None:
    """The timer of the assessment office's duty to decide an appeal (None before 0016)."""
    return db.session.scalar(select(SlaTimer).where(SlaTimer.subject_type == SubjectType.APPEAL,
                                                    SlaTimer.subject_id == appeal_id))


def appeals_by_timer(timer_ids: list[int]) -> dict[int, tuple[Appeal, str]]:
    """{timer id: (the appeal, its month)} for the appeals' timers (one query: My work)."""
    if not timer_ids:
        return {}
    rows = db.session.execute(
        select(SlaTimer.id, Appeal, AssessmentReview.month)
        .join(Appeal, Appeal.id == SlaTimer.subject_id)
        .join(AssessmentReview, AssessmentReview.id == Appeal.review_id)
        .where(SlaTimer.subject_type == SubjectType.APPEAL, SlaTimer.id.in_(timer_ids)))
    return {timer_id: (appeal, month) for timer_id, appeal, month in rows}


def month_of(review_id: int) -> str | None:
    return db.session.scalar(select(AssessmentReview.month)
                             .where(AssessmentReview.id == review_id))
