"""The problem library (问题库): verify within 3 working days, rectify by a set deadline,
re-check, close; each stage on its own timer."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.api import table_counts
from tests.fixtures.app import local

EN = {"Accept-Language": "en"}


def test_a_problem_is_numbered_and_must_be_verified_in_three_working_days(api, frozen, issued):
    frozen(local(2026, 10, 12, 9, 0))
    problem = issued()
    assert problem["number"] == "P-2026-000001"
    assert issued(source="hotline_12345")["number"] == "P-2026-000002"
    assert problem["status"] == "verifying" and problem["stage"] == "verify"
    assert problem["source_name"] == "服务体验官"
    assert problem["department_name"] == "营业厅（客户服务中心）"
    assert problem["sla"]["due_at"].startswith("2026-10-15T09:00:00+08:00")
    [stage] = problem["stages"]
    assert stage["stage"] == "verify" and stage["department"] == "business_hall"


def test_a_problem_not_verified_in_three_working_days_is_overdue(api, app, frozen, issued):
    frozen(local(2026, 10, 16, 14, 0))  # Friday afternoon: the weekend does not count
    problem = issued()
    frozen(local(2026, 10, 21, 13, 59))
    assert api.get(f"/api/v1/problems/{problem['number']}")["sla"]["state"] == "warning"
    frozen(local(2026, 10, 21, 14, 30))
    late = api.get(f"/api/v1/problems/{problem['number']}")
    assert late["sla"]["state"] == "overdue"
    assert late["sla"]["due_at"].startswith("2026-10-21T14:00:00+08:00")
    assert late["sla"]["over_hours"] == 0.5
    listed = api.get("/api/v1/problems?overdue=true")
    assert [p["number"] for p in listed["items"]] == [problem["number"]]
    assert api.get("/api/v1/problems?overdue=false")["total"] == 0
    from tracker.extensions import db
    from tracker.models import SlaTimer, SubjectType
    from tracker.services.app_clock import app_clock, now
    from tracker.services.timers import describe

    with app.app_context():
        timer = db.session.scalar(sa.select(SlaTimer).where(
            SlaTimer.subject_type == SubjectType.PROBLEM))
        assert timer.stage == "verify"
        assert describe(timer, now(), app_clock()).state == "overdue"


def test_not_a_problem_closes_it_with_the_reason(api, app, frozen, issued):
    frozen(local(2026, 10, 12, 9, 0))
    problem = issued()
    number = problem["number"]
    before = table_counts(app)
    refused = api.change(f"/api/v1/problems/{number}", "verify", {"is_problem": False},
                         status=422, headers=EN)
    assert refused["message"] == "Say why it is not a problem."
    assert table_counts(app) == before
    frozen(local(2026, 10, 13, 9, 0))
    done = api.change(f"/api/v1/problems/{number}", "verify",
                      {"is_problem": False, "note": "系统升级期间的临时现象，已恢复"})
    assert done["status"] == "not_problem" and done["status_name"] == "经核查非问题"
    assert done["not_problem_reason"] == "系统升级期间的临时现象，已恢复"
    assert done["sla"]["state"] == "done_on_time"
    assert done["stage"] is None


def test_rectify_recheck_send_back_and_close(api, frozen, issued, inspector):
    frozen(local(2026, 10, 12, 9, 0))
    number = issued()["number"]
    frozen(local(2026, 10, 13, 10, 0))
    verified = api.change(f"/api/v1/problems/{number}", "verify",
                          {"is_problem": True, "note": "属实",
                           "rectify_due_at": "2026-10-20T17:30:00+08:00"})
    assert verified["status"] == "rectifying" and verified["stage"] == "rectify"
    # the deadline set in the task list is the timer's deadline, on the working clock
    assert verified["sla"]["due_at"].startswith("2026-10-20T17:30:00+08:00")
    assert verified["sla"]["limit"]["kind"] == "working_hours"
    assert verified["rectify_due_at"].startswith("2026-10-20T17:30:00+08:00")

    frozen(local(2026, 10, 16, 10, 0))
    refused = api.change(f"/api/v1/problems/{number}", "rectified", {"note": ""}, status=422)
    assert "note" in refused["errors"]
    rectified = api.change(f"/api/v1/problems/{number}", "rectified",
                           {"note": "更换叫号机", "version": verified["version"]})
    assert rectified["status"] == "rechecking"
    assert rectified["sla"]["due_at"].startswith("2026-10-21T10:00:00+08:00")

    frozen(local(2026, 10, 19, 10, 0))
    refused = inspector.change(f"/api/v1/problems/{number}", "recheck", {"passed": False, "note": "仍有故障"},
                         status=422, headers=EN)
    assert refused["errors"] == {"rectify_due_at": ["Required."]}
    sent_back = inspector.change(f"/api/v1/problems/{number}", "recheck",
                           {"passed": False, "note": "仍有故障",
                            "rectify_due_at": "2026-10-22"})  # a date: its close of office
    assert sent_back["status"] == "rectifying"
    assert sent_back["sla"]["due_at"].startswith("2026-10-22T17:30:00+08:00")
    assert sent_back["rectify_due_at"].startswith("2026-10-22T17:30:00+08:00")
    frozen(local(2026, 10, 20, 10, 0))
    api.change(f"/api/v1/problems/{number}", "rectified", {"note": "再次维修并测试"})
    frozen(local(2026, 10, 21, 10, 0))
    closed = inspector.change(f"/api/v1/problems/{number}", "recheck", {"passed": True, "note": "复核通过"})
    assert closed["status"] == "closed" and closed["closed_at"].startswith("2026-10-21T10:00")
    assert [s["stage"] for s in closed["stages"]] == ["verify", "rectify", "recheck", "rectify",
                                                      "recheck"]
    assert all(s["sla"]["state"] == "done_on_time" for s in closed["stages"])
    assert closed["stages"][2]["department"] == "inspection_office"
    actions = [h["action"] for h in closed["history"]]
    assert actions == ["problem.created", "problem.issued", "problem.verified", "problem.rectified",
                       "problem.sent_back", "problem.rectified", "problem.closed"]


def test_a_deadline_in_the_past_or_without_working_time_is_refused(api, app, frozen, issued):
    frozen(local(2026, 10, 16, 18, 0))  # Friday after hours
    number = issued()["number"]
    before = table_counts(app)
    for due in ("2026-10-15T17:00:00+08:00", "2026-10-18T12:00:00+08:00"):  # past; Sunday
        refused = api.change(f"/api/v1/problems/{number}", "verify",
                             {"is_problem": True, "rectify_due_at": due}, status=422)
        assert "rectify_due_at" in refused["errors"]
    assert table_counts(app) == before


def test_stale_versions_and_wrong_stages_get_409_with_the_current_problem(api, issued):
    problem = issued()
    number = problem["number"]
    api.change(f"/api/v1/problems/{number}", "verify",
               {"is_problem": False, "note": "重复", "version": problem["version"]})
    conflict = api.change(f"/api/v1/problems/{number}", "verify",
                          {"is_problem": False, "note": "again", "version": problem["version"]},
                          status=409)
    assert conflict["current"]["status"] == "not_problem"
    wrong_stage = api.change(f"/api/v1/problems/{number}", "rectified", {"note": "x"}, status=409,
                             headers=EN)
    assert wrong_stage["message"].startswith(f"Problem {number} is not at this stage")


def test_bad_input_names_the_fields(api, app):
    refused = api.post("/api/v1/problems", {"source": "rumour", "description": "",
                                            "department": "nowhere"}, status=422, headers=EN)
    assert {"source", "description"} <= set(refused["errors"])
    refused = api.post("/api/v1/problems", {"source": "visit", "description": "漏水",
                                            "department": "nowhere"}, status=422, headers=EN)
    assert refused["errors"] == {"department": ["Unknown department."]}
    assert table_counts(app)["problems"] == 0


def test_roles(api_as, platform, client):
    auditor = api_as("auditor")
    auditor.post("/api/v1/problems", {"source": "visit", "description": "x",
                                      "department": "engineering"}, status=403)
    assert auditor.get("/api/v1/problems")["total"] == 0
    assert client.post("/api/v1/problems", json={}, headers=platform).status_code == 403


def test_filters(api, frozen, issued):
    frozen(local(2026, 10, 12, 9, 0))
    first = issued()["number"]
    second = issued(source="hotline_12345", department="engineering",
                  description="江北片区夜间水压低")["number"]
    api.change(f"/api/v1/problems/{first}", "verify", {"is_problem": False, "note": "重复登记"})
    assert [p["number"] for p in api.get("/api/v1/problems?status=open")["items"]] == [second]
    assert [p["number"] for p in api.get("/api/v1/problems?source=hotline_12345")["items"]] \
        == [second]
    assert [p["number"] for p in api.get("/api/v1/problems?department=business_hall")["items"]] \
        == [first]
    assert [p["number"] for p in api.get("/api/v1/problems?text=水压")["items"]] == [second]


def test_control_characters_are_refused_not_stored(api, app):
    refused = api.post("/api/v1/problems", {"source": "visit", "description": "漏水\x00",
                                            "department": "engineering"}, status=422,
                       headers=EN)
    assert refused["errors"] == {"description": ["Must not contain control characters."]}
    assert api.get("/api/v1/problems/P-2026-%00", status=404)
    from tracker.models import User
    from tracker.problems import commands as problems

    with app.app_context():
        from tracker.extensions import db

        actor = db.session.scalar(sa.select(User))
        try:
            problems.create_problem(problems.NewProblem("visit", "漏水\x00", "engineering"), actor)
        except problems.ValidationFailed as exc:
            assert "description" in exc.fields
        else:
            raise AssertionError("a NUL was accepted")
    assert table_counts(app)["problems"] == 0


def test_two_verifications_at_once_one_wins(api, app, auth, live_server, frozen, issued):
    from tests.fixtures.api import fire_at_once

    frozen(local(2026, 10, 12, 9, 0), tick=True)
    problem = issued()
    number = problem["number"]

    def verify(session, index):
        body = ({"is_problem": False, "note": "非问题"} if index == 0 else
                {"is_problem": True, "rectify_due_at": "2026-10-20"})
        body["version"] = problem["version"]  # both read it before either answers
        return session.post(f"{live_server}/api/v1/problems/{number}/verify", json=body,
                            headers=auth, timeout=60)

    responses = fire_at_once(2, verify)
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409).json()
    winner = next(r for r in responses if r.status_code == 200).json()
    assert loser["current"]["status"] == winner["status"]
    assert len(api.get(f"/api/v1/problems/{number}")["stages"]) == \
        (1 if winner["status"] == "not_problem" else 2)


def test_percent_and_underscore_in_the_search_match_only_themselves(api, frozen, issued):
    frozen(local(2026, 10, 12, 9, 0))
    percent = issued(description="水压只有额定的50%")["number"]
    underscore = issued(description="表号 A_17 读数异常")["number"]
    backslash = issued(description="路径 C:\\水表\\17 无法读取")["number"]
    plain = issued(description="营业厅叫号机故障")["number"]

    def found(text: str) -> list[str]:
        return sorted(p["number"] for p in api.get("/api/v1/problems", query_string={"text": text})
                      ["items"])

    assert found("%") == [percent]
    assert found("_") == [underscore]
    assert found("A_1") == [underscore] and found("A%1") == []
    assert found("\\") == [backslash]
    assert found("/") == []
    assert plain in found("叫号")


def test_every_stage_needs_the_version_just_read(api, needs_read_version, issued, inspector):
    number = issued()["number"]
    resource = f"/api/v1/problems/{number}"
    read = api.client.get(resource, headers=api.headers)
    assert read.headers["ETag"] == f'"{read.get_json()["version"]}"'
    verified = needs_read_version(resource, "verify",
                                  {"is_problem": True, "rectify_due_at": "2026-10-20"})
    assert verified["status"] == "rectifying"
    assert needs_read_version(resource, "rectified", {"note": "更换叫号机"})["status"] == \
        "rechecking"
    closed = needs_read_version(resource, "recheck", {"passed": True, "note": "复核通过"},
                                client=inspector)
    assert closed["status"] == "closed"
