"""Reads of the escalation feature (never commit)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import SlaTimer
from ..services.errors import NotFound
from ..text import unstorable
from .models import LEVELS, EscalationOptOut, SupervisionNotice


def get_notice(number: str) -> SupervisionNotice:
    notice = None if unstorable(number) else db.session.scalar(
        select(SupervisionNotice).where(SupervisionNotice.number == number))
    if notice is None:
        raise NotFound("No supervision notice numbered %(number)s.", params={"number": number})
    return notice


def list_notices(department: str | None = None, status: str | None = None,
                 page: int = 1, per_page: int = 50) -> tuple[list[SupervisionNotice], int]:
    """Open ones first (by answer deadline), then the answered, newest first."""
    where = []
    if department:
        where.append(SupervisionNotice.department_code == department)
    if status:
        where.append(SupervisionNotice.status == status)
    total = db.session.scalar(select(func.count()).select_from(SupervisionNotice)
                              .where(*where)) or 0
    rows = db.session.scalars(
        select(SupervisionNotice).outerjoin(SlaTimer, SlaTimer.id == SupervisionNotice.timer_id)
        .where(*where)
        .order_by((SupervisionNotice.status != "open"), SlaTimer.due_at.asc(),
                  SupervisionNotice.issued_at.desc(), SupervisionNotice.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).unique()
    return list(rows), total


def notices_issued_between(start: datetime, end: datetime) -> list[SupervisionNotice]:
    """The 督办单 issued in [start, end) (the monthly report's list)."""
    return list(db.session.scalars(
        select(SupervisionNotice).where(SupervisionNotice.issued_at >= start,
                                        SupervisionNotice.issued_at < end)
        .order_by(SupervisionNotice.issued_at, SupervisionNotice.id)).unique())


def notices_by_timer(timer_ids: list[int]) -> dict[int, SupervisionNotice]:
    """The notices whose answer clock is one of these timers (My work), in one query."""
    if not timer_ids:
        return {}
    return {n.timer_id: n for n in db.session.scalars(
        select(SupervisionNotice).where(SupervisionNotice.timer_id.in_(timer_ids))).unique()}


def levels_of(user_id: int) -> list[str]:
    """The levels that reach a user (all, less those opted out)."""
    out = set(db.session.scalars(select(EscalationOptOut.level).where(
        EscalationOptOut.user_id == user_id)))
    return [level for level in LEVELS if level not in out]
