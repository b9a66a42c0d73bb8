"""GET /api/v1/applications: one test per filter, and pagination."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.fixtures.app import local
from tracker.extensions import db


@pytest.fixture
def apps(api, frozen):
    """Six applications in known states, seen on Tuesday 2026-10-13 10:00.

    overdue_201 and overdue_211 were due at 09:00; future_101 is due on the 15th; cancelled_201 is
    cancelled; on_time_211 and late_211 are completed, the latter an hour late.
    """
    traveller = frozen(local(2026, 10, 12, 9, 0))
    made = {
        "overdue_201": api.create("201", customer_name="芜湖某置业有限公司",
                                  address="芜湖市镜湖区长江路 1 号"),
        "overdue_211": api.create("211", customer_name="胶州某物流公司",
                                  contact_phone="13912345678"),
        "future_101": api.create("101", customer_name="芜湖某工业园",
                                 requested_at="2026-10-14T09:00:00+08:00", channel="platform"),
        "cancelled_201": api.create("201", customer_name="撤回的客户"),
        "on_time_211": api.create("211", customer_name="按时客户"),
        "late_211": api.create("211", customer_name="超时客户"),
    }
    numbers = {key: body["number"] for key, body in made.items()}
    api.as_read(numbers['cancelled_201']).post(f"/api/v1/applications/{numbers['cancelled_201']}/cancel", {"reason": "客户撤回"})
    for key in ("on_time_211", "late_211"):
        api.step(numbers[key], "supply_plan")
    api.step(numbers["on_time_211"], "water_on")
    traveller.move_to(local(2026, 10, 13, 10, 0))
    api.step(numbers["late_211"], "water_on")
    return numbers


def _listed(api, query: str) -> set[str]:
    body = api.get(f"/api/v1/applications?per_page=200&{query}")
    assert body["total"] == len(body["items"])
    return {item["number"] for item in body["items"]}


def _names(apps, *keys) -> set[str]:
    return {apps[key] for key in keys}


def test_no_filter_lists_everything(api, apps):
    assert _listed(api, "") == set(apps.values())


def test_filter_by_flow(api, apps):
    assert _listed(api, "flow=211") == _names(apps, "overdue_211", "on_time_211", "late_211")
    assert _listed(api, "flow=101") == _names(apps, "future_101")
    assert _listed(api, "flow=999") == set()


def test_filter_by_status(api, apps):
    assert _listed(api, "status=open") == _names(apps, "overdue_201", "overdue_211", "future_101")
    assert _listed(api, "status=completed") == _names(apps, "on_time_211", "late_211")
    assert _listed(api, "status=cancelled") == _names(apps, "cancelled_201")
    assert api.get("/api/v1/applications?status=lost", status=422)["errors"]["status"]


def test_filter_overdue(api, apps):
    overdue = api.get("/api/v1/applications?overdue=true")
    # running past the deadline, or finished late; soonest deadline first
    assert {i["number"] for i in overdue["items"]} == _names(
        apps, "overdue_201", "overdue_211", "late_211")
    states = {i["number"]: i["sla"]["state"] for i in overdue["items"]}
    assert states[apps["overdue_201"]] == "overdue"
    assert states[apps["late_211"]] == "done_late"
    dues = [i["sla"]["due_at"] for i in overdue["items"]]
    assert dues == sorted(dues)
    assert _listed(api, "overdue=false") == _names(apps, "future_101", "cancelled_201",
                                                   "on_time_211")


def test_overdue_total_counts_both_halves(api, apps):
    """The overdue count is the running-past-deadline ones plus the done-late ones (summed
    from two index reads): the total is right on a page of one and past the last page."""
    one = api.get("/api/v1/applications?overdue=true&per_page=1")
    assert (one["total"], one["pages"], len(one["items"])) == (3, 3, 1)
    past = api.get("/api/v1/applications?overdue=true&per_page=2&page=3")
    assert (past["total"], past["items"]) == (3, [])


def test_filter_due_before(api, apps):
    # open deadlines before Wednesday: the two overdue ones, not the 101 due on the 15th
    assert _listed(api, "due_before=2026-10-14T00:00:00%2B08:00") == _names(
        apps, "overdue_201", "overdue_211")
    assert _listed(api, "due_before=2026-10-16T00:00:00%2B08:00") == _names(
        apps, "overdue_201", "overdue_211", "future_101")
    assert api.get("/api/v1/applications?due_before=soon", status=422)["errors"]["due_before"]


def test_filter_by_department_of_the_current_step(api, apps):
    assert _listed(api, "department=engineering") == _names(apps, "future_101")
    # the completed 211s have their archive (business hall) still to do
    assert _listed(api, "department=business_hall") == _names(
        apps, "overdue_211", "on_time_211", "late_211")
    assert _listed(api, "department=connection_team") == _names(apps, "overdue_201")


def test_filter_by_current_step(api, apps):
    assert _listed(api, "step=accept") == set()  # done by registering
    assert _listed(api, "step=survey") == _names(apps, "overdue_201")
    assert _listed(api, "step=supply_plan") == _names(apps, "overdue_211")
    assert _listed(api, "step=meter_install") == _names(apps, "future_101")
    listed = api.get("/api/v1/applications?step=meter_install")["items"][0]
    assert listed["current_steps"] == ["meter_install"]


def test_filter_by_text(api, apps):
    assert _listed(api, "text=胶州") == _names(apps, "overdue_211")
    assert _listed(api, "text=13912345678") == _names(apps, "overdue_211")
    assert _listed(api, "text=长江路") == _names(apps, "overdue_201")
    assert _listed(api, "text=" + apps["future_101"]) == _names(apps, "future_101")
    # wildcards are taken literally
    assert _listed(api, "text=%25") == set()
    assert _listed(api, "text=_") == set()


def test_filters_combine(api, apps):
    assert _listed(api, "flow=211&overdue=true&status=open") == _names(apps, "overdue_211")


def test_pagination(api, apps):
    first = api.get("/api/v1/applications?per_page=4&page=1")
    second = api.get("/api/v1/applications?per_page=4&page=2")
    third = api.get("/api/v1/applications?per_page=4&page=3")
    assert (first["total"], first["pages"], first["page"], first["per_page"]) == (6, 2, 1, 4)
    assert len(first["items"]) == 4 and len(second["items"]) == 2 and third["items"] == []
    numbers = [i["number"] for i in first["items"] + second["items"]]
    assert sorted(numbers) == sorted(apps.values())
    # newest acceptance first; all were accepted at one instant, so the newest row first
    assert numbers == list(reversed(apps.values()))
    assert api.get("/api/v1/applications?per_page=201", status=422)["errors"]["per_page"]


def test_list_items_carry_deadline_state_and_times(api, apps):
    items = {i["number"]: i for i in api.get("/api/v1/applications")["items"]}
    overdue = items[apps["overdue_201"]]["sla"]
    assert overdue["state"] == "overdue"
    assert overdue["due_at"] == "2026-10-13T09:00:00+08:00"
    assert overdue["over_hours"] == 1.0
    assert overdue["over_days"] == round(1 / 7.5, 2)
    future = items[apps["future_101"]]["sla"]
    assert future["state"] == "on_track"
    assert future["remaining_hours"] == 7.5
    assert "steps" not in items[apps["future_101"]]


def test_a_page_of_paused_applications_does_not_load_who_paused_each(app, api, api_as, frozen):
    """A list shows each application's deadline with the pauses that concern it, read in one
    query: the statements of a page do not grow with the people who paused its applications."""
    frozen(local(2026, 10, 12, 9, 0))
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    def page_statements() -> int:
        with app.app_context():
            engine = db.engine
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            body = api.get("/api/v1/applications?per_page=50")
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
        assert all(item["paused"] for item in body["items"])
        return len(statements)

    def paused_by(clerk) -> None:
        number = clerk.create("211")["number"]
        clerk.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                   {"reason": "missing_documents", "step": "supply_plan"}, status=201)

    paused_by(api_as("clerk", "pauser-0"))
    one = page_statements()
    for i in range(1, 5):
        paused_by(api_as("clerk", f"pauser-{i}"))
    assert page_statements() == one
