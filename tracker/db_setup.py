"""Engine-level settings per database."""
from __future__ import annotations

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
