"""Read-side queries: the filtered, paginated application list shared by the API and pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Application, AppStatus, SlaTimer, StepRecord, StepStatus, TimerState


@dataclass
class ApplicationFilter:
    flow: str | None = None
    status: str | None = None
    overdue: bool | None = None
    due_before: datetime | None = None
    department: str | None = None
    step: str | None = None
    text: str | None = None


def _filtered(f: ApplicationFilter, now: datetime):
    timer = aliased(SlaTimer)
    query = select(Application).join(timer, Application.timer_id == timer.id, isouter=True)
    if f.flow:
        query = query.where(Application.flow_code == f.flow)
    if f.status:
        query = query.where(Application.status == AppStatus(f.status))
    if f.overdue is not None:
        is_overdue = or_(and_(timer.state == TimerState.RUNNING, timer.due_at <= now),
                         and_(timer.state == TimerState.DONE, timer.late.is_(True)))
        query = query.where(is_overdue if f.overdue else ~is_overdue)
    if f.due_before:
        query = query.where(timer.due_at < f.due_before,
                            timer.state.in_([TimerState.RUNNING, TimerState.PAUSED]))
    if f.department or f.step:
        active = select(StepRecord.id).where(
            StepRecord.application_id == Application.id,
            StepRecord.status.in_([StepStatus.READY, StepStatus.STARTED]))
        if f.department:
            active = active.where(StepRecord.department_code == f.department)
        if f.step:
            active = active.where(StepRecord.code == f.step)
        query = query.where(exists(active))
    if f.text:
        like = f"%{f.text.strip()}%"
        query = query.where(or_(Application.number.ilike(like),
                                Application.customer_name.ilike(like),
                                Application.contact_name.ilike(like),
                                Application.contact_phone.ilike(like),
                                Application.address.ilike(like)))
    return query, timer


def list_applications(f: ApplicationFilter, now: datetime, page: int, per_page: int
                      ) -> tuple[list[Application], int]:
    """One page of applications (soonest deadline first when filtering overdue/due) and the total."""
    query, timer = _filtered(f, now)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if f.overdue or f.due_before:
        order = (timer.due_at.asc(), Application.id.asc())
    else:
        order = (Application.accepted_at.desc(), Application.id.desc())
    items = db.session.scalars(query.order_by(*order).offset((page - 1) * per_page)
                               .limit(per_page)).unique().all()
    return list(items), int(total or 0)


def iter_applications(f: ApplicationFilter, now: datetime, batch: int = 500):
    """All matching applications in batches (CSV export without loading everything)."""
    query, _ = _filtered(f, now)
    query = query.order_by(Application.accepted_at.desc(), Application.id.desc())
    offset = 0
    while True:
        rows = db.session.scalars(query.offset(offset).limit(batch)).unique().all()
        if not rows:
            return
        yield from rows
        offset += batch
        db.session.expunge_all()
