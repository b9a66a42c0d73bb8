"""Reads on the session's connection, for the hot paths (a list page, the clock's stamp).

`db.session.execute` runs a statement through the ORM: its execution events, its row
loading (entities, Bundles), its result wrapping. For a page of 50 list rows that took
longer than the query; a Core statement executed on the session's connection gives the same
rows (the columns' types still convert the values: instants, enums, JSON) in the same
transaction, for a fraction of the cost.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Executable

from ..extensions import db


def plain_rows(statement: Executable, params: dict[str, Any] | None = None) -> CursorResult:
    """Run a read on the session's connection; pending changes are flushed first, as an ORM
    query would (a read sees what the request added)."""
    session = db.session()
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, params or {})
