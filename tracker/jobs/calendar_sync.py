"""Recompute open deadlines when the calendar's files or settings change.

Deadlines are stored when computed. When next year's holiday file is added (turning a
provisional year final), or office hours change, every running or paused timer is recomputed
once, and each moved deadline is logged (services.calendar_admin.recompute_open_deadlines).
"""
from __future__ import annotations

import logging
from typing import Any

from ..extensions import db
from ..models import JobLock, now_utc
from ..services import events
from ..services.app_clock import calendar_fingerprint, forget_clock, holidays_directory
from ..services.calendar_admin import recompute_open_deadlines
from .locks import exclusive

log = logging.getLogger(__name__)
# The job_locks row that remembers the fingerprint the open deadlines were computed on.
FINGERPRINT_ROW = "calendar-fingerprint"


def sync_calendar(force: bool = False) -> dict[str, Any]:
    """Recompute open deadlines if the calendar changed since the last run (idempotent);
    `force` recomputes regardless."""
    with exclusive("calendar_sync") as may_run:
        if not may_run:
            return {"skipped": True}
        fingerprint = calendar_fingerprint()
        row = db.session.get(JobLock, FINGERPRINT_ROW)
        if not force and row is not None and row.holder == fingerprint:
            db.session.commit()
            return {"changed": False}
        forget_clock()
        moved, checked = recompute_open_deadlines(None, cause={
            "kind": "calendar", "files": sorted(p.name for p in holidays_directory().glob("*.txt"))})
        events.record("calendar.schedule_changed", actor=None, subject_type="calendar",
                      subject_id=None, moved=len(moved), checked=checked,
                      first_run=row is None)
        if row is None:
            row = JobLock(name=FINGERPRINT_ROW)
            db.session.add(row)
        row.holder = fingerprint
        row.last_run_at = now_utc()
        db.session.commit()
        log.info("calendar changed: %d of %d open deadlines moved", len(moved), checked)
        return {"changed": True, "moved": len(moved), "checked": checked}
