"""Exactly once with two schedulers against one PostgreSQL (the acceptance test of issue 5)."""
from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

import pytest
import time_machine
from sqlalchemy import func, select

from tests.fixtures.app import local
from tests.fixtures.jobs import all_at_once, wait_for
from tracker.extensions import db
from tracker.models import Event, Notification, SlaTimer
from tracker.settings import reconfigure

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_only(backend):
    if backend != "postgresql":
        pytest.skip("two processes sharing one database is the PostgreSQL deployment")


def _applications(actor, count: int) -> list[str]:
    """`count` 211 applications accepted Thu 8 Oct 2026 09:00: two running timers each (the
    whole application, due Fri 09:00, and the "supply_plan" step, due Thu 17:30)."""
    from tracker.services.applications import NewApplication, create_application

    with time_machine.travel(local(2026, 10, 8, 9, 0), tick=False):
        return [create_application(NewApplication(flow="211", customer_name=f"客户{i}"),
                                   actor).number for i in range(count)]


def _assert_once(expected_timers: int, targets: int) -> None:
    db.session.expire_all()
    per_transition = Counter(
        (event.action, event.data["timer_id"]) for event in db.session.scalars(
            select(Event).where(Event.action.in_(["sla.warning", "sla.overdue"]))))
    assert len(per_transition) == 2 * expected_timers
    assert set(per_transition.values()) == {1}
    assert db.session.scalar(select(func.count()).select_from(Notification)) == \
        2 * expected_timers * targets
    for timer in db.session.scalars(select(SlaTimer)):
        assert timer.overdue_at == timer.due_at and timer.warned_at == timer.warn_at


@contextmanager
def _no_lock(*_args, **_kwargs):
    yield True


@pytest.mark.parametrize("locked", [True, False], ids=["advisory-lock", "no-lock"])
def test_two_watchers_racing_flag_and_notify_once(app, actor, other_app, pg_only, locked,
                                                  monkeypatch):
    """Two hosts run the watcher over the same minutes, three sweeps each. With the advisory
    lock one of them skips (whichever holds it does the work, so the outcome does not depend
    on who runs when); even with the lock taken away, the UPDATE … WHERE overdue_at IS NULL
    lets only one claim each transition."""
    from tracker.jobs import watcher

    if not locked:
        monkeypatch.setattr(watcher, "exclusive", _no_lock)
    hooks = {"*": "http://127.0.0.1:9/robot"}
    reconfigure(app, TRACKER_WEBHOOKS=hooks)
    _applications(actor, 12)
    other = other_app(TRACKER_WEBHOOKS=hooks)

    def sweep(host) -> int:
        skipped = 0
        with host.app_context():
            # Every 20 minutes from Thursday 15:00 to Friday 09:10, three times over.
            for _sweep in range(3):
                minute = local(2026, 10, 8, 15, 0)
                while minute <= local(2026, 10, 9, 9, 10):
                    skipped += watcher.run_watcher(minute).skipped
                    minute += timedelta(minutes=20)
        return skipped

    skipped = all_at_once(lambda: sweep(app), lambda: sweep(other))
    _assert_once(expected_timers=12 * 2, targets=1)
    if not locked:
        assert skipped == [0, 0]


def test_two_schedulers_flag_notify_and_deliver_once(app, actor, other_app, pg_only, webhook):
    """Two real APScheduler instances (two "hosts"), watcher and delivery every second, against
    one PostgreSQL and one robot webhook: every transition is recorded, queued and received once."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
    from apscheduler.triggers.interval import IntervalTrigger

    from tracker.jobs.scheduler import build_scheduler

    robot = webhook()
    hooks = {"*": robot.url}
    reconfigure(app, TRACKER_WEBHOOKS=hooks, TRACKER_WATCH_SECONDS=1)
    _applications(actor, 3)
    db.session.remove()
    hosts = [app, other_app(TRACKER_WEBHOOKS=hooks, TRACKER_WATCH_SECONDS=1)]
    runs = [Counter(), Counter()]  # job runs per host, finished or failed
    counting = threading.Lock()

    def count(event, seen: Counter) -> None:
        with counting:
            seen[event.job_id] += 1

    def ran_twice_more(before: list[Counter]) -> bool:
        with counting:
            return all(seen[job] >= earlier[job] + 2 for seen, earlier in
                       zip(runs, before, strict=True) for job in ("watcher", "delivery"))

    schedulers = []
    for index, host in enumerate(hosts):
        scheduler = build_scheduler(host)
        scheduler.remove_job("monthly_report")
        scheduler.remove_job("monthly_report_catch_up")
        scheduler.remove_job("escalation")  # its own race: tests/escalation/test_concurrency.py
        scheduler.reschedule_job("delivery", trigger=IntervalTrigger(seconds=1))
        scheduler.add_listener(partial(count, seen=runs[index]),
                               EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        schedulers.append(scheduler)

    def sent() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(Notification)
                                     .where(Notification.status == "sent"))

    for scheduler in schedulers:
        scheduler.start()
    try:
        wait_for(lambda: sent() == 2 * 3 * 2, timeout=60)
        # Both schedulers run both jobs twice more, and must find nothing left to do.
        with counting:
            before = [Counter(seen) for seen in runs]
        wait_for(lambda: ran_twice_more(before), timeout=60)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
    with app.app_context():
        _assert_once(expected_timers=3 * 2, targets=1)
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.status != "sent")) == 0
    received = [body["tracker"]["timer_id"] for body in robot.accepted]
    assert len(received) == 2 * 3 * 2
    assert len({(b["tracker"]["timer_id"], b["tracker"]["event"]) for b in robot.accepted}) == 12
