"""Once-only job runs: a PostgreSQL advisory lock, or a lease row on SQLite.

On PostgreSQL every run of a job takes `pg_try_advisory_xact_lock(<key of the job>)` in its
own transaction; a second scheduler (another gunicorn worker, another host) gets `false` and
skips that run. The lock ends with the transaction, so it can never be left behind by a
process that died. SQLite has no advisory locks; there the run holds a lease in `job_locks`
that expires on its own if its holder dies.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import JobLock, now_utc

log = logging.getLogger(__name__)

# One constant per job; 0x57415452 is "WATR". Listed in docs/operations-scheduler.md so an
# operator can find a stuck holder in pg_locks (objid = the low 32 bits).
ADVISORY_KEYS = {
    "watcher": 0x57415452_0001,
    "delivery": 0x57415452_0002,
    "monthly_report": 0x57415452_0003,
    "calendar_sync": 0x57415452_0004,
    "escalation": 0x57415452_0005,  # tracker.escalation: the levels past the watcher's two
}

# A lease outlives any normal run; a holder that died frees it after this long.
LEASE = timedelta(minutes=10)

_PROCESS = f"{socket.gethostname()}:{os.getpid()}"


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


@contextmanager
def exclusive(job: str, *, lease: timedelta = LEASE) -> Iterator[bool]:
    """Run the body only if no other process is running `job`; yields whether it may.

    PostgreSQL: the advisory lock lives until the body's first commit or rollback, so the
    body must do its work in one transaction. SQLite: the lease lasts until the body ends.
    """
    if job not in ADVISORY_KEYS:
        raise ValueError(f"unknown job {job!r}; known: {', '.join(ADVISORY_KEYS)}")
    if is_postgresql():
        acquired = bool(db.session.execute(
            select(func.pg_try_advisory_xact_lock(ADVISORY_KEYS[job]))).scalar_one())
        if not acquired:
            db.session.rollback()
            log.info("job %s: another process holds its advisory lock; skipping this run", job)
        try:
            yield acquired
        except BaseException:
            db.session.rollback()
            raise
        return

    holder = _acquire_lease(job, lease)
    if holder is None:
        log.info("job %s: another process holds its lease; skipping this run", job)
        yield False
        return
    try:
        yield True
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _release_lease(job, holder)


def _acquire_lease(job: str, lease: timedelta) -> str | None:
    """Take the lease row for `job` if it is free or expired; the holder id, or None."""
    db.session.rollback()  # start from a clean transaction: the lease commits on its own
    now = now_utc()
    holder = f"{_PROCESS}:{uuid.uuid4().hex[:8]}"
    inserted = db.session.execute(
        sqlite_insert(JobLock).values(name=job, holder=holder, expires_at=now + lease)
        .on_conflict_do_nothing(index_elements=[JobLock.name])).rowcount
    taken = inserted or db.session.execute(
        update(JobLock)
        .where(JobLock.name == job, or_(JobLock.expires_at.is_(None), JobLock.expires_at <= now))
        .values(holder=holder, expires_at=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:  # the row exists and its lease is still running
        db.session.rollback()
        return None
    db.session.commit()
    return holder


def _release_lease(job: str, holder: str) -> None:
    db.session.rollback()
    db.session.execute(
        update(JobLock).where(JobLock.name == job, JobLock.holder == holder)
        .values(expires_at=None, last_run_at=now_utc())
        .execution_options(synchronize_session=False))
    db.session.commit()


def lease_holder(job: str) -> tuple[str, datetime | None] | None:
    """Who holds the SQLite lease of `job` and until when (for `jobs status`)."""
    row = db.session.get(JobLock, job)
    return None if row is None else (row.holder, row.expires_at)
