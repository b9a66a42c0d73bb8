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


def test_the_read_joins_no_department_and_reads_one_when_asked(app, api, frozen):
    """Neither the owner's nor the steps' and pauses' people's departments are joined, nor the
    flow version's stored definition read (issue 15: planned on every request); a department
    is still read when asked, and the definition is the parsed one."""
    number = _made(api, frozen)
    with app.app_context():
        from tracker.models import User
        from tracker.services.applications import flow_of, get_application
        from tracker.services.flows import definition_of

        clerk = db.session.scalar(sa.select(User).join(User.department).limit(1))
        assert clerk is not None
        db.session.execute(sa.update(Application).where(Application.number == number)
                           .values(owner_id=clerk.id))
        db.session.commit()
        department = clerk.department.code
        db.session.remove()

        read: list[Application] = []
        seen = statements_during(app, lambda: read.append(get_application(number)))
        assert len(seen) == 3
        assert not any("departments" in s or "definition" in s for s in seen)
        found = read[0]
        assert found.owner.department.code == department  # read when asked
        assert flow_of(found).code == "201"
        db.session.remove()
        whole = db.session.scalar(sa.select(Application).where(Application.number == number))
        assert flow_of(whole) is definition_of(whole.flow_version)
        db.session.remove()
