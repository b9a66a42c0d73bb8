"""Human-readable numbers (201-2026-000123), unique under concurrency on SQLite and PostgreSQL.

On PostgreSQL the number is taken in a short transaction of its own (an upsert on the flow's
and year's `number_sequences` row, one autocommitted statement on a separate connection), so
a create holds that row for one statement, not until its own commit: creates of one flow no
longer queue behind each other for a whole transaction (issue 15: 4 workers were slower than
2). It is a transaction apart rather than the last statement before the create's commit
because the number is in the application's row and its clocks' labels, written before.

Numbers are not promised gap-free: neither the product guide nor the seeds ask for an
unbroken series (a number identifies an application on the page, the receipt and the SMS; the
monthly figures count rows, not numbers). A number is taken after every check of the create
has passed, so a gap appears only when the create fails later (a database error at its
commit, or a retried conflict), and a number is never given twice.

On SQLite there is one writer at a time anyway, and a second connection would wait for the
caller's own write lock: there the counter stays inside the caller's transaction.
"""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import NumberSequence


def next_value(key: str) -> int:
    """Atomically increment the counter `key` (row-locked upsert; see the module doc)."""
    bind = db.session.get_bind()
    dialect = bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(NumberSequence).values(key=key, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[NumberSequence.key], set_={"last": NumberSequence.last + 1}
    ).returning(NumberSequence.last)
    if dialect != "postgresql":
        return int(db.session.execute(stmt).scalar_one())
    # Its own connection, the one statement its own transaction (autocommit: no BEGIN and
    # COMMIT round trips around it), committed before the caller goes on.
    with bind.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return int(connection.execute(stmt).scalar_one())


def next_number(prefix: str, year: int, width: int = 6) -> str:
    return f"{prefix}-{year}-{next_value(f'{prefix}-{year}'):0{width}d}"
