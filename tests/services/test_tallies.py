"""The lists' exact totals from the triggers' tallies (services.tallies, migration
0022_tallies): they follow every write path (the services, a bulk insert, a hand fix in SQL,
a delete), a fold keeps every total while it shortens the sum, the lists show the same totals
as counting the rows, and on PostgreSQL two writers never wait on each other's tally rows."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from tests.fixtures.app import local, statements_during

TRIGGERS = {f"tally_{table}_{what}"
            for table in ("applications", "callbacks", "follow_ups", "late")
            for what in ("insert", "update", "delete")}


def _tallied(subject: str) -> dict[tuple[str, str], int]:
    """(part, status) → the tally's sum, zeros left out."""
    from tracker.extensions import db

    rows = db.session.execute(sa.text(
        "SELECT part, status, sum(n) FROM row_tallies WHERE subject = :s GROUP BY part, status"
    ), {"s": subject}).all()
    return {(part, status): int(n) for part, status, n in rows if n}


def _counted(table: str, part: str | None) -> dict[tuple[str, str], int]:
    from tracker.extensions import db

    column = part or "''"
    rows = db.session.execute(sa.text(
        f"SELECT {column}, status, count(*) FROM {table} GROUP BY {part or ''}"
        f"{', ' if part else ''}status")).all()
    return {(p, status): int(n) for p, status, n in rows}


def _late_counted() -> dict[tuple[str, str], int]:
    from tracker.extensions import db
    from tracker.models import SlaTimer, SubjectType, TimerState

    n = db.session.scalar(sa.select(sa.func.count()).select_from(SlaTimer).where(
        SlaTimer.subject_type == SubjectType.APPLICATION, SlaTimer.state == TimerState.DONE,
        SlaTimer.late.is_(True)))
    return {("", "late"): n} if n else {}


def _check_all() -> None:
    assert _tallied("late_applications") == _late_counted()
    assert _tallied("applications") == _counted("applications", "flow_code")
    assert _tallied("callbacks") == _counted("callbacks", None)
    assert _tallied("follow_ups") == _counted("follow_ups", None)


def test_the_tally_triggers_are_there(app, backend):
    from tracker.extensions import db

    with app.app_context():
        if backend == "postgresql":
            names = set(db.session.scalars(sa.text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
        else:
            names = set(db.session.scalars(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        db.session.remove()
    # A migration that rebuilds one of these tables (SQLite's batch mode) must create them
    # again, or its totals silently stop following it.
    assert names >= TRIGGERS


def test_totals_follow_the_services_a_bulk_insert_a_hand_fix_and_a_delete(
        app, backend, actor, application_at):
    from tracker.aftercare.models import Callback
    from tracker.extensions import db
    from tracker.models import Application
    from tracker.services.applications import cancel_application

    numbers = [application_at(local(2026, 10, 12, 9, minute), flow=flow)
               for minute, flow in ((0, "201"), (10, "201"), (20, "211"), (30, "211"))]
    _check_all()
    assert _tallied("applications") == {("201", "open"): 2, ("211", "open"): 2}
    cancel_application(numbers[1], "客户撤回申请", actor)
    db.session.commit()
    _check_all()
    assert _tallied("applications")[("201", "cancelled")] == 1

    # A hand fix in SQL (no service): the status and the flow changed, the tally follows.
    db.session.execute(sa.text("UPDATE applications SET status = 'completed' WHERE number = :n"),
                       {"n": numbers[0]})
    db.session.execute(sa.text("UPDATE applications SET flow_code = '201' WHERE number = :n"),
                       {"n": numbers[3]})
    # An update that changes neither adds nothing.
    before = db.session.scalar(sa.text("SELECT count(*) FROM row_tallies"))
    db.session.execute(sa.text("UPDATE applications SET address = 'x' WHERE number = :n"),
                       {"n": numbers[2]})
    assert db.session.scalar(sa.text("SELECT count(*) FROM row_tallies")) == before
    db.session.commit()
    _check_all()
    assert _tallied("applications") == {("201", "completed"): 1, ("201", "cancelled"): 1,
                                        ("201", "open"): 1, ("211", "open"): 1}

    # One statement inserting several rows (bulk), then a status change and a delete.
    before = db.session.scalar(sa.text("SELECT count(*) FROM row_tallies"))
    db.session.execute(sa.text(
        "INSERT INTO callbacks (application_id, status, comment, created_at, version_id) "
        "SELECT id, 'open', '', accepted_at, 1 FROM applications"))
    added = db.session.scalar(sa.text("SELECT count(*) FROM row_tallies")) - before
    # PostgreSQL tallies a statement once (its transition table); SQLite once per row.
    assert added == (1 if backend == "postgresql" else 4)
    ids = sorted(db.session.scalars(sa.select(Callback.id)))
    db.session.execute(sa.update(Callback).where(Callback.id == ids[0]).values(status="done"))
    db.session.execute(sa.delete(Callback).where(Callback.id == ids[1]))
    db.session.commit()
    _check_all()
    assert _tallied("callbacks") == {("", "open"): 2, ("", "done"): 1}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 4


def test_a_fold_keeps_every_total_and_leaves_one_row_each(app, actor, application_at):
    from tracker.extensions import db
    from tracker.services.applications import cancel_application
    from tracker.services.tallies import fold_tallies

    numbers = [application_at(local(2026, 10, 12, 9, minute), flow="201")
               for minute in range(5)]
    cancel_application(numbers[0], "客户撤回申请", actor)
    db.session.commit()
    before = _tallied("applications")
    assert db.session.scalar(sa.text("SELECT count(*) FROM row_tallies")) > 2
    db.session.remove()

    assert fold_tallies()["rows"] >= 6
    assert _tallied("applications") == before == {("201", "open"): 4, ("201", "cancelled"): 1}
    rows = db.session.execute(sa.text(
        "SELECT subject, part, status, n FROM row_tallies ORDER BY status")).all()
    assert [tuple(r) for r in rows] == [("applications", "201", "cancelled", 1),
                                        ("applications", "201", "open", 4)]
    db.session.remove()
    fold_tallies()  # again: nothing changes
    assert _tallied("applications") == before
    _check_all()


def test_the_lists_show_the_counted_totals_from_the_tally(app, api, actor, application_at):
    from tracker.extensions import db
    from tracker.services.applications import cancel_application

    numbers = [application_at(local(2026, 10, 12, 9, minute), flow=flow)
               for minute, flow in ((0, "201"), (10, "201"), (20, "211"))]
    cancel_application(numbers[2], "客户撤回申请", actor)
    db.session.commit()
    db.session.remove()
    for query, expected in (("", 3), ("?flow=201", 2), ("?status=cancelled", 1),
                            ("?flow=211&status=open", 0), ("?flow=101", 0)):
        body = api.get(f"/api/v1/applications{query}")
        assert body["total"] == expected, query
    # The unfiltered list's total is the tally's sum, not a count of the applications.
    statements = statements_during(app, lambda: api.get("/api/v1/applications"))
    page = next(s for s in statements if "row_tallies" in s)
    assert "count(" not in page.lower().split("row_tallies")[0].rsplit("select", 1)[-1]


@pytest.mark.postgres
def test_two_writers_and_a_fold_never_wait_on_each_other(app, backend, actor, application_at):
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    from tracker.extensions import db
    from tracker.services.tallies import fold

    numbers = [application_at(local(2026, 10, 12, 9, minute), flow="201") for minute in (0, 1)]
    db.session.commit()
    ids = list(db.session.scalars(sa.text(
        "SELECT id FROM applications ORDER BY id")))
    db.session.remove()
    engine = db.engine
    first = engine.connect()
    try:
        with first.begin():
            # The first writer adds a callback and closes another application: uncommitted.
            first.execute(sa.text(
                "INSERT INTO callbacks (application_id, status, comment, created_at, "
                "version_id) VALUES (:a, 'open', '', now(), 1)"), {"a": ids[0]})
            first.execute(sa.text("UPDATE applications SET status = 'completed' "
                                  "WHERE id = :a"), {"a": ids[0]})
            done = threading.Event()
            errors: list[Exception] = []

            def second_writer() -> None:
                try:
                    with engine.begin() as second:
                        second.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
                        second.execute(sa.text(
                            "INSERT INTO callbacks (application_id, status, comment, "
                            "created_at, version_id) VALUES (:a, 'open', '', now(), 1)"),
                            {"a": ids[1]})
                        second.execute(sa.text("UPDATE applications SET status = 'cancelled' "
                                               "WHERE id = :a"), {"a": ids[1]})
                    with engine.begin() as folding:
                        folding.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
                        fold(folding)
                except sa.exc.SQLAlchemyError as exc:  # reported below
                    errors.append(exc)
                finally:
                    done.set()

            thread = threading.Thread(target=second_writer)
            thread.start()
            thread.join(30)
            assert done.is_set() and not errors, errors
        # The first writer commits after the fold: its rows were left for the next one.
        assert numbers
        with app.app_context():
            _check_all()
            assert _tallied("applications") == {("201", "completed"): 1,
                                                ("201", "cancelled"): 1}
            assert _tallied("callbacks") == {("", "open"): 2}
            db.session.remove()
    finally:
        first.close()


def test_the_late_tally_follows_application_timers_finishing_late(app, backend, actor,
                                                                  application_at):
    """The overdue total's finished-late half (migration 0023): an application's own timer
    done and late counts, a step's does not, a correction back to on time uncounts it."""
    from tracker.extensions import db
    from tracker.models import Application, SlaTimer, SubjectType

    numbers = [application_at(local(2026, 10, 12, 9, minute), flow="201")
               for minute in range(3)]
    own = {number: db.session.scalar(sa.select(Application.timer_id)
                                      .where(Application.number == number))
           for number in numbers}
    step_timer = db.session.scalar(sa.select(SlaTimer.id).where(
        SlaTimer.subject_type == SubjectType.STEP))
    assert step_timer is not None
    for timer_id in (own[numbers[0]], own[numbers[1]], step_timer):
        db.session.execute(sa.text("UPDATE sla_timers SET state = 'done', late = :t "
                                   "WHERE id = :id"), {"t": True, "id": timer_id})
    db.session.commit()
    _check_all()
    assert _tallied("late_applications") == {("", "late"): 2}
    # An update that changes nothing of it adds no row.
    before = db.session.scalar(sa.text("SELECT count(*) FROM row_tallies"))
    db.session.execute(sa.text("UPDATE sla_timers SET label = 'x' WHERE id = :id"),
                       {"id": own[numbers[0]]})
    assert db.session.scalar(sa.text("SELECT count(*) FROM row_tallies")) == before
    db.session.execute(sa.text("UPDATE sla_timers SET late = :f WHERE id = :id"),
                       {"f": False, "id": own[numbers[1]]})
    db.session.commit()
    _check_all()
    assert _tallied("late_applications") == {("", "late"): 1}

    # The overdue list's total: running past the deadline plus finished late, as counted.
    from tracker.services.app_clock import now
    from tracker.services.queries import ApplicationFilter, list_applications

    db.session.remove()
    items, total = list_applications(ApplicationFilter(overdue=True), now(), 1, 50)
    assert total == len(items) == 1
