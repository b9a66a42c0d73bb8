"""Background jobs: the SLA watcher, notification delivery, the monthly report.

Each job is a plain function that runs inside an app context and is safe to run twice; the
scheduler (`scheduler.init_scheduler`) only calls them. Tests call them directly.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .delivery import deliver_pending
from .watcher import run_watcher

if TYPE_CHECKING:
    from ..models import MonthlyReport, User
    from ..reports.months import Month

__all__ = ["deliver_pending", "issue_monthly_report", "run_watcher"]


def issue_monthly_report(month: Month | str, actor: User | None = None,
                         **kwargs: Any) -> MonthlyReport:
    """Issue a month's report as a new version (tracker.reports.issuance; imported late,
    because the reports package uses this package's locks)."""
    from ..reports.issuance import issue_monthly_report as issue

    return issue(month, actor, **kwargs)
