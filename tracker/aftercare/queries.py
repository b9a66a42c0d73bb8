"""After-care reads: callbacks and follow-ups by id, the lists, unanswered calls."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, literal, literal_column, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Application, Event, ProxyAct, SlaTimer, SubjectType, TimerState, User
from ..services import tallies
from ..services.errors import NotFound
from ..services.plain_reads import light_rows, plain_rows
from ..services.queries import TIMER_COLUMNS
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


# --- the callbacks list as plain rows ---------------------------------------------------------
#
# A page of callbacks as Core rows (services.plain_reads), one statement per part: the
# callback's columns, its application's that a row shows, its timer's as `timer_<name>` (the
# fields of services.queries.ListedTimer) and `timer_department_code`, who did it, and how
# many unanswered calls were logged, whether a 代办 act names it. Hydrating Callback objects
# (with their timer and user) and reading the applications, the attempts and the acts apiece
# was most of the list's time (the follow-ups list still reads objects: _open_first).

_DONE_BY = aliased(User, name="done_by")
_WHOLE = aliased(SlaTimer, name="whole")  # the application's own timer (?water_on=)
_ATTEMPTS = (select(func.count()).where(
    Event.subject_type == "callback", Event.action == "callback.attempt",
    Event.subject_id == Callback.id).correlate(Callback).scalar_subquery())
# Whether a 代办 act names the callback: the acts are read only for those (rare), not with a
# query of their own on every page.
_PROXIED = select(ProxyAct.id).where(
    ProxyAct.subject_type == "callback", ProxyAct.subject_id == Callback.id
).correlate(Callback).exists()
CALLBACK_ROW = (
    Callback.id, Callback.application_id, Callback.status, Callback.reached,
    Callback.satisfied, Callback.comment, Callback.assigned_department, Callback.done_at,
    Callback.version_id, _DONE_BY.display_name.label("done_by_display"),
    _DONE_BY.username.label("done_by_username"), Application.number,
    Application.customer_name, Application.contact_name, Application.contact_phone,
    Application.completed_at, SlaTimer.department_code.label("timer_department_code"),
    *(getattr(SlaTimer, name).label(f"timer_{name}") for name in TIMER_COLUMNS),
    _ATTEMPTS.label("attempts"), _PROXIED.label("proxied"))


def _with_row_columns(keys: Any) -> Select:
    """The row columns of the callbacks whose ids are `keys.c.key`."""
    return (select(*CALLBACK_ROW).select_from(keys)
            .join(Callback, Callback.id == keys.c.key)
            .join(Application, Application.id == Callback.application_id)
            .outerjoin(SlaTimer, SlaTimer.id == Callback.timer_id)
            .outerjoin(_DONE_BY, _DONE_BY.id == Callback.done_by_id))


@dataclass(frozen=True)
class _Shape:
    """A callbacks list's statements for one shape of request (built once per process:
    building them cost more than running them); values are bound: :limit, :offset,
    :status, :water_from, :water_until."""

    pages: tuple[Select, ...]  # each part's page of rows, in the list's order
    totals: Select  # one row: each part's total, in the same order (one round trip)
    # one part only: its page's rows carry its total (column `total`), so a page with rows
    # is one statement (`totals` is asked only for an empty page)
    counted_in_page: bool = False


@lru_cache(maxsize=8)
def _callback_shape(status: str | None, water_on: bool) -> _Shape:
    """`status`: None (every callback), "open", or "other" (one status but open)."""
    where = []
    if water_on:
        where.append(Callback.application_id.in_(select(_WHOLE.application_id).where(
            _WHOLE.subject_type == SubjectType.APPLICATION, _WHOLE.state == TimerState.DONE,
            _WHOLE.completed_at >= bindparam("water_from"),
            _WHOLE.completed_at < bindparam("water_until"))))
    pages, counted = [], []
    limit, offset = bindparam("limit"), bindparam("offset")
    if status in (None, "open"):
        # The page's keys cut first (by deadline), then their columns joined for those only.
        keys = (select(Callback.id.label("key"), SlaTimer.due_at.label("due"))
                .join(SlaTimer, SlaTimer.id == Callback.timer_id, isouter=True)
                .where(Callback.status == OPEN, *where)
                .order_by(SlaTimer.due_at, Callback.id.desc())
                .limit(limit).offset(offset).subquery("open_keys"))
        pages.append(_with_row_columns(keys).order_by(keys.c.due, keys.c.key.desc()))
        counted.append(select(Callback.id).where(Callback.status == OPEN, *where))
    if status != "open":
        # The literal (not a bound parameter) lets PostgreSQL match the partial index.
        closed = Callback.status != OPEN if status is None \
            else Callback.status == bindparam("status")
        keys = (select(Callback.id.label("key")).where(closed, *where)
                .order_by(Callback.id.desc()).limit(limit).offset(offset)
                .subquery("closed_keys"))
        pages.append(_with_row_columns(keys).order_by(keys.c.key.desc()))
        counted.append(select(Callback.id).where(closed, *where))
    if where:
        totals = [select(func.count()).select_from(part.subquery()) for part in counted]
    else:
        # Of every row ever made: the triggers' tallies (services.tallies), not a count of
        # the whole history (134 ms for the callbacks at 1M applications).
        subject = Callback.__tablename__
        totals = ([tallies.total(subject, status=OPEN)] if status in (None, "open") else []) \
            + ([] if status == "open" else [
                tallies.total(subject, other_than=OPEN) if status is None
                else tallies.total(subject, status=bindparam("status"))])
    if len(pages) == 1:
        # An uncorrelated scalar subquery: computed once for the statement (an InitPlan).
        page = pages[0].add_columns(totals[0].scalar_subquery().label("total"))
        return _Shape((page,), totals[0], counted_in_page=True)
    return _Shape(tuple(pages), select(*(total.scalar_subquery() for total in totals)))


def list_callback_rows(*, status: str | None = None, page: int = 1, per_page: int = 50,
                       water_on: tuple[datetime, datetime] | None = None
                       ) -> tuple[list[Any], int]:
    """A page of callbacks as plain rows (named tuples of CALLBACK_ROW's names), the open
    ones by deadline first (_open_first's order), and how many in all; with `water_on`
    ([start, end)), those of the applications whose water went on then: the callbacks the
    callback rate of that month counts as due (services.figures.callback_counts). Of one
    part (a status asked for), one statement whose rows carry the total (its count asked
    apart for an empty page only); of both, the totals in one statement, then the same
    statements whichever part a page falls in (a part whose rows are all before or after
    the page is asked with LIMIT 0)."""
    status = status or None
    shape = _callback_shape(status if status in (None, "open") else "other",
                            water_on is not None)
    params: dict[str, Any] = {}
    if status not in (None, "open"):
        params["status"] = status
    if water_on is not None:
        params["water_from"], params["water_until"] = water_on
    if shape.counted_in_page:
        # One part: OFFSET past its end gives no rows, as min(skip, total) did.
        items = light_rows(plain_rows(shape.pages[0], {
            **params, "limit": per_page, "offset": (page - 1) * per_page}))
        if items:
            return items, int(items[0].total or 0)
        return items, int(plain_rows(shape.totals, params).scalar() or 0)
    totals = [int(value or 0) for value in plain_rows(shape.totals, params).one()]
    items: list[Any] = []
    skip = (page - 1) * per_page
    for statement, total in zip(shape.pages, totals, strict=True):
        items += light_rows(plain_rows(statement, {
            **params, "limit": per_page - len(items), "offset": min(skip, total)}))
        skip = max(0, skip - total)
    return items, sum(totals)


@lru_cache(maxsize=1)
def _one_callback() -> Select:
    keys = select(Callback.id.label("key")).where(Callback.id == bindparam("id")).subquery()
    return _with_row_columns(keys)


def callback_row(callback_id: int) -> Any:
    """One callback as a row of `list_callback_rows`."""
    found = light_rows(plain_rows(_one_callback(), {"id": callback_id}))
    if not found:
        raise NotFound("No callback with id %(id)s.", params={"id": callback_id})
    return found[0]


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
