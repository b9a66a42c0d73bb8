"""Each flow driven end to end through HTTP: create, start what needs starting, complete (or
skip) every step, water on, done on time / done late, and the event log of it all."""
from __future__ import annotations

import pytest

from tests.fixtures.app import local


def _step(body: dict, code: str) -> dict:
    return next(s for s in body["steps"] if s["code"] == code)


def _actions(api, number: str) -> list[tuple[str, str | None]]:
    return [(e["action"], e["data"].get("step")) for e in
            api.get(f"/api/v1/applications/{number}/events")]


@pytest.mark.parametrize("approval", ["complete", "skip"])
def test_flow_201_end_to_end(api, frozen, approval):
    clock = frozen(local(2026, 10, 12, 9, 0))
    created = api.create("201", customer_name="芜湖某置业有限公司", contact_name="张经理",
                         contact_phone="0553-5551234", address="芜湖市镜湖区长江路 1 号")
    number = created["number"]
    assert number == "201-2026-000001"
    assert created["status"] == "open"
    assert created["sla"]["due_at"] == "2026-10-13T09:00:00+08:00"
    # 申请受理 is the registration itself: recorded once, by the clerk who registered it
    assert [(s["code"], s["status"]) for s in created["steps"]] == [
        ("accept", "done"), ("survey", "ready"), ("municipal_approval", "waiting"),
        ("meter_install", "waiting"), ("meter_stock_entry", "waiting"),
        ("system_entry", "waiting"), ("archive", "waiting")]
    assert _step(created, "accept")["completed_at"] == "2026-10-12T09:00:00+08:00"
    assert _step(created, "accept")["completed_by"] == "clerk1"
    api.step(number, "accept", status=409)  # not a second entry

    clock.move_to(local(2026, 10, 12, 10, 0))
    body = api.step(number, "survey")
    assert _step(body, "municipal_approval")["status"] == "ready"
    assert _step(body, "meter_stock_entry")["status"] == "ready"
    assert _step(body, "meter_stock_entry")["sla"]["state"] == "not_started"
    clock.move_to(local(2026, 10, 12, 10, 30))
    if approval == "complete":
        body = api.step(number, "municipal_approval", note="占道审批已通过")
        assert _step(body, "municipal_approval")["status"] == "done"
    else:
        body = api.step(number, "municipal_approval", "skip", note="无需占道")
        assert _step(body, "municipal_approval")["status"] == "skipped"
        assert _step(body, "municipal_approval")["sla"]["state"] == "skipped"

    # the task reached engineering when the approval was handed over (10:30): its
    # 0.5-working-day clock runs from then, whoever presses "start" and whenever
    meter = _step(body, "meter_install")
    assert meter["status"] == "ready"
    assert meter["sla"]["started_at"] == "2026-10-12T10:30:00+08:00"
    assert meter["sla"]["due_at"] == "2026-10-12T15:45:00+08:00"  # 1.5 h + 2 h 15 min
    clock.move_to(local(2026, 10, 12, 10, 40))
    api.step(number, "meter_stock_entry", "start")
    clock.move_to(local(2026, 10, 12, 11, 0))
    api.step(number, "meter_stock_entry")
    body = api.step(number, "meter_install", "start", note="承建商进场")
    meter = _step(body, "meter_install")
    assert meter["status"] == "started"
    assert meter["started_at"] == "2026-10-12T11:00:00+08:00"
    assert meter["sla"]["due_at"] == "2026-10-12T15:45:00+08:00"  # "start" moves nothing

    clock.move_to(local(2026, 10, 12, 14, 0))
    body = api.step(number, "meter_install", note="客户已验收签字")
    assert body["status"] == "completed"
    assert body["water_on_at"] == "2026-10-12T14:00:00+08:00"
    assert body["completed_at"] == "2026-10-12T14:00:00+08:00"
    assert body["sla"]["state"] == "done_on_time"
    assert _step(body, "meter_install")["sla"]["state"] == "done_on_time"
    assert _step(body, "system_entry")["sla"]["due_at"] == "2026-10-12T17:30:00+08:00"
    assert _step(body, "archive")["sla"]["due_at"] == "2026-10-30T17:30:00+08:00"

    # follow-up paperwork: system entry a day late, the archive in time
    clock.move_to(local(2026, 10, 13, 9, 0))
    body = api.step(number, "system_entry")
    assert _step(body, "system_entry")["sla"]["state"] == "done_late"
    assert _step(body, "system_entry")["sla"]["over_hours"] == 0.5
    body = api.step(number, "archive")

    assert all(s["status"] in ("done", "skipped") for s in body["steps"])
    assert body["sla"]["state"] == "done_on_time"  # the application was on time all the same
    assert body["water_on_at"] == "2026-10-12T14:00:00+08:00"
    # later still, both states stay visible
    clock.move_to(local(2026, 12, 1, 9, 0))
    later = api.application(number)
    assert later["sla"]["state"] == "done_on_time"
    assert _step(later, "system_entry")["sla"]["state"] == "done_late"
    assert _step(later, "accept")["completed_by"] == "clerk1"

    second = "step.completed" if approval == "complete" else "step.skipped"
    assert _actions(api, number) == [
        ("application.created", None),
        ("step.completed", "survey"), (second, "municipal_approval"),
        ("step.started", "meter_stock_entry"), ("step.completed", "meter_stock_entry"),
        ("step.started", "meter_install"), ("step.completed", "meter_install"),
        ("step.completed", "system_entry"), ("step.completed", "archive")]
    events = api.get(f"/api/v1/applications/{number}/events")
    assert all(e["actor"] == "clerk1" for e in events)
    assert events[0]["data"]["number"] == number
    assert events[6]["data"]["late"] is False
    assert events[7]["data"]["late"] is True
    assert api.get("/api/v1/applications?status=completed")["total"] == 1


def test_flow_101_end_to_end_counts_from_the_requested_time(api, frozen):
    clock = frozen(local(2026, 10, 12, 9, 0))
    body = api.create("101", data_source="ignored", status=422)
    assert body["errors"] == {"data_source": ["未知字段。"],
                              "requested_at": ["该流程从客户要求的时间起算，请填写客户要求时间。"]}

    created = api.create("101", channel="platform", customer_name="芜湖某工业园区项目",
                         requested_at="2026-10-13T10:00:00+08:00")
    number = created["number"]
    assert number == "101-2026-000001"
    assert created["requested_at"] == "2026-10-13T10:00:00+08:00"
    assert created["sla"]["started_at"] == "2026-10-13T10:00:00+08:00"
    assert created["sla"]["due_at"] == "2026-10-14T10:00:00+08:00"
    assert _step(created, "meter_install")["sla"]["due_at"] == "2026-10-14T10:00:00+08:00"
    assert [s["code"] for s in created["steps"]] == ["meter_install", "system_entry", "archive"]

    clock.move_to(local(2026, 10, 14, 11, 0))  # an hour late
    body = api.step(number, "meter_install")
    assert body["status"] == "completed"
    assert body["water_on_at"] == "2026-10-14T11:00:00+08:00"
    assert body["sla"]["state"] == "done_late"
    assert body["sla"]["over_hours"] == 1.0
    assert _step(body, "meter_install")["sla"]["state"] == "done_late"
    api.step(number, "system_entry")
    body = api.step(number, "archive")
    assert [s["status"] for s in body["steps"]] == ["done", "done", "done"]
    assert api.get("/api/v1/applications?overdue=true")["items"][0]["number"] == number
    assert _actions(api, number) == [
        ("application.created", None), ("step.completed", "meter_install"),
        ("step.completed", "system_entry"), ("step.completed", "archive")]


def test_flow_211_end_to_end_with_missing_materials(api, frozen):
    clock = frozen(local(2026, 10, 12, 9, 0))
    created = api.create("211", channel="phone", customer_name="胶州某物流公司",
                         missing_materials=["产权证明"], materials_promised_on="2026-10-14")
    number = created["number"]
    assert created["missing_materials"] == ["产权证明"]
    assert created["materials_promised_on"] == "2026-10-14"
    # accepted on registration; the supply plan is due the same day
    assert _step(created, "accept")["status"] == "done"
    assert _step(created, "supply_plan")["sla"]["due_at"] == "2026-10-12T17:30:00+08:00"
    # 容缺受理 stops no clock: the whole limit runs, and the promised date is its own duty
    assert created["paused"] is False
    assert created["sla"]["due_at"] == "2026-10-13T09:00:00+08:00"
    assert created["materials_sla"]["due_at"] == "2026-10-14T17:30:00+08:00"
    assert created["materials_sla"]["state"] == "on_track"

    # logged after the fact: the plan went out at 11:00, entered at 15:00
    clock.move_to(local(2026, 10, 12, 15, 0))
    body = api.step(number, "supply_plan", at="2026-10-12T11:00:00+08:00")
    assert _step(body, "supply_plan")["completed_at"] == "2026-10-12T11:00:00+08:00"
    body = api.as_read(number).post(f"/api/v1/applications/{number}/materials/supplied")
    assert body["materials_supplied_at"] == "2026-10-12T15:00:00+08:00"
    assert body["materials_sla"]["state"] == "done_on_time"
    api.as_read(number).post(f"/api/v1/applications/{number}/materials/supplied", status=409)

    clock.move_to(local(2026, 10, 12, 16, 0))
    body = api.step(number, "water_on")
    assert body["status"] == "completed"
    assert body["water_on_at"] == "2026-10-12T16:00:00+08:00"
    assert body["sla"]["state"] == "done_on_time"
    assert [s["sla"]["state"] for s in body["steps"]] == [
        "done_on_time", "done_on_time", "done_on_time", "on_track"]  # the archive is next
    # a completed application can no longer be paused or cancelled
    api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
             {"reason": "other", "note": "x", "step": "archive"}, status=409)
    api.as_read(number).post(f"/api/v1/applications/{number}/cancel", {"reason": "x"}, status=409)
    assert _actions(api, number) == [
        ("application.created", None),
        ("step.completed", "supply_plan"), ("materials.supplied", None),
        ("step.completed", "water_on")]


def test_211_missing_documents_keep_the_file_open_not_the_clock(api, frozen):
    """004 容缺受理: work and water go on; the archive waits for the documents; the promised
    date is its own duty, overdue when the customer misses it."""
    clock = frozen(local(2026, 10, 12, 9, 0))
    number = api.create("211", missing_materials=["产权证明", "营业执照"],
                        materials_promised_on="2026-10-14")["number"]
    api.step(number, "supply_plan")
    body = api.step(number, "water_on")
    assert body["status"] == "completed" and body["sla"]["state"] == "done_on_time"
    refused = api.as_read(number).post(f"/api/v1/applications/{number}/steps/archive/complete", status=409,
                       headers={"Accept-Language": "en"})
    assert refused["message"] == (
        "The file cannot be archived while documents accepted as missing are outstanding: "
        "产权证明、营业执照.")
    clock.move_to(local(2026, 10, 15, 9, 0))  # the promised day has passed
    assert api.application(number)["materials_sla"]["state"] == "overdue"
    api.as_read(number).post(f"/api/v1/applications/{number}/materials/supplied")
    body = api.step(number, "archive")
    assert body["materials_sla"]["state"] == "done_late"
    assert all(s["status"] == "done" for s in body["steps"])


def test_a_cancelled_application_keeps_its_history(api, frozen):
    clock = frozen(local(2026, 10, 12, 9, 0))
    number = api.create("211")["number"]
    clock.move_to(local(2026, 10, 12, 9, 30))
    pause = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                     {"reason": "customer_deferral", "step": "supply_plan"},
                     status=201)["pauses"][0]
    clock.move_to(local(2026, 10, 12, 10, 0))
    body = api.as_read(number).post(f"/api/v1/applications/{number}/cancel", {"reason": "客户取消用水需求"})
    assert body["status"] == "cancelled"
    assert body["cancel_reason"] == "客户取消用水需求"
    assert body["sla"]["state"] == "cancelled"
    assert body["pauses"][0]["ended_at"] == "2026-10-12T10:00:00+08:00"
    assert body["pauses"][0]["id"] == pause["id"]
    assert _step(body, "accept")["status"] == "done"
    assert [a for a, _ in _actions(api, number)] == [
        "application.created", "pause.started", "application.cancelled"]
    assert api.get("/api/v1/applications?status=cancelled")["items"][0]["current_steps"] == []


def test_edit_logs_each_change_with_its_old_value(api, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    created = api.create("211", contact_phone="0532-1111111")
    number = created["number"]
    body = api.as_read(number).patch(f"/api/v1/applications/{number}",
                     {"contact_phone": "0532-2222222", "address": "胶州市",
                      "version": created["version"]})
    assert body["contact_phone"] == "0532-2222222"
    assert body["version"] == created["version"] + 1
    # the same values again change nothing and log nothing
    again = api.as_read(number).patch(f"/api/v1/applications/{number}", {"contact_phone": "0532-2222222"})
    assert again["version"] == body["version"]
    updates = [e for e in api.get(f"/api/v1/applications/{number}/events")
               if e["action"] == "application.updated"]
    assert len(updates) == 1
    assert updates[0]["data"]["changes"] == {
        "contact_phone": {"from": "0532-1111111", "to": "0532-2222222"},
        "address": {"from": "", "to": "胶州市"}}
