"""Fixed-window request counters in the database: the limit holds across workers and hosts."""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..services.app_clock import now
from ..services.errors import DomainError
from ..services.transaction import transactional
from ..settings import settings
from .models import RateCounter


class TooManyLookups(DomainError):
    status = 429


def window_start(moment: datetime, seconds: int) -> datetime:
    stamp = int(moment.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(stamp, UTC)


def _hit(key: str, limit: int, seconds: int) -> tuple[bool, int]:
    """Count one request for `key` (in the caller's transaction); (allowed, seconds until
    the window ends)."""
    moment = now()
    start = window_start(moment, seconds)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(RateCounter).values(key=key[:120], window_start=start, count=1)
    stmt = stmt.on_conflict_do_update(index_elements=["key", "window_start"],
                                      set_={"count": RateCounter.count + 1}
                                      ).returning(RateCounter.count)
    count = int(db.session.execute(stmt).scalar_one())
    # Old windows are of no use: drop them as we go (one indexed delete, no separate job).
    db.session.execute(delete(RateCounter).where(
        RateCounter.window_start < start - timedelta(seconds=seconds)))
    retry_after = max(1, math.ceil((start + timedelta(seconds=seconds) - moment).total_seconds()))
    return count <= limit, retry_after


@transactional
def count(*keys: tuple[str, int]) -> int | None:
    """Count one request against each (key, limit) in turn, in this window
    (TRACKER_PUBLIC_RATE_WINDOW_SECONDS), stopping at the first one past its limit; the
    seconds until that window ends, or None when every limit allows it. Committed even when
    refused: the guesses of someone trying numbers are what we limit."""
    seconds = settings().public_rate_window_seconds
    for key, limit in keys:
        allowed, retry_after = _hit(key, limit, seconds)
        if not allowed:
            return retry_after
    return None


def refuse_if_limited(*keys: tuple[str, int]) -> None:
    """Count the request (committed) and raise 429 if it is past a limit."""
    retry_after = count(*keys)
    if retry_after is not None:
        raise TooManyLookups("Too many lookups; try again in %(minutes)s minutes.",
                             params={"minutes": max(1, -(-retry_after // 60))})
