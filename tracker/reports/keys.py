"""Reading rows by key in chunks: how the report reads what belongs to the month's rows.

Not a join from the month's rows: PostgreSQL met such joins by walking every application,
timer, step record or pause (a hash or merge join). Chunks of KEYS_PER_QUERY keys: with
10,000 ids among 200,000 timers PostgreSQL chose to scan the table rather than probe its
index, and a chunk stays far under the bound-parameter limits (SQLite 32,766, PostgreSQL
65,535)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..extensions import db

KEYS_PER_QUERY = 1_000


def chunks(keys: Iterable[Any]) -> Iterator[list[Any]]:
    """The distinct keys, sorted, KEYS_PER_QUERY at a time."""
    ordered = sorted(set(keys))
    for first in range(0, len(ordered), KEYS_PER_QUERY):
        yield ordered[first:first + KEYS_PER_QUERY]


def by_keys(query: Any, column: Any, keys: Iterable[Any]) -> list[Any]:
    """The rows of `query` whose `column` (an indexed one) is one of `keys`."""
    rows: list[Any] = []
    for chunk in chunks(keys):
        rows += db.session.execute(query.where(column.in_(chunk))).all()
    return rows
