"""Report builds (issue 15): a download too long for a request is built by a job, with its
progress, and kept in the database in chunks (as attachments are: one backup holds it, and
every host over the same PostgreSQL serves the same file)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models.base import UTCDateTime, now_utc

CHUNK_SIZE = 256 * 1024
ACTIVE = "state IN ('queued', 'running')"


class BuildState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BuildKind(enum.StrEnum):
    XLSX = "xlsx"
    CSV = "csv"
    JSON = "json"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=10,
                values_callable=lambda e: [m.value for m in e])


class ReportBuild(db.Model):
    """One download of one month's report being (or having been) built.

    `key` names what is built (month, kind, CSV table, language, issued version or live
    figures); at most one build per key is queued or running (the partial unique index), so
    two clicks or two clerks share one. `stamp` is the newest event id when the figures were
    read: a done build of live figures is reused while no event came after it."""

    __tablename__ = "report_builds"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        Index("uq_report_builds_active_key", "key", unique=True,
              postgresql_where=sql_text(ACTIVE), sqlite_where=sql_text(ACTIVE)),
        Index("ix_report_builds_state", "state", "id"),
        Index("ix_report_builds_key_finished", "key", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[BuildKind] = mapped_column(_enum(BuildKind, "build_kind"))
    csv_table: Mapped[str] = mapped_column(String(20), default="")  # the CSV's table
    lang: Mapped[str] = mapped_column(String(5), default="zh")
    version: Mapped[int | None]  # the issued version it is made from; None: live figures
    key: Mapped[str] = mapped_column(String(80))
    state: Mapped[BuildState] = mapped_column(_enum(BuildState, "build_state"),
                                              default=BuildState.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    stage: Mapped[str] = mapped_column(String(20), default="queued")  # a code; words: builds
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)
    stamp: Mapped[int | None] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(120), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str] = mapped_column(String(80), default="")  # the running job's token

    @property
    def chunks(self) -> int:
        return -(-self.size // CHUNK_SIZE)


class ReportBuildChunk(db.Model):
    """A piece of a built file, written in the same transaction as the build's `done`."""

    __tablename__ = "report_build_chunks"

    build_id: Mapped[int] = mapped_column(ForeignKey("report_builds.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
