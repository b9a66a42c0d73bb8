"""The application list read from plain rows (services.queries.list_applications, the API's
compiled dump) answers exactly what the ORM path (present_application + ApplicationPage.dump)
answers for the same applications: every field, on a data set with pauses open and closed,
paused timers, overdue and late ones, cancelled, 容缺, 补录 and owners (issue 15)."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.fixtures.app import local
from tracker.extensions import db

FILTERS = ["", "overdue=true", "overdue=false", "status=open", "status=cancelled",
           "status=completed", "flow=211", "department=connection_team", "step=water_on",
           "text=客户", "due_before=2026-10-20T00:00:00%2B08:00", "overdue=true&flow=201"]


@pytest.fixture
def varied(app, api, api_as, frozen):
    """Fourteen applications in every state a list row can show, seen on 2026-10-14 15:00."""
    clock = frozen(local(2026, 10, 12, 9, 0))
    api_as("clerk", "wang", department="connection_team")
    made = []
    for i, flow in enumerate(["201", "211", "101", "201", "211", "201", "211", "211", "211",
                              "201", "101", "211", "201", "211"]):
        extra = {"owner": "wang" if i % 3 else ""}
        if i % 5 == 0:  # 容缺受理
            extra |= {"missing_materials": ["产权证明"], "materials_promised_on": "2026-10-16"}
        if flow == "101":  # its clock runs from the customer's requested time
            extra["requested_at"] = "2026-10-13T09:00:00+08:00"
        made.append(api.create(flow, customer_name=f"客户{i}", **extra)["number"])
    pauses = f"/api/v1/applications/{made[0]}/pauses"
    api.as_read(made[0]).post(pauses, {"reason": "municipal_approval"}, status=201)  # open
    api.as_read(made[1]).post(f"/api/v1/applications/{made[1]}/pauses",
                              {"reason": "customer_deferral", "step": "supply_plan"}, status=201)
    api.as_read(made[2]).post(f"/api/v1/applications/{made[2]}/cancel", {"reason": "客户撤回"})
    api.step(made[8], "supply_plan")  # completed on time
    api.step(made[8], "water_on")
    clock.move_to(local(2026, 10, 12, 11, 0))
    pause = api.as_read(made[3]).post(f"/api/v1/applications/{made[3]}/pauses",
                                      {"reason": "municipal_approval"}, status=201)["pauses"][0]
    clock.move_to(local(2026, 10, 12, 14, 0))
    api.as_read(made[3]).post(f"/api/v1/applications/{made[3]}/pauses/{pause['id']}/end")
    api.step(made[4], "supply_plan")  # on time
    api.step(made[5], "survey", at="2026-10-12T10:00:00+08:00")  # 补录
    clock.move_to(local(2026, 10, 13, 16, 0))
    api.step(made[6], "supply_plan")  # completed late
    api.step(made[6], "water_on")
    api.step(made[7], "supply_plan")  # its next step open and overdue
    clock.move_to(local(2026, 10, 14, 15, 0))
    with app.app_context(), db.engine.begin() as conn:  # registered before owners existed
        conn.execute(sa.text("UPDATE applications SET owner_id = NULL WHERE number = :n"),
                     {"n": made[9]})
        conn.execute(sa.text("UPDATE users SET display_name = '王工' WHERE username = 'wang'"))
    return made


def _reference(api, url: str) -> tuple[dict, dict]:
    """The page at `url` as the API answers it, and as the ORM path answers it: the
    applications of that page, in its order, each through present_application and the
    documented ApplicationPage schema."""
    from tracker.api.schemas import ApplicationPage
    from tracker.models import Application
    from tracker.services.app_clock import app_clock, now
    from tracker.services.pagination import page_of
    from tracker.services.presenters import present_application

    listed = api.get(url)
    numbers = [item["number"] for item in listed["items"]]
    db.session.expire_all()
    apps = {a.number: a for a in db.session.scalars(
        sa.select(Application).where(Application.number.in_(numbers)))}
    moment = now()
    items = [present_application(apps[n], moment, app_clock(), "zh", with_steps=False)
             for n in numbers]
    old = ApplicationPage().dump(page_of(items, listed["total"], listed["page"],
                                         listed["per_page"]))
    return listed, json.loads(json.dumps(old))


def test_the_list_answers_what_the_orm_path_answers(ctx, api, varied):
    for query in FILTERS:
        listed, old = _reference(api, f"/api/v1/applications?per_page=200&{query}")
        assert listed["items"], query
        assert listed == old, query
    listed, old = _reference(api, "/api/v1/applications?per_page=5&page=2")
    assert listed["page"] == 2 and len(listed["items"]) == 5
    assert listed == old


def test_every_kind_of_row_is_in_the_data_and_compared(api, varied):
    body = api.get("/api/v1/applications?per_page=200")
    states = {item["sla"]["state"] for item in body["items"]}
    assert {"paused", "overdue", "cancelled", "done_on_time", "done_late"} <= states
    assert any(item["paused"] for item in body["items"])
    assert {item["owner"] for item in body["items"]} >= {None, "wang", "clerk1"}
    assert {item["owner_name"] for item in body["items"]} >= {None, "王工", "clerk1"}
    assert any(item["missing_materials"] for item in body["items"])
    assert any(item["current_steps"] for item in body["items"])


def test_the_page_rows_carry_what_the_orm_path_shows(app, ctx, varied):
    """The pages' rows (present_listed, and 补录 from the same query) against the ORM path:
    present_application and the step records' own flags."""
    from tracker.models import Application
    from tracker.services.app_clock import app_clock, now
    from tracker.services.presenters import present_application, present_listed
    from tracker.services.queries import ApplicationFilter, list_applications

    moment, clock = now(), app_clock()
    items, total = list_applications(ApplicationFilter(), moment, 1, 50)
    assert total == len(items) == len(varied)
    backdated = set()
    for item in items:
        app_row = db.session.scalar(sa.select(Application).where(Application.id == item.id))
        for lang in ("zh", "en"):
            assert present_listed(item, moment, clock, lang) == present_application(
                app_row, moment, clock, lang, with_steps=False)
        assert item.row.backdated == any(step.backdated for step in app_row.steps)
        backdated |= {item.number} if item.row.backdated else set()
    assert backdated == {varied[5]}


def test_finished_deadlines_kept_answer_what_describe_answers(ctx, api, varied):
    """The deadlines of finished timers are kept per clock (timers.KeptFinished): asked a
    second time, the list answers from them, and still what the ORM path answers."""
    from tracker.api import listing
    from tracker.services.app_clock import app_clock

    for query in ("", "overdue=true", "status=completed", "status=cancelled"):
        api.get(f"/api/v1/applications?per_page=200&{query}")
        assert listing._KEPT_FINISHED.of(app_clock()), query  # some were kept
        listed, old = _reference(api, f"/api/v1/applications?per_page=200&{query}")
        assert listed == old, query


def test_a_searchs_total_is_the_count_of_its_matches(ctx, api, varied):
    """A search counts its matches in the page's statement (a window over the keys), and an
    empty page past the end by the count statement: both the number of matching rows."""
    from tracker.models import Application

    for term in ("客户", "客户1", "客户13", "nothing-matches"):
        expected = db.session.scalar(sa.select(sa.func.count()).select_from(Application).where(
            Application.customer_name.contains(term)))
        for page, per_page in ((1, 200), (1, 2), (2, 2), (50, 2)):
            body = api.get(f"/api/v1/applications?text={term}&page={page}&per_page={per_page}")
            assert body["total"] == expected, (term, page)
            assert len(body["items"]) == max(0, min(per_page, expected - (page - 1) * per_page))
