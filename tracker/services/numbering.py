"""Human-readable numbers (201-2026-000123), unique under concurrency on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import NumberSequence


def next_value(key: str) -> int:
    """Atomically increment the counter `key` (row-locked upsert, inside the caller's transaction)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(NumberSequence).values(key=key, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[NumberSequence.key], set_={"last": NumberSequence.last + 1}
    ).returning(NumberSequence.last)
    return int(db.session.execute(stmt).scalar_one())


def next_number(prefix: str, year: int, width: int = 6) -> str:
    return f"{prefix}-{year}-{next_value(f'{prefix}-{year}'):0{width}d}"
