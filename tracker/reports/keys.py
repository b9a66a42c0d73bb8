"""Reading rows by key in chunks: how the report reads what belongs to the month's rows.

Not a join from the month's rows: PostgreSQL met such joins by walking every application,
timer, step record or pause (a hash or merge join). Chunks of KEYS_PER_QUERY keys: with
10,000 ids among 200,000 timers PostgreSQL chose to scan the table rather than probe its
index, and a chunk stays far under the bound-parameter limits (SQLite 32,766, PostgreSQL
65,535).

A chunk is one bound value, not a thousand: `column = ANY(:keys)` with an array on
PostgreSQL (the plan an IN list gets: PostgreSQL turns `IN (1, 2, ...)` into that same
array comparison), `column IN (SELECT value FROM json_each(:keys))` on SQLite (each key met
through the column's index, as an IN list is). A thousand expanded parameters were rendered
by SQLAlchemy (a cast each on PostgreSQL) and parsed again by the driver on every chunk: on
PostgreSQL, more of the report's CPU than reading the rows."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from ..extensions import db
from ..models import Pause
from ..services.pause_scope import PAUSE_ROWS, ScopedPause, scoped_pauses
from ..services.plain_reads import plain_rows

KEYS_PER_QUERY = 1_000


def chunks(keys: Iterable[Any]) -> Iterator[list[Any]]:
    """The distinct keys, sorted, KEYS_PER_QUERY at a time."""
    ordered = sorted(set(keys))
    for first in range(0, len(ordered), KEYS_PER_QUERY):
        yield ordered[first:first + KEYS_PER_QUERY]


def key_condition(column: Any, dialect: str) -> Any:
    """`column` is one of the keys bound as "keys" (see the module's doc); on a backend
    other than these two, an expanding IN."""
    if dialect == "postgresql":
        return column == any_(bindparam("keys", type_=ARRAY(column.type)))
    if dialect == "sqlite":
        keys = func.json_each(bindparam("keys")).table_valued("value")
        return column.in_(select(keys.c.value).scalar_subquery())
    return column.in_(bindparam("keys", expanding=True))


def _bound(chunk: list[Any], dialect: str) -> Any:
    return json.dumps(chunk) if dialect == "sqlite" else chunk


def by_keys(query: Any, column: Any, keys: Iterable[Any]) -> list[Any]:
    """The rows of `query` whose `column` (an indexed one) is one of `keys`, as Core rows on
    the session's connection (plain_rows: the ORM's execution and row loading cost as much
    as the SQL for the report's tens of thousands of rows)."""
    rows: list[Any] = []
    dialect = db.session.get_bind().dialect.name
    statement = query.where(key_condition(column, dialect))
    for chunk in chunks(keys):
        rows += plain_rows(statement, {"keys": _bound(chunk, dialect)}).all()
    return rows


def pause_rows_of(app_ids: Iterable[int]) -> dict[int, list[ScopedPause]]:
    """The pauses of the applications `app_ids` by application, read by key."""
    return scoped_pauses(by_keys(PAUSE_ROWS, Pause.application_id, app_ids))
