"""Screenings, callbacks, follow-ups and problem stages are SlaTimer rows: the watcher flags
them and queues notices like application steps, without code of its own for them."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.app import local
from tracker.settings import reconfigure


def test_the_watcher_flags_each_duty_once(app, api, api_as, push, water_on, frozen,
                                         a_monday_in_october):
    # a webhook for every department, so that notices are queued (never sent in this test)
    reconfigure(app, TRACKER_WEBHOOKS={"*": "http://127.0.0.1:9/robot"})
    frozen(local(2026, 10, 12, 9, 0))
    push()                                                   # screening: due 10-13 09:00
    problem = api.post("/api/v1/problems", {"source": "officer", "description": "叫号机故障",
                                            "department": "business_hall"}, status=201)
    office = api_as("assessor", "office", department="human_resources")  # 下达 at once: due 10-15 09:00
    office.change(f"/api/v1/problems/{problem['number']}", "issue", {})
    number = water_on("GG-W-1")                              # callback: due 10-15 09:00
    callback = api.get(f"/api/v1/aftercare/applications/{number}")["callback"]
    api.change(f"/api/v1/aftercare/callbacks/{callback['id']}", "result",
               {"reached": True, "satisfied": False, "comment": "慢"})  # follow-up: 10-15 09:00
    frozen(local(2026, 10, 16, 9, 0))
    from tracker.extensions import db
    from tracker.jobs.watcher import run_watcher
    from tracker.models import Event, Notification

    with app.app_context():
        first = run_watcher()
        overdue = {(t.subject_type, t.kind) for t in first.transitions if t.kind == "overdue"}
        assert {("screening", "overdue"), ("problem", "overdue"),
                ("followup", "overdue")} <= overdue
        labels = {t.subject_type: t.label for t in first.transitions}
        assert labels["problem"] == "P-2026-000001 核查"
        assert labels["followup"] == f"{number} 上门回访"
        assert first.queued == first.warnings + first.overdue >= 6
        bodies = " ".join(n.body for n in db.session.scalars(sa.select(Notification)))
        assert "P-2026-000001 核查" in bodies and "上门回访" in bodies
        again = run_watcher()
        assert again.overdue == 0 and again.warnings == 0
        flagged = db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
            Event.action == "sla.overdue", Event.subject_type == "problem"))
        assert flagged == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) \
            == first.queued
