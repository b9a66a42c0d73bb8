"""After-care reads: callbacks and follow-ups by id, the lists, unanswered calls."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Event, SlaTimer, SubjectType, TimerState
from ..services.errors import NotFound
from ..services.pagination import paginate
from .models import Callback, FollowUp


def get_callback(callback_id: int) -> Callback:
    callback = db.session.get(Callback, callback_id)
    if callback is None:
        raise NotFound("No callback with id %(id)s.", params={"id": callback_id})
    return callback


def callback_of(application_id: int) -> Callback | None:
    """The application's callback (one per completed application), if it has one yet."""
    return db.session.scalar(select(Callback).where(Callback.application_id == application_id))


def latest_follow_up(application_id: int) -> FollowUp | None:
    """The application's most recent home-visit follow-up, if any."""
    return db.session.scalar(select(FollowUp).where(FollowUp.application_id == application_id)
                             .order_by(FollowUp.id.desc()).limit(1))


def list_callbacks(*, status: str | None = None, page: int = 1, per_page: int = 50,
                   water_on: tuple[datetime, datetime] | None = None
                   ) -> tuple[list[Callback], int]:
    """Callbacks, the open ones by deadline first; with `water_on` ([start, end)), those of
    the applications whose water went on then: the callbacks the callback rate of that month
    counts as due (services.figures.callback_counts)."""
    where = []
    if water_on is not None:
        whole = aliased(SlaTimer)
        where.append(Callback.application_id.in_(
            select(whole.application_id).where(
                whole.subject_type == SubjectType.APPLICATION, whole.state == TimerState.DONE,
                whole.completed_at >= water_on[0], whole.completed_at < water_on[1])))
    return _open_first(Callback, status, page, per_page, where)


def attempts_of(callback_ids: Iterable[int]) -> dict[int, int]:
    """How many unanswered calls were logged per callback."""
    ids = list(callback_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Event.subject_id, func.count()).where(
            Event.subject_type == "callback", Event.action == "callback.attempt",
            Event.subject_id.in_(ids)).group_by(Event.subject_id)).all()
    return {subject_id: count for subject_id, count in rows}


def get_follow_up(follow_up_id: int) -> FollowUp:
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound("No follow-up with id %(id)s.", params={"id": follow_up_id})
    return follow_up


def list_follow_ups(*, status: str | None = None, page: int = 1,
                    per_page: int = 50) -> tuple[list[FollowUp], int]:
    """Home-visit follow-ups, the open ones by deadline first."""
    return _open_first(FollowUp, status, page, per_page)


def _open_first(model: type[Callback | FollowUp], status: str | None, page: int,
                per_page: int, where: Iterable[Any] = ()) -> tuple[list[Any], int]:
    """A page of callbacks or follow-ups (of one status, if given): open ones first by their
    deadline, then the newest."""
    query = select(model).join(SlaTimer, SlaTimer.id == model.timer_id, isouter=True) \
        .where(*where)
    if status:
        query = query.where(model.status == status)
    return paginate(query.order_by(case((model.status == "open", 0), else_=1),
                                   SlaTimer.due_at, model.id.desc()), page, per_page)
