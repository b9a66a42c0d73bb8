"""Reads on the session's connection, for the hot paths (a list page, the clock's stamp).

`db.session.execute` runs a statement through the ORM: its execution events, its row
loading (entities, Bundles), its result wrapping. For a page of 50 list rows that took
longer than the query; a Core statement executed on the session's connection gives the same
rows (the columns' types still convert the values: instants, enums, JSON) in the same
transaction, for a fraction of the cost.
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import CursorResult, Executable, Row

from ..extensions import db


def plain_rows(statement: Executable, params: dict[str, Any] | None = None) -> CursorResult:
    """Run a read on the session's connection; pending changes are flushed first, as an ORM
    query would (a read sees what the request added)."""
    session = db.session()
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, params or {})


@lru_cache(maxsize=64)
def _tuple_type(fields: tuple[str, ...]) -> type:
    return namedtuple("PlainRow", fields)  # type: ignore[misc]


def light_rows(rows: Iterable[Row]) -> list[Any]:
    """The rows as named tuples of the same fields, for loops over thousands of rows: reading
    a field of a SQLAlchemy Row by name goes through its __getattr__ (microseconds each), a
    named tuple's is a slot read (tens of nanoseconds); the values are the same objects."""
    found: list[Any] = []
    make = None
    for row in rows:
        if make is None:
            make = _tuple_type(tuple(row._fields))._make
        found.append(make(row))
    return found
