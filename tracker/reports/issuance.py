"""Issued reports (签发): frozen figures and workbook; re-issuing adds a version, never edits.

The scheduled run (the 1st, 01:00 Beijing time) issues the previous month only if no version
of it exists yet, so it can run any number of times (two schedulers, a restart, a catch-up
after downtime) and still make one version. An explicit re-issue always makes version n+1.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from blinker import Namespace
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from ..extensions import db
from ..jobs.locks import exclusive
from ..localtime import LOCAL
from ..models import MonthlyReport, User
from ..services import events
from ..services.app_clock import now as clock_now
from ..services.errors import Conflict, NotFound, ValidationFailed
from ..services.months import Month, parse_month
from ..services.transaction import transactional
from .monthly import compute_monthly_report
from .xlsx import render_xlsx

log = logging.getLogger(__name__)

# Sent while a version is being issued, before it is frozen (sender: the month label; kwargs
# data=, version=, actor=, at=): a receiver may add to `data` what the version must carry
# (the assessment puts its review's outcome in), inside the issuing transaction.
issuing = Namespace().signal("report-issuing")


def _month(month: Month | str) -> Month:
    return month if isinstance(month, Month) else parse_month(month)


@transactional
def issue_monthly_report(month: Month | str, actor: User | None = None, *,
                         now: datetime | None = None) -> MonthlyReport:
    """Issue `month` again as a new version (the month must have ended); commits."""
    month = _month(month)
    now = now or clock_now()
    if now < month.end:
        raise ValidationFailed(
            "The month %(month)s has not ended; it can be issued from %(date)s.",
            params={"month": month.label, "date": month.end.date().isoformat()},
            fields={"month": ["The month has not ended."]})
    row = _issue(month, actor, now, trigger="manual", only_if_missing=False)
    if row is None:
        raise Conflict("Another report is being issued right now; try again in a minute.")
    return row


def issue_previous_month(now: datetime | None = None) -> MonthlyReport | None:
    """The scheduled job: issue last month unless some version of it exists already."""
    now = now or clock_now()
    month = Month.containing(now).previous()
    row = _issue(month, None, now, trigger="scheduled", only_if_missing=True)
    if row is None:
        log.info("monthly report %s: already issued or being issued; nothing to do", month)
    else:
        log.info("monthly report %s: issued version %d", month, row.version)
    return row


def _issue(month: Month, actor: User | None, now: datetime, *, trigger: str,
           only_if_missing: bool) -> MonthlyReport | None:
    with exclusive("monthly_report") as acquired:
        if not acquired:
            return None
        latest = db.session.scalar(select(func.max(MonthlyReport.version))
                                   .where(MonthlyReport.month == month.label)) or 0
        if only_if_missing and latest:
            db.session.rollback()
            return None
        data = compute_monthly_report(month, as_of=now)
        data["issue"] = {"version": latest + 1, "issued_at": now.astimezone(LOCAL).isoformat(),
                         "issued_by": actor.label if actor else None, "trigger": trigger}
        issuing.send(month.label, data=data, version=latest + 1, actor=actor, at=now)
        row = MonthlyReport(month=month.label, version=latest + 1, issued_at=now,
                            issued_by_id=actor.id if actor else None, data=data)
        row.xlsx = render_xlsx(data, lang="zh")
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:  # another process stored this version first
            db.session.rollback()
            return None
        events.record("report.issued", actor=actor, subject_type="monthly_report",
                      subject_id=row.id, month=month.label, version=row.version, trigger=trigger,
                      overdue=len(data["overdue"]), points=data["points"]["total"])
        db.session.commit()
        return row


def list_issued(month: Month | str | None = None) -> list[MonthlyReport]:
    """Issued versions, newest month and version first (figures and workbook not loaded)."""
    query = (select(MonthlyReport).options(defer(MonthlyReport.data), defer(MonthlyReport.xlsx))
             .order_by(MonthlyReport.month.desc(), MonthlyReport.version.desc()))
    if month is not None:
        query = query.where(MonthlyReport.month == _month(month).label)
    return list(db.session.scalars(query))


def get_issued(month: Month | str, version: int | None = None) -> MonthlyReport | None:
    """One issued version (the latest when `version` is None), or None if there is none."""
    month = _month(month)
    query = select(MonthlyReport).where(MonthlyReport.month == month.label)
    if version is not None:
        query = query.where(MonthlyReport.version == version)
    return db.session.scalar(query.order_by(MonthlyReport.version.desc()).limit(1))


def report_data(month: Month | str, *, version: int | None = None,
                live: bool = False) -> dict[str, Any]:
    """What to show for a month: an issued version (the latest by default) or, when asked for
    or when none is issued, the figures computed now (marked `issue: None`)."""
    month = _month(month)
    if not live:
        row = get_issued(month, version)
        if row is not None:
            return row.data
        if version is not None:
            raise NotFound("Version %(version)s of the %(month)s report was never issued.",
                           params={"version": version, "month": month.label})
    data = compute_monthly_report(month)
    data["issue"] = None
    return data
