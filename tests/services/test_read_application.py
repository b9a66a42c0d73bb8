"""services.applications.get_application reads an application's steps and pauses by two plain
statements (not the relationships' selectin loaders): the same records in the same order,
with the same eager loads (no statement when a page reads a step's timer or people), and a
collection the session already holds is kept as it is."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.app import local, statements_during
from tracker.extensions import db
from tracker.models import Application


def _made(api, frozen) -> str:
    clock = frozen(local(2026, 6, 1, 9, 0))
    number = api.create("201")["number"]
    clock.move_to(local(2026, 6, 1, 10, 0))
    api.step(number, "survey")
    api.step(number, "meter_stock_entry", "start")
    clock.move_to(local(2026, 6, 1, 11, 0))
    api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                             {"reason": "customer_deferral", "step": "municipal_approval"},
                             status=201)
    api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                             {"reason": "missing_documents", "step": "meter_stock_entry"},
                             status=201)
    clock.move_to(local(2026, 6, 1, 14, 0))
    api.step(number, "meter_stock_entry")
    return number


def _shape(app: Application) -> tuple:
    return ([(s.id, s.code, s.position, s.timer_id, s.started_by_id, s.completed_by_id)
             for s in app.steps],
            [(p.id, p.step_code, p.started_at, p.ended_at, p.started_by_id) for p in app.pauses])


def test_the_read_gives_what_the_selectin_loaders_gave(app, api, frozen):
    number = _made(api, frozen)
    with app.app_context():
        from tracker.services.applications import get_application

        selectin = db.session.scalar(sa.select(Application).where(Application.number == number))
        expected = _shape(selectin)
        assert len(expected[0]) > 5 and len(expected[1]) == 2
        db.session.remove()

        read = get_application(number)
        assert _shape(read) == expected

        def the_page_reads() -> None:
            for s in read.steps:
                _ = (s.timer and s.timer.due_at, s.started_by and s.started_by.label,
                     s.completed_by and s.completed_by.label, s.application is read)
            for p in read.pauses:
                _ = (p.started_by and p.started_by.label, p.ended_by and p.ended_by.label)

        assert statements_during(app, the_page_reads) == []
        db.session.remove()


def test_collections_the_session_holds_are_kept(app, api, frozen):
    number = _made(api, frozen)
    with app.app_context():
        from tracker.services.applications import get_application

        held = db.session.scalar(sa.select(Application).where(Application.number == number))
        steps, pauses = held.steps, held.pauses
        assert get_application(number) is held
        assert held.steps is steps and held.pauses is pauses
        db.session.remove()
