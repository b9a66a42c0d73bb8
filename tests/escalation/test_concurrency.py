"""Each escalation level fires once per duty, to its recipients, with two schedulers on one
PostgreSQL (the pattern of tests/jobs/test_concurrency.py)."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.escalation.helpers import issued_problem
from tests.fixtures.app import local
from tests.fixtures.jobs import all_at_once
from tracker.escalation.models import EscalationMark, SupervisionNotice
from tracker.extensions import db
from tracker.models import Department, Event, Notification, Role, User
from tracker.settings import reconfigure

pytestmark = pytest.mark.postgres

SETTINGS = {
    "TRACKER_ESCALATION_LEVELS": {"problem": [
        {"level": "yellow", "share": 0.6, "notify": ["team_lead"]},
        {"level": "red", "notify": ["team_lead", "department_head"]},
        {"level": "supervision", "over_hours": 4, "notify": ["department_head"]},
    ], "*": []},
    "TRACKER_PROBLEM_VERIFY_DAYS": 5.0,
    "TRACKER_WEBHOOKS": {"engineering": "http://127.0.0.1:9/robot"},
    "TRACKER_DEPARTMENT_HEADS": {"engineering": "eng-head"},
}


@pytest.fixture
def pg_only(backend):
    if backend != "postgresql":
        pytest.skip("two processes sharing one database is the PostgreSQL deployment")


@contextmanager
def _no_lock(*_args, **_kwargs):
    yield True


def _setup(count: int) -> None:

    dept = db.session.scalar(select(Department).where(Department.code == "engineering"))
    people = []
    for name, role, phone in (("eng-lead", "team_lead", "13800001111"),
                              ("eng-head", "engineer", "13900002222")):
        user = User(username=name, role=Role(role), department=dept, phone=phone,
                    email=f"{name}@example.cn")
        user.set_password("correct-horse-9")
        people.append(user)
    db.session.add_all(people)
    db.session.commit()
    # Reported Wed 30 Sep 2026 09:00, 5 working days: yellow Sat 10 Oct 09:00 (a make-up
    # working day), red Tue 13 Oct 09:00, supervision Tue 13 Oct 14:30.
    with time_machine.travel(local(2026, 9, 30, 9, 0), tick=False):
        for i in range(count):
            issued_problem(people[0], description=f"问题{i}")


@pytest.mark.parametrize("locked", [True, False], ids=["advisory-lock", "no-lock"])
def test_two_schedulers_fire_each_level_once(app, ctx, other_app, pg_only, locked,
                                             monkeypatch):
    """Two hosts run the escalation job over the same hours, twice each; with the lock taken
    away the unique (timer, level) mark still lets only one of them fire each level."""
    from tracker.escalation import jobs

    if not locked:
        monkeypatch.setattr(jobs, "exclusive", _no_lock)
    reconfigure(app, **SETTINGS)
    count = 8
    _setup(count)
    db.session.remove()
    other = other_app(**SETTINGS)

    def sweep(host) -> int:
        fired = 0
        with host.app_context():
            for _round in range(2):
                minute = local(2026, 10, 10, 8, 0)
                while minute <= local(2026, 10, 13, 15, 0):
                    fired += sum(jobs.run_escalation(minute).fired.values())
                    minute += timedelta(minutes=30)
        return fired

    fired = all_at_once(lambda: sweep(app), lambda: sweep(other))
    assert sum(fired) == 3 * count
    db.session.expire_all()
    per_mark = Counter((m.timer_id, m.level) for m in db.session.scalars(select(EscalationMark)))
    assert len(per_mark) == 3 * count and set(per_mark.values()) == {1}
    reached = {(m.level, m.reached_at) for m in db.session.scalars(select(EscalationMark))}
    assert reached == {("yellow", local(2026, 10, 10, 9, 0)), ("red", local(2026, 10, 13, 9, 0)),
                       ("supervision", local(2026, 10, 13, 14, 30))}
    events = Counter(e.action for e in db.session.scalars(
        select(Event).where(Event.action.like("escalation.%"))))
    assert events == {"escalation.yellow": count, "escalation.red": count,
                      "escalation.supervision": count}
    assert db.session.scalar(select(func.count()).select_from(SupervisionNotice)) == count
    # The configured recipients, once each: yellow → lead (robot + mail), red → lead and head
    # (robot + 2 mails), supervision → head (robot + mail).
    rows = Counter((n.dedupe_key.split(":")[2], n.channel) for n in
                   db.session.scalars(select(Notification)))
    assert rows == {("yellow", "webhook"): count, ("yellow", "email"): count,
                    ("red", "webhook"): count, ("red", "email"): 2 * count,
                    ("supervision", "webhook"): count, ("supervision", "email"): count}
    mentioned = {tuple(n.payload["text"]["mentioned_mobile_list"]) for n in db.session.scalars(
        select(Notification).where(Notification.channel == "webhook"))}
    assert mentioned == {("13800001111",), ("13800001111", "13900002222"), ("13900002222",)}
