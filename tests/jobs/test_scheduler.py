"""The scheduler: not started by the factory; one per process when asked; the right triggers."""
from __future__ import annotations

import os
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select

from tests.fixtures.app import local
from tracker.extensions import db
from tracker.jobs.scheduler import build_scheduler, init_scheduler
from tracker.models import Event, MonthlyReport
from tracker.settings import reconfigure

ROOT = Path(__file__).resolve().parents[2]


def test_the_factory_starts_nothing(app):
    assert "tracker_scheduler" not in app.extensions
    assert init_scheduler(app) is None  # TestingConfig: TRACKER_SCHEDULER = "off"


def test_an_unknown_mode_is_refused(app):
    with pytest.raises(ValueError, match="TRACKER_SCHEDULER: must be 'auto' or 'off'"):
        reconfigure(app, TRACKER_SCHEDULER="sometimes")
    assert init_scheduler(app) is None  # the refused value never took effect


def test_jobs_and_triggers(app):
    scheduler = build_scheduler(app)
    scheduler.start(paused=True)  # job defaults are applied when the scheduler starts
    try:
        _check_jobs({job.id: job for job in scheduler.get_jobs()})
    finally:
        scheduler.shutdown(wait=False)


def _check_jobs(jobs) -> None:
    assert set(jobs) == {"watcher", "delivery", "monthly_report", "monthly_report_catch_up",
                         "escalation", "calendar_sync", "report_builds", "tallies"}
    assert jobs["tallies"].trigger.interval.total_seconds() == 300
    assert jobs["escalation"].trigger.interval.total_seconds() == 60
    assert jobs["report_builds"].trigger.interval.total_seconds() == 5
    assert jobs["watcher"].trigger.interval.total_seconds() == 60
    assert jobs["delivery"].trigger.interval.total_seconds() == 30
    cron = jobs["monthly_report"].trigger
    assert isinstance(cron, CronTrigger)
    assert cron.timezone == ZoneInfo("Asia/Shanghai")
    fields = {f.name: str(f) for f in cron.fields}
    assert (fields["day"], fields["hour"], fields["minute"]) == ("1", "1", "0")
    # Next run from the last evening of October, Beijing time: 1 November 01:00 Beijing time.
    nxt = cron.get_next_fire_time(None, local(2026, 10, 31, 23, 0))
    assert nxt == local(2026, 11, 1, 1, 0)
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time >= 3600  # APScheduler's default of 1 s drops late runs


def test_auto_starts_a_background_scheduler(app):
    reconfigure(app, TRACKER_SCHEDULER="auto", TRACKER_WATCH_SECONDS=5)
    scheduler = init_scheduler(app)
    try:
        assert isinstance(scheduler, BackgroundScheduler) and scheduler.running
        assert scheduler.get_job("watcher").trigger.interval.total_seconds() == 5
    finally:
        scheduler.shutdown(wait=True)


def test_gunicorn_hooks_start_and_stop_the_scheduler_when_auto(app):
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    class Worker:
        wsgi = app

    worker = Worker()
    reconfigure(app, TRACKER_SCHEDULER="off")
    hooks["post_worker_init"](worker)
    assert worker.tracker_scheduler is None
    reconfigure(app, TRACKER_SCHEDULER="auto")
    hooks["post_worker_init"](worker)
    scheduler = worker.tracker_scheduler
    assert scheduler.running
    hooks["worker_exit"](None, worker)  # waits for the jobs that started at once to finish
    assert not scheduler.running


def test_the_scheduler_process_runs_the_jobs_and_stops_on_sigterm(app, actor, database_url):
    """`flask --app tracker jobs run`, the production scheduler process, against the test
    database: it catches up at once (transitions of an application long overdue, the missing
    report of last month) and stops cleanly on SIGTERM."""
    from tracker.services.applications import NewApplication, create_application

    with time_machine.travel(local(2026, 10, 8, 9, 0), tick=False):
        create_application(NewApplication(flow="211", customer_name="胶州某公司"), actor)
    db.session.remove()
    env = dict(os.environ, TRACKER_DATABASE_URL=database_url, TRACKER_SECRET_KEY="test",
               TRACKER_CONFIG_FILE=os.devnull, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "tracker", "jobs", "run"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.3)
            db.session.remove()
            overdue = db.session.scalar(select(func.count()).select_from(Event)
                                        .where(Event.action == "sla.overdue"))
            issued = db.session.scalar(select(func.count()).select_from(MonthlyReport))
            if overdue == 2 and issued == 1:
                break
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert (overdue, issued) == (2, 1), output
    assert process.returncode == 0, output
    running = next(line for line in output.splitlines() if "scheduler running: " in line)
    assert set(running.split("scheduler running: ", 1)[1].split(", ")) >= {
        "watcher", "delivery", "monthly_report", "monthly_report_catch_up", "escalation",
        "report_builds"}, running
    assert "stopping the scheduler" in output
