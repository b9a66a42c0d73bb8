"""plain_reads.instant_columns: instants read in one step per value on SQLite are the values
UTCDateTime gives (aware, UTC, the same microseconds), None stays None, and text of another
shape than SQLAlchemy writes (hand-made rows) is read as UTCDateTime reads it."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from tracker.models import UTCDateTime
from tracker.services.plain_reads import _INSTANT_READ, instant_columns


def test_sqlite_instants_read_in_one_step_are_utcdatetime_values() -> None:
    engine = sa.create_engine("sqlite://")
    try:
        _compare(engine)
    finally:
        engine.dispose()


def _compare(engine: sa.Engine) -> None:
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("at", UTCDateTime), sa.Column("n", sa.Integer))
    table.metadata.create_all(engine)
    rng = random.Random(3)
    first = datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)
    values = [first + timedelta(seconds=rng.randrange(0, 10**9),
                                microseconds=rng.choice((0, 1, 999_999, rng.randrange(10**6))))
              for _ in range(2_000)] + [None, datetime(2026, 10, 1, tzinfo=UTC)]
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"at": v, "n": i} for i, v in enumerate(values)])
        # Rows written by hand, not in SQLAlchemy's shape: read the plain way.
        for text in ("2026-10-01 08:30:00", "2026-10-01 08:30:00.5", "2026-10-01T08:30:00.000000"):
            conn.exec_driver_sql("INSERT INTO t (at, n) VALUES (?, -1)", (text,))
    with engine.connect() as conn:
        plain = conn.execute(sa.select(table.c.id, table.c.at, table.c.n)
                             .order_by(table.c.id)).all()
        fast = conn.execute(sa.select(*instant_columns(table.c.id, table.c.at, table.c.n))
                            .order_by(table.c.id)).all()
        assert list(fast[0]._fields) == ["id", "at", "n"]
    assert [tuple(row) for row in fast] == [tuple(row) for row in plain]
    for (_id, fast_at, _n), (_id2, plain_at, _n2) in zip(fast, plain, strict=True):
        assert (fast_at is None) == (plain_at is None)
        if fast_at is not None:
            assert fast_at.tzinfo is UTC and plain_at.tzinfo is UTC
            assert fast_at.microsecond == plain_at.microsecond
    assert [row.at for row in fast[:len(values)]] == values


def test_other_backends_read_as_utcdatetime() -> None:
    dialect = postgresql.psycopg.dialect()
    assert _INSTANT_READ.result_processor(dialect, None) is not None
    value = datetime(2026, 10, 1, 16, 30, tzinfo=UTC).astimezone()
    assert _INSTANT_READ.result_processor(dialect, None)(value) == \
        UTCDateTime().result_processor(dialect, None)(value)
