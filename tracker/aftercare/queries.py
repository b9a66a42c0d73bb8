"""After-care reads: callbacks and follow-ups by id, the lists, unanswered calls."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, literal_column, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Event, SlaTimer, SubjectType, TimerState
from ..services import tallies
from ..services.errors import NotFound
from .models import Callback, FollowUp

OPEN = literal_column("'open'")  # the status of an open callback or follow-up, as a literal


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
    """A page of callbacks or follow-ups (of one status, if given): the open ones first, the
    soonest deadline first (what customer service must call next), then the others newest
    first (by id).

    Two reads, each cut to the page by its own index, instead of one sort of every row ever
    made (930x the log-in page at 100k applications, for a page of 50): the open ones are
    the open work (a few hundred, however long the history), sorted by their timers' deadline;
    the others walk `ix_<table>_closed` backwards. Both are asked on every page (LIMIT 0 when
    the page is full), so a page always costs the same queries."""
    where, status = list(where), status or None
    parts = []
    if status in (None, "open"):
        parts.append(select(model).join(SlaTimer, SlaTimer.id == model.timer_id, isouter=True)
                     .where(model.status == OPEN, *where)
                     .order_by(SlaTimer.due_at, model.id.desc()))
    if status != "open":
        # The literal (not a bound parameter) lets PostgreSQL match the partial index.
        closed = model.status != OPEN if status is None else model.status == status
        parts.append(select(model).where(closed, *where).order_by(model.id.desc()))
    if where:
        totals = [db.session.scalar(select(func.count()).select_from(
            part.order_by(None).subquery())) or 0 for part in parts]
    else:
        # Of every row ever made: the triggers' tallies (services.tallies), not a count of
        # the whole history (134 ms for the callbacks at 1M applications).
        subject = model.__tablename__
        totals = [int(db.session.scalar(statement)) for statement in (
            ([tallies.total(subject, status=OPEN)] if status in (None, "open") else [])
            + ([] if status == "open" else [
                tallies.total(subject, other_than=OPEN) if status is None
                else tallies.total(subject, status=literal(status))]))]
    items: list[Any] = []
    skip = (page - 1) * per_page
    for part, total in zip(parts, totals, strict=True):
        items += db.session.scalars(part.limit(per_page - len(items)).offset(
            min(skip, total))).unique()
        skip = max(0, skip - total)
    return items, sum(totals)
