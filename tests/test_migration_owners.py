"""Migration 0010_owners on rows that exist (SQLite rebuilds sla_timers, which applications
and step records point at): every application, step and timer is kept; the applications
registered before owners have none (a team lead names one) and no duty is anyone's yet."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.app import local


def test_the_upgrade_keeps_every_row_and_leaves_owners_and_assignees_empty(app, frozen):
    from flask_migrate import downgrade, upgrade

    from tracker.extensions import db
    from tracker.services.applications import NewApplication, create_application

    frozen(local(2026, 10, 12, 9, 0))
    tables = ("applications", "step_records", "sla_timers", "events")
    with app.app_context():
        for flow in ("201", "211"):
            create_application(NewApplication(flow=flow, customer_name="胶州某公司"), None)
        db.session.remove()
        counted = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in tables}
        db.session.remove()  # PostgreSQL: no open read may hold the tables the downgrade alters
        downgrade(revision="0009_work")  # the schema before owners …
        upgrade()  # … and the upgrade a utility runs
        db.session.remove()
        assert {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                for t in tables} == counted
        assert db.session.scalar(sa.text(
            "SELECT count(*) FROM applications WHERE owner_id IS NOT NULL")) == 0
        assert db.session.scalar(sa.text(
            "SELECT count(*) FROM sla_timers WHERE assignee_id IS NOT NULL")) == 0
        # Every reference into the rebuilt tables still holds (SQLite checked none meanwhile).
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []
        db.session.remove()
