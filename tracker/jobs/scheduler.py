"""The scheduler (APScheduler 3.11): which job runs when. Never started by create_app.

Started by `flask --app tracker jobs run` (a dedicated process: the production setup), or by
gunicorn's post_worker_init hook (gunicorn.conf.py) when TRACKER_SCHEDULER=auto. Several
schedulers at once are harmless: every run takes the job's lock (PostgreSQL advisory lock,
SQLite lease) and each job is idempotent. See docs/operations-scheduler.md.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

log = logging.getLogger(__name__)
LOCAL = ZoneInfo("Asia/Shanghai")
DELIVERY_SECONDS = 30

JOB_DEFAULTS = {
    # APScheduler's default grace of 1 s silently drops a run that starts late (a busy host,
    # a suspended VM); a run that is late still has work to do.
    "misfire_grace_time": 3600,
    "coalesce": True,  # after a stall, one catch-up run, not one per missed interval
    "max_instances": 1,
}


def _in_context(app: Flask, name: str, job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                result = job()
                log.debug("job %s: %s", name, result)
            except Exception:
                log.exception("job %s failed", name)
                from ..extensions import db

                db.session.rollback()

    run.__name__ = f"tracker_{name}"
    return run


def _watch() -> object:
    from .watcher import run_watcher

    return run_watcher()


def _deliver() -> object:
    from .delivery import deliver_pending

    return deliver_pending()


def _issue_previous_month() -> object:
    from ..reports.issuance import issue_previous_month

    return issue_previous_month()


def _sync_calendar() -> object:
    from .calendar_sync import sync_calendar

    return sync_calendar()


def configure(scheduler: BaseScheduler, app: Flask) -> BaseScheduler:
    """Add the tracker's jobs to `scheduler` (not started)."""
    seconds = max(1, int(app.config.get("TRACKER_WATCH_SECONDS", 60)))
    scheduler.add_job(_in_context(app, "watcher", _watch), IntervalTrigger(seconds=seconds),
                      id="watcher", name="SLA watcher", next_run_time=datetime.now(LOCAL),
                      replace_existing=True)
    scheduler.add_job(_in_context(app, "delivery", _deliver),
                      IntervalTrigger(seconds=DELIVERY_SECONDS), id="delivery",
                      name="notification delivery", replace_existing=True)
    scheduler.add_job(_in_context(app, "monthly_report", _issue_previous_month),
                      CronTrigger(day=1, hour=1, minute=0, timezone=LOCAL), id="monthly_report",
                      name="issue last month's report", replace_existing=True,
                      misfire_grace_time=6 * 86400)
    # A scheduler that was down at 01:00 on the 1st issues the missing month when it starts
    # (a no-op when any version of last month exists).
    scheduler.add_job(_in_context(app, "monthly_report_catch_up", _issue_previous_month),
                      id="monthly_report_catch_up", name="issue last month's report if missing",
                      next_run_time=datetime.now(LOCAL), replace_existing=True)
    # A new year's holiday file (or changed office hours) recomputes every open deadline.
    scheduler.add_job(_in_context(app, "calendar_sync", _sync_calendar),
                      IntervalTrigger(minutes=10), id="calendar_sync",
                      name="recompute deadlines after a calendar change",
                      next_run_time=datetime.now(LOCAL), replace_existing=True)
    return scheduler


def build_scheduler(app: Flask, scheduler_class: type[BaseScheduler] = BackgroundScheduler
                    ) -> BaseScheduler:
    """A configured, unstarted scheduler (memory job store: jobs are defined in code)."""
    return configure(scheduler_class(timezone=LOCAL, job_defaults=dict(JOB_DEFAULTS)), app)


def init_scheduler(app: Flask) -> BackgroundScheduler | None:
    """Start the jobs in this process if TRACKER_SCHEDULER is "auto"; None when "off"."""
    mode = str(app.config.get("TRACKER_SCHEDULER", "off")).lower()
    if mode == "off":
        log.info("scheduler off (TRACKER_SCHEDULER=off): run `flask --app tracker jobs run`")
        return None
    if mode != "auto":
        raise ValueError(f"TRACKER_SCHEDULER must be 'auto' or 'off', not {mode!r}")
    scheduler = build_scheduler(app)
    scheduler.start()
    log.info("scheduler started in process: %s", ", ".join(j.id for j in scheduler.get_jobs()))
    return scheduler  # type: ignore[return-value]
