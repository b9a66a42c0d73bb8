"""Exact totals of history-wide sets, read from `row_tallies` (models.RowTally), which the
database's triggers keep (migration 0022_tallies): a list's total of every application, of a
flow's or of a status's, and of callbacks and follow-ups, without counting a million rows.

A total is the sum of its subject's rows; `fold` sums each (subject, part, status) into one
row, so the sum reads a few dozen rows rather than one per write since the last fold. The
fold job runs it every FOLD_SECONDS; without it the totals stay exact, only slower to sum.

A new migration that rebuilds `applications`, `callbacks` or `follow_ups` (SQLite's batch
mode copies the table) drops their triggers: it must create them again, as 0022 does
(tests/services/test_tallies.py fails when a trigger is missing).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, literal, select
from sqlalchemy.engine import Connection

from ..models import RowTally

FOLD_SECONDS = 300
_table = RowTally.__table__


def total(subject: str, *, part: Any = None, status: Any = None,
          other_than: Any = None) -> Select:
    """The statement of a subject's total, of one part (an application's flow) and status
    when given: bound parameters or literals; `other_than`: every status but that one."""
    where = [_table.c.subject == literal(subject)]
    if part is not None:
        where.append(_table.c.part == part)
    if status is not None:
        where.append(_table.c.status == status)
    if other_than is not None:
        where.append(_table.c.status != other_than)
    return select(func.coalesce(func.sum(_table.c.n), 0)).where(*where)


def fold(conn: Connection) -> int:
    """Sum the rows of each (subject, part, status) into one, in one transaction of `conn`;
    how many rows it took. The rows summed are the ones the DELETE removes (RETURNING), so a
    row committed meanwhile by a writer is neither lost nor counted twice: it stays for the
    next fold. Two folds at once are safe too: a row is deleted by one of them only."""
    gone = conn.execute(delete(_table).returning(
        _table.c.subject, _table.c.part, _table.c.status, _table.c.n)).all()
    sums: dict[tuple[str, str, str], int] = {}
    for subject, part, status, n in gone:
        key = (subject, part, status)
        sums[key] = sums.get(key, 0) + n
    rows = [{"subject": s, "part": p, "status": st, "n": n}
            for (s, p, st), n in sorted(sums.items()) if n]
    if rows:
        conn.execute(insert(_table), rows)
    return len(gone)


def fold_tallies() -> dict[str, int]:
    """The fold job: one transaction on a connection of its own."""
    from ..extensions import db

    with db.engine.begin() as conn:
        return {"rows": fold(conn)}


def list_total(*, flow: bool, status: bool) -> Select:
    """The applications' total for the list, of the flow `:flow` and the status
    `:status_text` (the status as stored: text) when asked."""
    return total("applications", part=bindparam("flow") if flow else None,
                 status=bindparam("status_text") if status else None)
