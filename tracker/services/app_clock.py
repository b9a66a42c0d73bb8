"""The application's working clock: configuration plus the local closures an admin adds."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from flask import g, has_app_context
from sqlalchemy import select

from ..extensions import db
from ..localtime import LOCAL
from ..models import LocalClosure, User, now_utc
from ..settings import settings
from ..sla import Closure, WorkingClock, build_clock
from ..sla.clock import OfficeHours


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


def app_clock() -> WorkingClock:
    """The clock for this request or job (built once per process per closure set)."""
    if has_app_context() and "tracker_clock" in g:
        return g.tracker_clock
    clock = _clock_with(active_closures())
    g.tracker_clock = clock
    return clock


def configured_clock() -> WorkingClock:
    """The clock from configuration alone (no stored closures): for a command run where the
    database is not reachable or not set up yet."""
    return _clock_with(settings().closures)


def forget_clock() -> None:
    """Drop this request's clock after closures change."""
    g.pop("tracker_clock", None)


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
