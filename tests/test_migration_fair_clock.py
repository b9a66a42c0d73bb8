"""Migration 0005_fair_clock on rows that exist: every pause recorded before scopes existed
keeps stopping every clock of its application (its deadlines do not move)."""
from __future__ import annotations

from sqlalchemy import select

from tests.fixtures.app import local


def test_existing_pauses_keep_stopping_every_clock(app, frozen):
    from flask_migrate import downgrade, upgrade

    from tracker.extensions import db
    from tracker.models import Application, Pause, SubjectType
    from tracker.services.applications import NewApplication, create_application

    frozen(local(2026, 10, 12, 9, 0))
    with app.app_context():
        number = create_application(NewApplication(flow="211", customer_name="胶州某公司"),
                                    None).number
        app_row = db.session.scalar(select(Application).where(Application.number == number))
        db.session.add(Pause(application_id=app_row.id, reason_code="missing_documents",
                             started_at=local(2026, 10, 12, 10, 0),
                             ended_at=local(2026, 10, 12, 11, 0),
                             stops_application=False, stopped_steps=[]))
        db.session.commit()
        db.session.remove()
        downgrade(revision="0003_overdue_index")  # the schema before issue 10 …
        upgrade()  # … and the upgrade a utility runs
        db.session.remove()
        pause = db.session.scalar(select(Pause))
        assert (pause.stops_application, pause.stopped_steps, pause.step_code) == (
            True, ["*"], None)
        assert pause.concerns(SubjectType.APPLICATION, None)
        assert pause.concerns(SubjectType.STEP, "supply_plan")
        assert not pause.concerns(SubjectType.MATERIALS, None)
        db.session.remove()
