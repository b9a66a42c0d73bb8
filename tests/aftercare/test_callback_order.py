"""The callbacks list at scale (issue 15): the open ones first, soonest deadline first (what
customer service calls next), then the others newest first; pages cut across the two; the
indexes that serve it are there."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.fixtures.app import local

EN = {"Accept-Language": "en"}


def _ids(api, query: str) -> list[int]:
    return [item["id"] for item in api.get(f"/api/v1/aftercare/callbacks?{query}")["items"]]


@pytest.fixture
def five_callbacks(app, api, water_on, frozen):
    """Five callbacks (ids in order of water-on); the first's deadline moved to the latest
    and the second's to the soonest, so deadline order is not id order; the third and fifth
    answered (done). Returns {"open": [by deadline], "done": [newest first]}."""
    from tracker.extensions import db
    from tracker.models import SlaTimer

    frozen(local(2026, 10, 12, 10, 0))
    numbers = [water_on(f"GG-2026-01{i:02d}") for i in range(5)]
    ids = []
    for number in numbers:
        ids.append(api.get(f"/api/v1/aftercare/applications/{number}")["callback"]["id"])
    with app.app_context():
        from tracker.aftercare.models import Callback

        timers = {c.id: c.timer_id for c in db.session.scalars(sa.select(Callback))}
        due = {ids[0]: local(2026, 10, 30, 10, 0), ids[1]: local(2026, 10, 13, 10, 0)}
        for callback_id, at in due.items():
            db.session.execute(sa.update(SlaTimer).where(SlaTimer.id == timers[callback_id])
                               .values(due_at=at, warn_at=at - timedelta(hours=1)))
        db.session.commit()
    for callback_id in (ids[2], ids[4]):
        api.change(f"/api/v1/aftercare/callbacks/{callback_id}", "result",
                   {"reached": True, "satisfied": True, "comment": "好"})
    return {"open": [ids[1], ids[3], ids[0]], "done": [ids[4], ids[2]]}


def test_open_callbacks_by_deadline_then_the_done_ones_newest_first(api, five_callbacks):
    every = five_callbacks["open"] + five_callbacks["done"]
    assert _ids(api, "") == every
    assert _ids(api, "status=open") == five_callbacks["open"]
    assert _ids(api, "status=done") == five_callbacks["done"]
    # pages cut across the open and the done ones; the total counts both
    pages = [api.get(f"/api/v1/aftercare/callbacks?per_page=2&page={n}") for n in (1, 2, 3, 4)]
    assert [item["id"] for page in pages for item in page["items"]] == every
    assert [len(page["items"]) for page in pages] == [2, 2, 1, 0]
    assert {page["total"] for page in pages} == {5} and pages[0]["pages"] == 3
    done_page = api.get("/api/v1/aftercare/callbacks?status=done&per_page=1&page=2")
    assert [item["id"] for item in done_page["items"]] == five_callbacks["done"][1:]
    assert done_page["total"] == 2


def test_the_page_lists_open_callbacks_by_deadline_first(client, web_login, five_callbacks):
    web_login("clerk", department="customer_service")
    rows = re.findall(r'id="callback-(\d+)"', client.get("/callbacks").get_data(as_text=True))
    assert [int(r) for r in rows] == five_callbacks["open"]
    every = re.findall(r'id="callback-(\d+)"',
                       client.get("/callbacks?status=all").get_data(as_text=True))
    assert [int(r) for r in every] == five_callbacks["open"] + five_callbacks["done"]


def test_a_page_costs_the_same_queries_whichever_part_it_falls_in(app, client, auth,
                                                                 five_callbacks):
    from tests.fixtures.app import statements_during

    counts = {len(statements_during(app, lambda n=n: client.get(
        f"/api/v1/aftercare/callbacks?per_page=2&page={n}", headers=auth))) for n in (1, 2, 3)}
    assert len(counts) == 1


def test_the_indexes_that_serve_the_lists_are_there(app):
    from tracker.extensions import db

    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table, name in (("callbacks", "ix_callbacks_closed"),
                            ("follow_ups", "ix_follow_ups_closed"),
                            ("step_records", "ix_step_records_waiting")):
            assert name in {ix["name"] for ix in inspector.get_indexes(table)}
        if db.engine.dialect.name != "postgresql":
            return  # SQLite: a search stays a scan (LIKE '%…%' has no index there)
        names = {ix["name"] for ix in inspector.get_indexes("applications")}
        for column in ("number", "customer_name", "contact_name", "contact_phone", "address"):
            assert f"ix_applications_trgm_{column}" in names


def test_search_can_be_served_by_the_trigram_indexes(app):
    from tracker.extensions import db
    from tracker.models import Application
    from tracker.services.search import contains_text

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's pg_trgm only")
        query = sa.select(Application.id).where(contains_text(
            "某公司1234", Application.number, Application.customer_name,
            Application.contact_name, Application.contact_phone, Application.address))
        sql = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # an empty table: show it can
            plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))
            conn.rollback()
        assert plan.count("ix_applications_trgm_") == 5, plan


def test_the_migration_goes_down_and_up_again(app):
    from flask_migrate import downgrade, upgrade

    from tracker.extensions import db

    def names() -> set[str]:
        inspector = sa.inspect(db.engine)
        return {ix["name"] for table in ("callbacks", "follow_ups", "step_records", "applications")
                for ix in inspector.get_indexes(table)}

    ours = {"ix_callbacks_closed", "ix_follow_ups_closed", "ix_step_records_waiting"}
    with app.app_context():
        db.session.remove()  # PostgreSQL: no open read may hold the tables
        try:
            downgrade(revision="0020_scale-1")
            left = names()
            assert not ours & left and not any("trgm" in name for name in left)
        finally:
            upgrade()
        assert ours <= names()
