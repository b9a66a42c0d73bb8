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

A worker that holds no figures yet (a new process) may serve the stored ones when they are
recent and have them recomputed after its response (`recent_or_none`, `recompute_held`):
under the same lease, so still one recomputation per change across the workers.
"""
from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, case, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..extensions import db
from ..models import DashboardSnapshot
from ..models.base import now_utc

log = logging.getLogger(__name__)
T = TypeVar("T")
LEASE = timedelta(seconds=60)  # a worker that dies recomputing holds it no longer than this
ROW = 1
_table = DashboardSnapshot.__table__


def _engine() -> Any:
    return db.session.get_bind().engine


@contextmanager
def _connection() -> Iterator[Connection]:
    """A connection of its own, each statement on it its own transaction (`_one`). On
    PostgreSQL it autocommits: no BEGIN and COMMIT round trips around a statement. One
    connection serves a whole `shared` call: each checkout costs the pool's ping."""
    engine = _engine()
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def _one(conn: Connection, stmt: Any) -> Any:
    """Run `stmt` as a transaction of its own; its first row, if it returns rows."""
    result = conn.execute(stmt)
    row = result.first() if result.returns_rows else None
    if conn.in_transaction():  # SQLite: no row or write lock held past the statement
        conn.commit()
    return row


def _read(conn: Connection, known_key: str | None = None) -> Any:
    """The stored row; its figures left out (None) when they are for `known_key`, the ones
    the caller already holds (no blob to fetch and unpickle again)."""
    board = _table.c.board if known_key is None else \
        case((_table.c.board_key == known_key, null()), else_=_table.c.board).label("board")
    return _one(conn, select(_table.c.board_key, board, _table.c.recomputes)
                .where(_table.c.id == ROW))


def _take_lease(conn: Connection, key: str) -> bool:
    """Whether this worker is the one to compute the figures for `key`: nobody holds the
    lease, and the stored figures are not already for `key` (the row is made the first
    time)."""
    now = now_utc()
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    # One upsert: the row made the first time, or the lease taken when free and the figures
    # are for another key; nothing returned when another worker holds it or the figures are
    # already for `key` (an UPDATE, then an INSERT when it took nothing, cost every dashboard
    # request two statements while a recompute was under way).
    stmt = insert(_table).values(id=ROW, board_key="", recomputes=0, lease_until=now + LEASE)
    stmt = stmt.on_conflict_do_update(
        index_elements=[_table.c.id], set_={"lease_until": now + LEASE},
        where=and_(_table.c.board_key != key,
                   or_(_table.c.lease_until.is_(None), _table.c.lease_until < now)))
    return _one(conn, stmt.returning(_table.c.id)) is not None


def _store(conn: Connection, key: str, board: Any) -> None:
    _one(conn, update(_table).where(_table.c.id == ROW).values(
        board_key=key, board=pickle.dumps(board), computed_at=now_utc(), lease_until=None,
        recomputes=_table.c.recomputes + 1))


def _release(conn: Connection) -> None:
    _one(conn, update(_table).where(_table.c.id == ROW).values(lease_until=None))


def shared(key: str, build: Callable[[], T], previous: T | None = None,
           previous_key: str | None = None) -> tuple[T, str]:
    """The figures for `key` (built at most once across the workers) or, while another
    worker builds them, the newest stored ones; with the key they are for. `previous` are
    the figures the caller holds, stored for `previous_key`."""
    with _connection() as conn:
        if _take_lease(conn, key):
            try:
                board = build()
            except BaseException:
                _release(conn)
                raise
            _store(conn, key, board)
            return board, key
        # Stored for `key` already, or the ones before while another worker computes.
        row = _read(conn, previous_key if previous is not None else None)
    if row is not None and previous is not None and row.board_key == previous_key:
        return previous, previous_key  # the stored figures are the ones the caller holds
    stored = _loaded(row.board) if row is not None else None
    if stored is not None:
        return stored, row.board_key
    if previous is not None:
        return previous, ""
    return build(), key  # nothing computed anywhere yet and the lease is taken: a first start


def recent_or_none(key: str, build: Callable[[], T], recent: Callable[[T], bool],
                   later: Callable[[Callable[[], None]], None]) -> tuple[T, str] | None:
    """For a worker that holds no figures yet (a new process): the stored figures when they
    are for `key` or `recent(them)`, with the key they are for; None when they are neither
    (or there are none), and the caller computes them in the request (`shared`).

    Stored figures that are recent but not for `key` are served as they are, and if this
    worker takes the lease, `build` is handed to `later` to be computed and stored outside
    the request (after the response: `recompute_held`). While another worker holds the
    lease, nothing is handed on: that worker stores the new figures."""
    with _connection() as conn:
        row = _read(conn)
        board = _loaded(row.board) if row is not None else None
        if board is None:
            return None
        if row.board_key == key:
            return board, key
        if not recent(board):
            return None
        if _take_lease(conn, key):
            later(lambda: recompute_held(key, build))
    return board, row.board_key


def recompute_held(key: str, build: Callable[[], Any]) -> bool:
    """Compute the figures for `key` under the lease this worker took, and store them;
    whether they were stored. When `build` fails, the lease is given back and the stored
    figures stay as they were (the next request takes the lease and computes them)."""
    with _connection() as conn:
        try:
            board = build()
        except Exception:
            log.exception("dashboard: the figures for %s were not recomputed", key)
            _release(conn)
            return False
        except BaseException:
            _release(conn)
            raise
        _store(conn, key, board)
    return True


def offer(key: str, board: Any) -> bool:
    """Store `board`, computed for `key` by a worker that did not ask for the lease first (at
    its start), when nobody holds the lease and the stored figures are not already for
    `key`; whether it was stored."""
    with _connection() as conn:
        if not _take_lease(conn, key):
            return False
        _store(conn, key, board)
    return True


def stored() -> Any:
    """The figures stored last (whatever their key), or None."""
    with _connection() as conn:
        row = _read(conn)
    return _loaded(row.board) if row is not None else None


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
    with _connection() as conn:
        row = _read(conn)
    return int(row.recomputes) if row is not None else 0
