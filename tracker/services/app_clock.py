"""The application's working clock: configuration plus the local closures an admin adds."""
from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from ..extensions import db
from ..localtime import LOCAL
from ..models import LocalClosure, User, now_utc
from ..settings import settings
from ..sla import Closure, WorkingClock, build_clock
from ..sla.clock import OfficeHours
from .plain_reads import plain_rows


def holidays_directory() -> Path:
    return settings().holidays_path


def holiday_files_stamp(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the holiday files: a new year's file is seen
    without a restart."""
    return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                        for p in directory.glob("*.txt")))


def calendar_fingerprint() -> str:
    """Digest of everything the calendar is built from but the stored closures: holiday file
    contents, configured closures and office hours."""
    digest = hashlib.sha256()
    for path in sorted(holidays_directory().glob("*.txt")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(settings().local_closures.encode() + b"\0")
    digest.update(settings().office_hours.encode())
    return digest.hexdigest()


@lru_cache(maxsize=16)
def _cached_clock(office_hours: OfficeHours, closures: tuple[Closure, ...], holidays_dir: str,
                  _files_stamp: tuple) -> WorkingClock:
    return build_clock(office_hours=office_hours, closures=closures,
                       holidays_dir=Path(holidays_dir), tz=LOCAL)


def active_closures() -> tuple[Closure, ...]:
    """Closures from configuration followed by those stored by administrators."""
    configured = settings().closures
    rows = db.session.execute(
        select(LocalClosure.day, LocalClosure.working, LocalClosure.reason,
               LocalClosure.start_time, LocalClosure.end_time, User.username)
        .outerjoin(User, User.id == LocalClosure.created_by_id)
        .where(LocalClosure.removed_at.is_(None)).order_by(LocalClosure.day, LocalClosure.id)
    ).all()
    stored = tuple(Closure(day=r.day, working=r.working, reason=r.reason, start=r.start_time,
                           end=r.end_time, recorded_by=r.username or "") for r in rows)
    return configured + stored


def _clock_with(closures: tuple[Closure, ...]) -> WorkingClock:
    directory = holidays_directory()
    return _cached_clock(settings().periods, closures, str(directory),
                         holiday_files_stamp(directory))


# --- the clock kept by the process ----------------------------------------------------------
#
# Reading the closures (a join, a Closure per row) and listing and stat-ing the holiday files
# on every request cost about as much as a plain 50-row SELECT. Each app (a worker's) keeps
# its last clock with what it was built from, and a request only asks:
# - the closures' stamp, one aggregate over the small local_closures table: rows are only
#   added and marked removed (never edited or deleted), so an added or removed closure,
#   committed by any worker, changes it, and the next request of every worker rebuilds;
# - the holiday folder's own modification time, one stat: adding, removing or renaming a
#   file (a new year's notice) changes it at once; a file edited in place is seen by its
#   size and modification time, checked every FILES_RECHECK_SECONDS (and at once after
#   forget_clock(), which the calendar job calls when the files' digest changed).
# A clock built inside a transaction that wrote (an administrator's closure change before
# its commit) is used by that request only: the state it saw may yet be rolled back, and
# SQLite may give a later row the same id (its stamp could then come back).

FILES_RECHECK_SECONDS = 5.0
_KEPT = "tracker_kept_clock"
_WROTE = "tracker_wrote"

_CLOSURES_STAMP = select(func.count(), func.max(LocalClosure.id),
                         func.max(LocalClosure.created_at), func.count(LocalClosure.removed_at),
                         func.max(LocalClosure.removed_at))


@dataclass(frozen=True, slots=True)
class _Kept:
    """A process's clock and what it was built from."""

    config: tuple  # office hours, configured closures, holiday folder
    closures: tuple  # _CLOSURES_STAMP's row
    folder_mtime: int
    files: tuple  # holiday_files_stamp, as last checked
    files_checked: float  # time.monotonic() of that check
    clock: WorkingClock


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one: committed or rolled back
        session.info.pop(_WROTE, None)


def _closures_stamp() -> tuple:
    # On the session's connection, without the ORM's statement machinery (five times cheaper)
    return tuple(plain_rows(_CLOSURES_STAMP).one())


def _folder_mtime(directory: Path) -> int:
    try:
        return directory.stat().st_mtime_ns
    except OSError:  # a missing folder: build_clock says what is wrong
        return -1


def app_clock() -> WorkingClock:
    """The clock for this request or job: one per request, kept by the process while the
    closures, the holiday files and the configuration stay as they were."""
    if has_app_context() and "tracker_clock" in g:
        return g.tracker_clock
    current, directory = settings(), holidays_directory()
    config = (current.periods, current.closures, str(directory))
    stamp = _closures_stamp()  # before the closures are read: a newer row only rebuilds again
    mtime = _folder_mtime(directory)
    extensions = current_app.extensions
    kept: _Kept | None = extensions.get(_KEPT)
    moment = time.monotonic()
    clock = None
    if kept is not None and kept.config == config and kept.closures == stamp \
            and kept.folder_mtime == mtime:
        # (a frozen clock in a test may step time.monotonic back: then check the files)
        if 0 <= moment - kept.files_checked < FILES_RECHECK_SECONDS:
            clock = kept.clock
        elif holiday_files_stamp(directory) == kept.files:
            clock = kept.clock
            extensions[_KEPT] = _Kept(config, stamp, mtime, kept.files, moment, clock)
    if clock is None:
        files = holiday_files_stamp(directory)
        clock = _cached_clock(current.periods, active_closures(), str(directory), files)
        if not db.session.info.get(_WROTE):
            extensions[_KEPT] = _Kept(config, stamp, mtime, files, moment, clock)
    g.tracker_clock = clock
    return clock


def configured_clock() -> WorkingClock:
    """The clock from configuration alone (no stored closures): for a command run where the
    database is not reachable or not set up yet."""
    return _clock_with(settings().closures)


def forget_clock() -> None:
    """Drop this request's clock and the one the process keeps, after closures or holiday
    files change: the next app_clock() reads them all again."""
    g.pop("tracker_clock", None)
    current_app.extensions.pop(_KEPT, None)


_as_of: ContextVar[datetime | None] = ContextVar("tracker_as_of", default=None)


@contextmanager
def as_of(instant: datetime) -> Iterator[None]:
    """Run services as if it were `instant` (loading history, demo data); aware instants only."""
    if instant.tzinfo is None:
        raise ValueError("as_of needs a timezone-aware instant")
    token = _as_of.set(instant)
    try:
        yield
    finally:
        _as_of.reset(token)


def now() -> datetime:
    """The current instant, or the one set by as_of()."""

    simulated = _as_of.get()
    return simulated if simulated is not None else now_utc()
