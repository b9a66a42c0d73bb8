"""The monthly overdue report: compute (monthly), store (issuance), render (xlsx, csv, html).
The factory registers `api.blp`, `pages.bp` (with `pages.NAV`), `cli.report_cli` and `JOBS`
(the scheduler's monthly issue and its catch-up, and the builds of long downloads: builds)."""
from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from ..jobs.scheduler import Job
from ..localtime import LOCAL
from ..services.months import Month, parse_month
from . import api, cli, pages
from .builds import BUILD_SECONDS, run_builds
from .issuance import issue_monthly_report, issue_previous_month
from .monthly import compute_monthly_report

JOBS = [
    Job("monthly_report", "issue last month's report", issue_previous_month,
        CronTrigger(day=1, hour=1, minute=0, timezone=LOCAL),
        options={"misfire_grace_time": 6 * 86400}),
    # A scheduler that was down at 01:00 on the 1st issues the missing month when it starts
    # (a no-op when any version of last month exists).
    Job("monthly_report_catch_up", "issue last month's report if missing", issue_previous_month,
        at_start=True),
    # Downloads too long for a request (builds.py); any number of schedulers share the work.
    Job("report_builds", "build the report downloads that were asked for", run_builds,
        IntervalTrigger(seconds=BUILD_SECONDS)),  # the scheduler's misfire grace: a late run
    # still runs (coalesced into one), so a build asked for while the host was busy is made.
]

__all__ = ["JOBS", "Month", "api", "cli", "compute_monthly_report", "issue_monthly_report",
           "issue_previous_month", "pages", "parse_month", "run_builds"]
