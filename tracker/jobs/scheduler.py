"""The scheduler (APScheduler 3.11): which job runs when. Never started by create_app.

Started by `flask --app tracker jobs run` (a dedicated process: the production setup), or by
gunicorn's post_worker_init hook (gunicorn.conf.py) when TRACKER_SCHEDULER=auto. Several
schedulers at once are harmless: every run takes the job's lock (PostgreSQL advisory lock,
SQLite lease) and each job is idempotent. See docs/operations-scheduler.md.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from ..extensions import db
from ..localtime import LOCAL
from ..services.tallies import FOLD_SECONDS, fold_tallies
from ..settings import settings
from .calendar_sync import sync_calendar
from .delivery import deliver_pending
from .watcher import run_watcher

log = logging.getLogger(__name__)
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
                db.session.rollback()

    run.__name__ = f"tracker_{name}"
    return run


@dataclass(frozen=True)
class Job:
    """A job a feature brings (the factory lists them): what runs, and when. `at_start` also
    runs it once when the scheduler starts (a catch-up after downtime)."""

    id: str
    name: str
    function: Callable[[], object]
    trigger: BaseTrigger | None = None
    at_start: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def register_jobs(app: Flask, jobs: Iterable[Job]) -> None:
    """The features' jobs, added to every scheduler of this app."""
    app.extensions.setdefault("tracker_jobs", []).extend(jobs)


def configure(scheduler: BaseScheduler, app: Flask) -> BaseScheduler:
    """Add the tracker's jobs to `scheduler` (not started)."""
    with app.app_context():
        seconds = settings().watch_seconds
    scheduler.add_job(_in_context(app, "watcher", run_watcher), IntervalTrigger(seconds=seconds),
                      id="watcher", name="SLA watcher", next_run_time=datetime.now(LOCAL),
                      replace_existing=True)
    scheduler.add_job(_in_context(app, "delivery", deliver_pending),
                      IntervalTrigger(seconds=DELIVERY_SECONDS), id="delivery",
                      name="notification delivery", replace_existing=True)
    # The lists' totals read row_tallies: its rows summed, so the sum stays a few rows long.
    scheduler.add_job(_in_context(app, "tallies", fold_tallies),
                      IntervalTrigger(seconds=FOLD_SECONDS), id="tallies",
                      name="fold the lists' tallies", replace_existing=True)
    for job in app.extensions.get("tracker_jobs", []):
        extra = {"next_run_time": datetime.now(LOCAL)} if job.at_start else {}
        scheduler.add_job(_in_context(app, job.id, job.function), job.trigger, id=job.id,
                          name=job.name, replace_existing=True, **extra, **job.options)
    # A new year's holiday file (or changed office hours) recomputes every open deadline.
    scheduler.add_job(_in_context(app, "calendar_sync", sync_calendar),
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
    with app.app_context():
        mode = settings().scheduler  # "auto" or "off", checked at start-up
    if mode == "off":
        log.info("scheduler off (TRACKER_SCHEDULER=off): run `flask --app tracker jobs run`")
        return None
    scheduler = build_scheduler(app)
    scheduler.start()
    log.info("scheduler started in process: %s", ", ".join(j.id for j in scheduler.get_jobs()))
    return scheduler  # type: ignore[return-value]
