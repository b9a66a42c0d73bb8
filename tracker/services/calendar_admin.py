"""Local closures (本地停工日, e.g. a typhoon day) and the recomputation of every open deadline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Application, Event, LocalClosure, SlaTimer, TimerState, User
from ..signals import deadline_moved
from . import events, timers
from .app_clock import app_clock, forget_clock
from .app_clock import now as clock_now
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .pause_scope import intervals_for, pauses_by_application
from .transaction import transactional

DEADLINE_MOVED = "A deadline changed while the calendar was being updated; try again."

OPEN_STATES = (TimerState.RUNNING, TimerState.PAUSED)


@dataclass(frozen=True)
class MovedDeadline:
    timer_id: int
    application_id: int | None
    label: str
    department: str
    old_due: datetime | None
    new_due: datetime | None


@dataclass(frozen=True)
class CalendarChange:
    """What one closure change did: the event that records it and the deadlines it moved."""

    event_id: int
    closure: LocalClosure
    moved: list[MovedDeadline]
    checked: int


def _require_manager(actor: User) -> None:
    if not actor.is_manager:
        raise Forbidden("Only an administrator or team lead may change the calendar.")


def closures() -> list[LocalClosure]:
    """Stored closures still in force, by date."""
    return list(db.session.scalars(select(LocalClosure).where(LocalClosure.removed_at.is_(None))
                                   .order_by(LocalClosure.day, LocalClosure.id)))


@transactional(stale=DEADLINE_MOVED)
def add_closure(day: date, reason: str, actor: User, *, working: bool = False,
                start: time | None = None, end: time | None = None) -> CalendarChange:
    """Declare a local closure (working=False; for part of the day with `start`/`end`, e.g. a
    typhoon from 14:00) or an extra working day, then recompute every open deadline."""
    _require_manager(actor)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["Required."]
    elif len(reason) > 200:
        errors["reason"] = ["At most 200 characters."]
    clock = app_clock()
    try:
        kind = clock.calendar.day_kind(day)
    except ValueError:
        kind = None
        errors["day"] = ["Outside the calendar's range (2000–2099)."]
    if kind is not None:
        if working and clock.calendar.is_working_day(day):
            errors.setdefault("day", []).append("This day is already a working day.")
        if not working and not clock.calendar.is_working_day(day):
            errors.setdefault("day", []).append("This day is already a day off.")
    if working and (start is not None or end is not None):
        errors.setdefault("start", []).append("An extra working day is a whole day.")
    if start is not None and end is not None and start >= end:
        errors.setdefault("end", []).append("Must be after the start.")
    if errors:
        raise ValidationFailed("The closure has errors.", fields=errors)
    closure = LocalClosure(day=day, working=working, reason=reason, created_by_id=actor.id,
                           start_time=start, end_time=end)
    db.session.add(closure)
    db.session.flush()
    change = events.record("calendar.closure_added", actor=actor, subject_type="closure",
                           subject_id=closure.id, day=day, working=working, reason=reason,
                           start=start.isoformat() if start else None,
                           end=end.isoformat() if end else None)
    return _recompute(closure, change, actor)


@transactional(stale=DEADLINE_MOVED)
def remove_closure(closure_id: int, actor: User) -> CalendarChange:
    """Withdraw a stored closure (kept, marked removed), then recompute."""
    _require_manager(actor)
    closure = db.session.get(LocalClosure, closure_id)
    if closure is None:
        raise NotFound("No such closure.")
    if closure.removed_at is not None:
        raise Conflict("This closure was already removed.")
    closure.removed_at = clock_now()
    db.session.flush()
    change = events.record("calendar.closure_removed", actor=actor, subject_type="closure",
                           subject_id=closure.id, day=closure.day, working=closure.working,
                           reason=closure.reason)
    return _recompute(closure, change, actor)


def _recompute(closure: LocalClosure, change: Event, actor: User) -> CalendarChange:
    forget_clock()  # the next app_clock() reads the closures as they now stand
    try:
        moved, checked = recompute_open_deadlines(actor, closure=closure, change=change)
        db.session.flush()
        change.data = {**change.data, "moved": len(moved), "checked": checked}
    finally:
        forget_clock()  # whether saved or refused, the next clock is built afresh
    return CalendarChange(event_id=change.id, closure=closure, moved=moved, checked=checked)


def closure_cause(closure: LocalClosure, actor: User | None) -> dict[str, Any]:
    """Why deadlines moved, as a `deadline.moved` event keeps it: the closure named."""
    return {"kind": "closure_removed" if closure.removed_at is not None else "closure_added",
            "day": closure.day.isoformat(), "reason": closure.reason,
            "working": closure.working,
            "start": closure.start_time.isoformat() if closure.start_time else None,
            "end": closure.end_time.isoformat() if closure.end_time else None,
            "by": actor.label if actor is not None else None}


def recompute_open_deadlines(actor: User | None, *, closure: LocalClosure | None = None,
                             change: Event | None = None,
                             cause: dict[str, Any] | None = None,
                             ) -> tuple[list[MovedDeadline], int]:
    """Recompute every running or paused timer on the current clock (not committed).

    Each moved deadline is logged as a `deadline.moved` event on its application, saying from
    what to what and why (`cause`: the closure, or the holiday files; by default the closure
    given); returns the moved deadlines and how many timers were checked.
    """
    if cause is None and closure is not None:
        cause = closure_cause(closure, actor)
    clock = app_clock()
    now = clock_now()
    open_timers = list(db.session.scalars(
        select(SlaTimer).where(SlaTimer.state.in_(OPEN_STATES)).order_by(SlaTimer.id)))
    app_ids = {t.application_id for t in open_timers if t.application_id is not None}
    pauses = pauses_by_application(sorted(app_ids)) if app_ids else {}
    moved: list[MovedDeadline] = []
    for timer in open_timers:
        old_due = timer.due_at
        concerned = intervals_for(pauses.get(timer.application_id, []), timer.subject_type,
                                  timer.step_code)
        if not timers.recompute(timer, clock, concerned, at=now):
            continue
        moved.append(MovedDeadline(timer.id, timer.application_id, timer.label,
                                   timer.department_code, old_due, timer.due_at))
        events.record("deadline.moved", actor=actor, subject_type="closure",
                      subject_id=closure.id if closure else None,
                      application_id=timer.application_id, timer=timer.id, label=timer.label,
                      step=timer.step_code, flow=timer.flow_code,
                      subject=timer.subject_type,
                      change=change.id if change else None, cause=cause,
                      **{"from": old_due, "to": timer.due_at})
        if timer.application_id is not None:
            deadline_moved.send(db.session.get(Application, timer.application_id), at=now,
                                actor=actor, record=timer)
    return moved, len(open_timers)


def change_details(event_id: int) -> tuple[Event, list[Event]]:
    """A recorded closure change and the `deadline.moved` events it caused."""
    change = db.session.get(Event, event_id)
    if change is None or change.action not in ("calendar.closure_added",
                                               "calendar.closure_removed"):
        raise NotFound("No such calendar change.")
    candidates = db.session.scalars(
        select(Event).where(Event.subject_type == "closure", Event.subject_id == change.subject_id,
                            Event.action == "deadline.moved").order_by(Event.id))
    return change, [e for e in candidates if e.data.get("change") == change.id]


def recent_changes(limit: int = 10) -> list[Event]:
    """The latest closure changes, newest first."""
    return list(db.session.scalars(
        select(Event).where(Event.action.in_(("calendar.closure_added",
                                              "calendar.closure_removed")))
        .order_by(Event.id.desc()).limit(limit)))
