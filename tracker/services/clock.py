"""The application's working clock: configuration plus the local closures an admin adds."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path

from flask import current_app, g, has_app_context
from sqlalchemy import select

from ..extensions import db
from ..models import LocalClosure, User
from ..sla import Closure, WorkingClock, build_clock, parse_office_hours
from ..sla.calendar import default_holidays_dir

_CLOSURE_ITEM = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:\s+(\d{1,2}:\d{2})?-(\d{1,2}:\d{2})?)?:(\w+):?(.*)$")


def parse_closures(text: str) -> tuple[Closure, ...]:
    """'2026-07-15:off:台风停工;2026-07-16 14:00-:off:台风;2026-08-01:work:抢修' → closures
    (configuration form; "DATE HH:MM-HH:MM" closes part of a day, either end may be left out)."""
    closures = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        match = _CLOSURE_ITEM.match(item)
        if match is None:
            raise ValueError(f"TRACKER_LOCAL_CLOSURES: bad entry {item!r}: expected "
                             "'YYYY-MM-DD[ HH:MM-HH:MM]:off|work:reason'")
        day_text, start_text, end_text, kind, reason = match.groups()
        if kind not in ("off", "work"):
            raise ValueError(f"TRACKER_LOCAL_CLOSURES: {item!r}: kind must be 'off' or 'work'")
        try:
            day = date.fromisoformat(day_text)
            start = time.fromisoformat(start_text.zfill(5)) if start_text else None
            end = time.fromisoformat(end_text.zfill(5)) if end_text else None
            closures.append(Closure(day=day, working=kind == "work", reason=reason or kind,
                                    start=start, end=end, recorded_by="TRACKER_LOCAL_CLOSURES"))
        except ValueError as exc:
            raise ValueError(f"TRACKER_LOCAL_CLOSURES: bad entry {item!r}: {exc}") from None
    return tuple(closures)


def holidays_directory() -> Path:
    configured = current_app.config.get("TRACKER_HOLIDAYS_DIR", "") or ""
    return Path(configured) if configured else default_holidays_dir()


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
    digest.update(current_app.config.get("TRACKER_LOCAL_CLOSURES", "").encode() + b"\0")
    digest.update(current_app.config.get("TRACKER_OFFICE_HOURS", "").encode())
    return digest.hexdigest()


@lru_cache(maxsize=16)
def _cached_clock(office_hours: str, closures: tuple[Closure, ...], holidays_dir: str,
                  _files_stamp: tuple) -> WorkingClock:
    return build_clock(office_hours=parse_office_hours(office_hours), closures=closures,
                       holidays_dir=Path(holidays_dir))


def active_closures() -> tuple[Closure, ...]:
    """Closures from configuration followed by those stored by administrators."""
    configured = parse_closures(current_app.config.get("TRACKER_LOCAL_CLOSURES", ""))
    rows = db.session.execute(
        select(LocalClosure.day, LocalClosure.working, LocalClosure.reason,
               LocalClosure.start_time, LocalClosure.end_time, User.username)
        .outerjoin(User, User.id == LocalClosure.created_by_id)
        .where(LocalClosure.removed_at.is_(None)).order_by(LocalClosure.day, LocalClosure.id)
    ).all()
    stored = tuple(Closure(day=r.day, working=r.working, reason=r.reason, start=r.start_time,
                           end=r.end_time, recorded_by=r.username or "") for r in rows)
    return configured + stored


def app_clock() -> WorkingClock:
    """The clock for this request or job (built once per process per closure set)."""
    if has_app_context() and "tracker_clock" in g:
        return g.tracker_clock
    directory = holidays_directory()
    clock = _cached_clock(
        current_app.config.get("TRACKER_OFFICE_HOURS", "08:30-12:00,13:30-17:30"),
        active_closures(),
        str(directory),
        holiday_files_stamp(directory),
    )
    g.tracker_clock = clock
    return clock


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
    from ..models import now_utc

    simulated = _as_of.get()
    return simulated if simulated is not None else now_utc()
