"""Notifications outbox, issued monthly reports, and local calendar closures."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, UTCDateTime, now_utc


class Notification(db.Model):
    """Outbox row: queued in the watcher's transaction, delivered (with retries) apart from it."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))  # webhook | email
    target: Mapped[str] = mapped_column(String(500))
    department_code: Mapped[str] = mapped_column(String(40), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MonthlyReport(db.Model):
    """An issued report: frozen figures; re-issuing adds a version and keeps the old one."""

    __tablename__ = "monthly_reports"
    __table_args__ = (UniqueConstraint("month", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    version: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    xlsx: Mapped[bytes | None] = mapped_column(LargeBinary)


class LocalClosure(db.Model):
    """A local exception to the national calendar (a typhoon day off, a local working day)."""

    __tablename__ = "local_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    working: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(200))
    # Part of a day (a typhoon from 14:00): local wall-clock times; both None = the whole day.
    start_time: Mapped[time | None]
    end_time: Mapped[time | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JobLock(db.Model):
    """Lease for once-only work on databases without advisory locks (SQLite)."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120), default="")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IdempotencyKey(db.Model):
    """The first answer to a create sent with an `Idempotency-Key` header, stored in the
    creation's own transaction: a retry with the same key (same user, within a day) gets this
    answer back instead of creating again."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column()
    body: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)


class DashboardSnapshot(db.Model):
    """The dashboard's figures as last computed, shared by every worker (one row, id 1).

    `board_key` is what they were computed for (the event log's latest id and the minute);
    `lease_until` is set while one worker recomputes them, so the others serve these figures
    meanwhile instead of all recomputing at once; `recomputes` counts the recomputations."""

    __tablename__ = "dashboard_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_key: Mapped[str] = mapped_column(String(80), default="")
    board: Mapped[bytes | None] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recomputes: Mapped[int] = mapped_column(default=0)


class RowTally(db.Model):
    """How many rows a history-wide table holds, by part (an application's flow) and status,
    kept by the database's own triggers (migration 0022_tallies) so that every write path,
    bulk inserts and hand fixes included, keeps it exact (issue 15: the exact total of every
    application took a 260 ms scan at 1M applications).

    Rows are only added: each insert, delete or change of status adds a row of +n or -n in
    the writer's transaction, so concurrent writers never wait on one another (a counter row
    updated in place would serialise every create until commit). A total is the sum of the
    rows of its subject; `services.tallies.fold` sums each subject's rows into one now and
    then so the sum stays short."""

    __tablename__ = "row_tallies"
    __table_args__ = (Index("ix_row_tallies_subject", "subject", "part", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(20))  # the table: applications, callbacks, …
    part: Mapped[str] = mapped_column(String(20), default="")  # the flow; "" where none
    status: Mapped[str] = mapped_column(String(20))
    n: Mapped[int] = mapped_column(BigInteger)
