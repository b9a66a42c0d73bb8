"""Issue 10 through the API: pauses stop only the clocks they concern, anchored limits resume
as anchors, and applications stored under an older flow version keep working."""
from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
import yaml

from tests.fixtures.api import ApiClient
from tests.fixtures.app import local
from tracker.extensions import db
from tracker.models import FlowVersion

SNAPSHOT_201_V1 = Path(__file__).resolve().parents[1] / "steps" / "data" / "201_v1_snapshot.json"


def _step(body: dict, code: str) -> dict:
    return next(s for s in body["steps"] if s["code"] == code)


def test_municipal_approval_stops_only_what_waits_on_the_city(api, frozen):
    """003 四（三）: approval pending Mon 2026-06-01 10:30 → Fri 06-05 16:00. Procurement's
    "meter entered by the next working day" for a meter issued on 06-01 stays due Tue 06-02
    17:30; "审批结果当天告知工程管理部" is due Fri 06-05 17:30, not the following Monday."""
    clock = frozen(local(2026, 6, 1, 9, 0))
    number = api.create("201")["number"]
    clock.move_to(local(2026, 6, 1, 10, 0))
    api.step(number, "survey")
    clock.move_to(local(2026, 6, 1, 10, 15))
    issued = api.step(number, "meter_stock_entry", "start")  # the meter leaves the store
    assert _step(issued, "meter_stock_entry")["sla"]["due_at"] == "2026-06-02T17:30:00+08:00"

    clock.move_to(local(2026, 6, 1, 10, 30))
    paused = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                      {"reason": "municipal_approval", "note": "占道挖掘审批"}, status=201)
    pause = paused["pauses"][0]
    assert pause["step"] is None  # recorded on the application
    assert pause["stops_application"] is True
    assert pause["stopped_steps"] == ["municipal_approval"]  # the steps waiting on the city
    assert paused["sla"]["state"] == "paused"
    assert _step(paused, "municipal_approval")["sla"]["state"] == "paused"
    entry = _step(paused, "meter_stock_entry")["sla"]
    assert entry["state"] == "on_track" and entry["due_at"] == "2026-06-02T17:30:00+08:00"

    clock.move_to(local(2026, 6, 5, 16, 0))  # the city's answer arrives on Friday at 16:00
    resumed = api.as_read(number).post(f"/api/v1/applications/{number}/pauses/{pause['id']}/end")
    assert _step(resumed, "municipal_approval")["sla"]["due_at"] == "2026-06-05T17:30:00+08:00"
    assert _step(resumed, "meter_stock_entry")["sla"]["due_at"] == "2026-06-02T17:30:00+08:00"
    # The whole limit excludes the paused working time: 1.5 h used before the pause,
    # 1.5 h on Friday after it, 4.5 h on Monday.
    assert resumed["sla"]["due_at"] == "2026-06-08T14:30:00+08:00"
    # The meter was entered on Thursday: late, and the pause did not excuse it.
    clock.move_to(local(2026, 6, 5, 16, 30))
    done = api.step(number, "meter_stock_entry")
    assert _step(done, "meter_stock_entry")["sla"]["state"] == "done_late"
    done = api.step(number, "municipal_approval", note="审批通过，已告知工程管理部")
    assert _step(done, "municipal_approval")["sla"]["state"] == "done_on_time"
    # engineering received the task now: its half day runs from 16:30
    assert _step(done, "meter_install")["sla"]["started_at"] == "2026-06-05T16:30:00+08:00"


def test_a_pause_on_one_step_leaves_the_others_running(api, frozen):
    clock = frozen(local(2026, 6, 1, 9, 0))
    number = api.create("201")["number"]
    clock.move_to(local(2026, 6, 1, 10, 0))
    api.step(number, "survey")
    api.step(number, "meter_stock_entry", "start")
    clock.move_to(local(2026, 6, 1, 11, 0))
    body = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                    {"reason": "customer_deferral", "step": "municipal_approval"}, status=201)
    assert _step(body, "municipal_approval")["sla"]["state"] == "paused"
    assert body["sla"]["state"] == "paused"
    assert _step(body, "meter_stock_entry")["sla"]["state"] == "on_track"
    # a second, different pause at the same time on another step is allowed
    body = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                    {"reason": "missing_documents", "step": "meter_stock_entry"}, status=201)
    assert _step(body, "meter_stock_entry")["sla"]["state"] == "paused"
    assert len([p for p in body["pauses"] if p["ended_at"] is None]) == 2
    # completing a step ends the pause recorded on it
    clock.move_to(local(2026, 6, 1, 14, 0))
    body = api.step(number, "meter_stock_entry")
    mine = next(p for p in body["pauses"] if p["step"] == "meter_stock_entry")
    assert mine["ended_at"] == "2026-06-01T14:00:00+08:00"
    other = next(p for p in body["pauses"] if p["step"] == "municipal_approval")
    assert other["ended_at"] is None


def _database_before_version_2(app) -> None:
    """Forget the flow versions the test app stored at start-up (no application uses them
    yet): the database is as it was before the shipped files' versions existed."""
    with app.app_context():
        db.session.execute(sa.delete(FlowVersion))
        db.session.commit()


def test_an_application_stored_under_201_v1_keeps_its_flow(app, other_app, make_user, tmp_path,
                                                          frozen):
    """A 201 application registered under version 1 (external works 3 days, acceptance a step
    of its own, meter clock from "start") keeps that definition after version 2 ships."""
    frozen(local(2026, 6, 1, 9, 0))
    old_flows = tmp_path / "flows"
    old_flows.mkdir()
    snapshot = json.loads(SNAPSHOT_201_V1.read_text(encoding="utf-8"))
    (old_flows / "201.yaml").write_text(yaml.safe_dump(snapshot, allow_unicode=True),
                                        encoding="utf-8")
    _database_before_version_2(app)
    before = other_app(TRACKER_FLOWS_DIR=str(old_flows))
    # The older deployment stored its flow file when it started (as every server does).
    assert before.test_cli_runner().invoke(args=["flows", "sync"]).exit_code == 0
    _, token = make_user("clerk")
    headers = {"Authorization": f"Bearer {token}"}
    old = ApiClient(before.test_client(), headers).create(
        "201", attributes={"external_works": "small"})
    assert old["flow_version"] == 1 and old["sla"]["due_at"] == "2026-06-04T09:00:00+08:00"
    assert _step(old, "accept")["status"] == "ready"

    after = other_app()  # the shipped files: 201 version 2, stored as on an upgrade
    assert after.test_cli_runner().invoke(args=["flows", "sync"]).exit_code == 0
    api = ApiClient(after.test_client(), headers)
    assert api.create("201")["flow_version"] == 2
    again = api.application(old["number"])
    assert again["flow_version"] == 1 and again["sla"]["due_at"] == "2026-06-04T09:00:00+08:00"
    for code in ("accept", "survey"):
        body = api.step(old["number"], code)
    body = api.step(old["number"], "municipal_approval", "skip", note="无需占道")
    assert _step(body, "meter_install")["sla"]["state"] == "not_started"  # v1: from "start"
    body = api.step(old["number"], "meter_install", "start")
    assert _step(body, "meter_install")["sla"]["due_at"] is not None
    assert api.step(old["number"], "meter_install")["status"] == "completed"


def test_a_101_flow_due_at_the_requested_time_itself(other_app, make_user, tmp_path, frozen):
    """requested_due is a flow setting: `at_requested` makes the requested time itself the
    whole deadline (the shipped 101 counts 1 working day after it)."""
    import shutil

    from tracker.steps.loader import FLOWS_DIR

    frozen(local(2026, 6, 1, 9, 0))
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, flows)
    data = yaml.safe_load((flows / "101.yaml").read_text(encoding="utf-8"))
    data.update(version=3, requested_due="at_requested")
    (flows / "101.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                    encoding="utf-8")
    strict = other_app(TRACKER_FLOWS_DIR=str(flows))
    assert strict.test_cli_runner().invoke(args=["flows", "sync"]).exit_code == 0
    _, token = make_user("clerk")
    api = ApiClient(strict.test_client(), {"Authorization": f"Bearer {token}"})
    body = api.create("101", requested_at="2026-06-02T10:00:00+08:00")
    assert body["flow_version"] == 3
    assert body["sla"]["due_at"] == "2026-06-02T10:00:00+08:00"
    # engineering's own step keeps its 1 working day from the task's arrival
    assert _step(body, "meter_install")["sla"]["due_at"] == "2026-06-03T10:00:00+08:00"
