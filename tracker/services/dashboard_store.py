"""The dashboard's figures shared by every worker: one recomputation per change, not one per
worker and request (issue 15: every write made every worker's waiting requests recompute at
once, and the dashboard served 11–12× fewer requests while writes happened).

The figures are kept in one row (`DashboardSnapshot`) with the key they were computed for
(the event log's latest id and the minute: services.dashboard). A worker whose key is newer
takes a short lease on the row in one UPDATE; the one that gets it recomputes and stores the
figures; every other worker serves the figures stored before until they are there. The row is
read and written on a connection of its own, in transactions of a statement each, so the
request's session stays a read that never commits. The figures are pickled: only this
module writes the row and only this application reads it.
"""
from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import DashboardSnapshot
from ..models.base import now_utc

T = TypeVar("T")
LEASE = timedelta(seconds=60)  # a worker that dies recomputing holds it no longer than this
ROW = 1
_table = DashboardSnapshot.__table__


def _engine() -> Any:
    return db.session.get_bind().engine


def _read() -> Any:
    with _engine().connect() as conn:
        row = conn.execute(select(_table.c.board_key, _table.c.board, _table.c.recomputes)
                           .where(_table.c.id == ROW)).first()
        conn.rollback()
    return row


def _take_lease(key: str) -> bool:
    """Whether this worker is the one to compute the figures for `key`: nobody holds the
    lease, and the stored figures are not already for `key` (one UPDATE; the row is made the
    first time)."""
    now = now_utc()
    with _engine().connect() as conn:
        taken = conn.execute(
            update(_table).where(_table.c.id == ROW, _table.c.board_key != key,
                                 or_(_table.c.lease_until.is_(None), _table.c.lease_until < now))
            .values(lease_until=now + LEASE).returning(_table.c.id)).first() is not None
        if not taken:
            insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            taken = conn.execute(insert(_table).values(
                id=ROW, board_key="", recomputes=0, lease_until=now + LEASE)
                .on_conflict_do_nothing(index_elements=[_table.c.id])
                .returning(_table.c.id)).first() is not None
        conn.commit()
    return taken


def _store(key: str, board: Any) -> None:
    with _engine().connect() as conn:
        conn.execute(update(_table).where(_table.c.id == ROW).values(
            board_key=key, board=pickle.dumps(board), computed_at=now_utc(), lease_until=None,
            recomputes=_table.c.recomputes + 1))
        conn.commit()


def _release() -> None:
    with _engine().connect() as conn:
        conn.execute(update(_table).where(_table.c.id == ROW).values(lease_until=None))
        conn.commit()


def shared(key: str, build: Callable[[], T], previous: T | None = None) -> tuple[T, str]:
    """The figures for `key` (built at most once across the workers) or, while another
    worker builds them, the newest stored ones; with the key they are for."""
    if _take_lease(key):
        try:
            board = build()
        except BaseException:
            _release()
            raise
        _store(key, board)
        return board, key
    row = _read()  # stored for `key` already, or the ones before while another worker computes
    stored = _loaded(row.board) if row is not None else None
    if stored is not None:
        return stored, row.board_key
    if previous is not None:
        return previous, ""
    return build(), key  # nothing computed anywhere yet and the lease is taken: a first start


def _loaded(blob: bytes | None) -> Any:
    """The stored figures, or None when there are none or they cannot be read (figures
    stored by an older release whose classes have changed: they are recomputed)."""
    if blob is None:
        return None
    try:
        return pickle.loads(blob)  # written by _store only
    except Exception:  # noqa: BLE001
        return None


def recomputes() -> int:
    """How many times the figures were computed and stored (for tests and benchmarks)."""
    row = _read()
    return int(row.recomputes) if row is not None else 0
