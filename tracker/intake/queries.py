"""Intake reads: the screening queue, one record, the counts, the refused pushes."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..services.errors import NotFound
from ..services.pagination import paginate
from .models import IntakeRecord, RejectedIntake


def get_record(record_id: int) -> IntakeRecord:
    record = db.session.get(IntakeRecord, record_id)
    if record is None:
        raise NotFound("No pushed record with id %(id)s.", params={"id": record_id})
    return record


def list_records(*, status: str | None = "pending", platform: str | None = None, page: int = 1,
                 per_page: int = 50) -> tuple[list[IntakeRecord], int]:
    """The queue: pending records oldest first; decided ones newest first."""
    query = select(IntakeRecord)
    if status:
        query = query.where(IntakeRecord.status == status)
    if platform:
        query = query.where(IntakeRecord.platform == platform)
    order = (IntakeRecord.received_at, IntakeRecord.id) if status == "pending" \
        else (IntakeRecord.received_at.desc(), IntakeRecord.id.desc())
    return paginate(query.order_by(*order), page, per_page)


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(IntakeRecord.status, func.count())
                              .group_by(IntakeRecord.status)).all()
    return {status: int(count) for status, count in rows}


def changed_after_screening(record: IntakeRecord) -> bool:
    return record.screened_at is not None and record.updated_at > record.screened_at


def rejection_reason(row: RejectedIntake) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(msgid, params, fields) of a stored rejection; older free text comes back as is."""
    try:
        data = json.loads(row.reason)
        return data["message"], data.get("params") or {}, data.get("fields") or {}
    except (ValueError, KeyError, TypeError):
        return row.reason, {}, {}


def list_rejected(page: int = 1, per_page: int = 50) -> tuple[list[RejectedIntake], int]:
    return paginate(select(RejectedIntake).order_by(RejectedIntake.received_at.desc(),
                                                    RejectedIntake.id.desc()), page, per_page)


def records_by_id(ids: list[int]) -> dict[int, IntakeRecord]:
    """The pushes with these ids, in one query (My work)."""
    return {r.id: r for r in db.session.scalars(select(IntakeRecord).where(IntakeRecord.id.in_(ids)))}
