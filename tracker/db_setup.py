"""Engine-level settings per database."""
from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def install_sqlite_pragmas(app: Flask) -> None:
    """SQLite: enforce foreign keys, WAL for concurrent readers, wait for the write lock."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine: Engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"] and \
                app.config["SQLALCHEMY_DATABASE_URI"] != "sqlite://":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


WROTE = "tracker_wrote"  # in a DBAPI connection's info: its transaction ran more than SELECTs
_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)


def keep_prepared_statements(app: Flask) -> None:
    """PostgreSQL: a transaction that ran nothing but SELECTs ends with COMMIT, not ROLLBACK.

    psycopg 3 forgets every prepared statement of a connection at a ROLLBACK (it clears its
    cache, in case the transaction created what a statement names), and every request's
    session ends with one, so each statement was parsed and planned again on every request:
    at 1M applications the application page's 11 statements spent ~1.9 ms being planned
    against ~0.55 ms running (issue 15). A COMMIT of a transaction that only read changes
    nothing a ROLLBACK would not (its row and advisory locks are released either way). Any
    other statement through the engine (INSERT, UPDATE, DELETE, DDL, SET, SAVEPOINT, a WITH)
    marks the connection, and its transaction is rolled back as before; so is one in error."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    import psycopg

    with app.app_context():
        engine: Engine = db.engine
    dialect = engine.dialect
    rollback = dialect.do_rollback
    in_transaction = psycopg.pq.TransactionStatus.INTRANS

    @event.listens_for(engine, "before_cursor_execute")
    def _mark(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not _READ.match(statement):
            conn.info[WROTE] = True  # the DBAPI connection's info (its pool record's)

    @event.listens_for(engine, "commit")
    def _committed(conn: Any) -> None:
        conn.info.pop(WROTE, None)

    def do_rollback(dbapi_connection: Any) -> None:
        # SQLAlchemy hands over the pool's proxy: .info is the record's, the same dict the
        # Connection's .info is; .dbapi_connection the psycopg connection.
        try:
            wrote = dbapi_connection.info.pop(WROTE, False)
        except (AttributeError, NotImplementedError):  # a connection being set up: no info
            wrote = True
        raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
        if not wrote and raw.info.transaction_status == in_transaction:
            raw.commit()
            return
        rollback(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
