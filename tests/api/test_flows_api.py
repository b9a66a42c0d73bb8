"""GET /api/v1/flows, and flow versions: an edited file makes a new version for new
applications while old ones keep theirs and their deadlines."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.fixtures.api import ApiClient
from tests.fixtures.app import local
from tracker.steps.loader import FLOWS_DIR


def test_flows_lists_201_101_211_with_steps_and_limits(api):
    flows = {f["code"]: f for f in api.get("/api/v1/flows")}
    assert set(flows) == {"201", "101", "211"}
    for flow in flows.values():
        assert flow["version"] >= 1
        assert flow["name_zh"] and flow["name_en"]
        assert flow["whole_limit"]
        assert flow["steps"]
        for step in flow["steps"]:
            assert step["code"] and step["name_zh"] and step["name_en"] and step["department"]
            assert step["limit"]
            assert step["clock_starts"] in ("acceptance", "previous", "requested", "started")
    assert [s["code"] for s in flows["211"]["steps"]] == [
        "accept", "supply_plan", "water_on", "archive"]
    assert flows["211"]["whole_limit"] == {"kind": "working_days", "amount": 1.0,
                                           "counting": "clock", "count_start_day": False}
    assert flows["101"]["whole_clock_starts"] == "requested"
    assert flows["101"]["requested_due"] == "after_limit"
    # 201 follows its seed: 1 working day, no external-works attribute or pauses
    assert flows["201"]["whole_limit"] == {"kind": "working_days", "amount": 1.0,
                                           "counting": "clock", "count_start_day": False}
    assert flows["201"]["attributes"] == []
    assert "external_works" not in flows["201"]["pause_reasons"]
    assert "municipal_approval" in flows["201"]["pause_reasons"]
    meter = next(s for s in flows["201"]["steps"] if s["code"] == "meter_install")
    assert meter["limit"]["kind"] == "working_days" and meter["limit"]["amount"] == 0.5
    assert meter["needs_start"] is False and meter["clock_starts"] == "previous"
    assert meter["after"] == ["survey", "municipal_approval"]
    approval = next(s for s in flows["201"]["steps"] if s["code"] == "municipal_approval")
    assert approval["skippable"] is True and approval["waits_on"] == ["municipal"]
    accept = next(s for s in flows["201"]["steps"] if s["code"] == "accept")
    assert accept["done_at_acceptance"] is True


def test_pause_reasons_are_listed(api):
    reasons = {r["code"]: r for r in api.get("/api/v1/pause-reasons")}
    assert reasons["missing_documents"]["name_zh"] == "补正材料"
    assert {"external_works", "municipal_approval", "customer_deferral"} <= set(reasons)
    assert reasons["municipal_approval"]["stops"] == ["application", "party"]
    assert reasons["municipal_approval"]["party"] == "municipal"
    assert reasons["municipal_approval"]["needs_step"] is False
    assert reasons["customer_deferral"]["needs_step"] is True


def test_the_openapi_document_is_served(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/applications/{number}/steps/{code}/complete" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


@pytest.fixture
def flows_copy(tmp_path) -> Path:
    target = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_an_edited_flow_is_a_new_version_and_history_keeps_its_deadline(
        other_app, flows_copy, make_user, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    edited_app = other_app(TRACKER_FLOWS_DIR=str(flows_copy))
    _, token = make_user("clerk")
    api = ApiClient(edited_app.test_client(), {"Authorization": f"Bearer {token}"})

    old = api.create("211")
    assert old["flow_version"] == 2
    assert old["sla"]["due_at"] == "2026-10-13T09:00:00+08:00"

    # the administrator doubles the whole limit (and forgets to bump the version number)
    _edit(flows_copy / "211.yaml", lambda d: d["whole_limit"].update(amount=2))
    result = edited_app.test_cli_runner().invoke(args=["flows", "sync"])
    assert result.exit_code == 0, result.output
    assert "stored flow 211 version 3" in result.output

    new = api.create("211")
    assert new["flow_version"] == 3
    assert new["sla"]["limit"]["amount"] == 2.0
    assert new["sla"]["due_at"] == "2026-10-14T09:00:00+08:00"
    flows = {f["code"]: f for f in api.get("/api/v1/flows")}
    assert flows["211"]["version"] == 3
    assert flows["211"]["whole_limit"]["amount"] == 2.0
    assert flows["201"]["version"] == 2  # untouched files keep their version

    # the old application keeps its version, limit and deadline, and still works to the end
    again = api.application(old["number"])
    assert again["flow_version"] == 2
    assert again["sla"]["due_at"] == "2026-10-13T09:00:00+08:00"
    assert again["sla"]["limit"]["amount"] == 1.0
    for code in ("supply_plan", "water_on"):
        done = api.step(old["number"], code)
    assert done["status"] == "completed"
    assert done["sla"]["due_at"] == "2026-10-13T09:00:00+08:00"

    # a step removed from the file stays part of the old application only
    def drop_supply_plan(data):
        data["version"] = 5
        data["steps"] = [step for step in data["steps"] if step["code"] != "supply_plan"]

    _edit(flows_copy / "211.yaml", drop_supply_plan)
    assert edited_app.test_cli_runner().invoke(args=["flows", "sync"]).exit_code == 0
    newest = api.create("211")
    assert newest["flow_version"] == 5
    assert [s["code"] for s in newest["steps"]] == ["accept", "water_on", "archive"]
    assert [s["code"] for s in api.application(new["number"])["steps"]] == [
        "accept", "supply_plan", "water_on", "archive"]
    api.step(new["number"], "supply_plan")


def test_a_broken_flow_file_is_refused_on_sync_naming_file_and_field(other_app, flows_copy):
    _edit(flows_copy / "211.yaml", lambda d: d["steps"][0]["limit"].update(kind="weeks"))
    broken = other_app(TRACKER_FLOWS_DIR=str(flows_copy))
    result = broken.test_cli_runner().invoke(args=["flows", "sync"])
    assert result.exit_code != 0
    assert "211.yaml" in result.output and "steps[0].limit.kind" in result.output
