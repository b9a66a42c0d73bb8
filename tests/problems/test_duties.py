"""Seed 000 六 and separation of duties in the problem library: 下达 starts the verification,
each stage is its department's, a department never passes its own re-check, 代办 with a reason,
the assessment office adjusts and sanctions, the annual roll-up."""
from __future__ import annotations

import csv
import io

from tests.fixtures.api import table_counts
from tests.fixtures.app import local

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}


def _register(api, **fields) -> dict:
    body = {"source": "officer", "description": "营业厅叫号机故障", "location": "鸠江营业厅",
            "department": "business_hall", **fields}
    return api.post("/api/v1/problems", body, status=201)


def test_an_engineer_cannot_verify_rectify_and_pass_the_recheck_of_its_own_problem(
        api_as, office, inspector, app, frozen):
    """Issue 11: "an engineer can verify, rectify and pass the re-check of its own problem in
    one minute"."""
    frozen(local(2026, 10, 12, 9, 0))
    engineer = api_as("engineer", "eng", department="engineering")
    number = _register(engineer, department="engineering", description="江北片区夜间水压低")["number"]
    office.change(f"/api/v1/problems/{number}", "issue", {})
    resource = f"/api/v1/problems/{number}"
    engineer.change(resource, "verify", {"is_problem": True, "rectify_due_at": "2026-10-16"})
    engineer.change(resource, "rectified", {"note": "更换减压阀"})
    lead = api_as("team_lead", "eng-lead", department="engineering")
    before = table_counts(app)
    refused = engineer.change(resource, "recheck", {"passed": True, "note": "自查通过"},
                              status=403, headers=ZH)
    assert refused["message"] == "工程部不能复核本部门的问题。"
    english = engineer.change(resource, "recheck", {"passed": True}, status=403, headers=EN)
    assert english["message"] == "Engineering department cannot re-check its own problem."
    # not even its team lead, on the re-checking office's behalf (代办)
    lead.change(resource, "recheck", {"passed": True, "proxy_reason": "督查办人手不足"},
                status=403)
    assert table_counts(app) == before
    assert engineer.get(resource)["status"] == "rechecking"
    closed = inspector.change(resource, "recheck", {"passed": True, "note": "现场复核通过"})
    assert closed["status"] == "closed"
    assert closed["stages"][-1]["department"] == "inspection_office"


def test_another_department_is_refused_in_the_users_language_and_nothing_changes(
        api_as, issued, app):
    number = issued()["number"]  # the business hall's
    outsider = api_as("clerk", "ct", department="connection_team")
    before = table_counts(app)
    refused = outsider.change(f"/api/v1/problems/{number}", "verify",
                              {"is_problem": False, "note": "重复"}, status=403, headers=ZH)
    assert refused["message"] == ("仅营业厅（客户服务中心）的人员可办理此事项；组长或管理员可"
                                  "说明原因后代为办理（代办）。")
    english = outsider.change(f"/api/v1/problems/{number}", "verify",
                              {"is_problem": False, "note": "重复"}, status=403, headers=EN)
    assert english["message"] == (
        "Only staff of Business hall (customer service centre) may do this; a team lead or "
        "administrator may do it on their behalf (代办) with a reason.")
    assert table_counts(app) == before


def test_a_team_lead_acts_on_behalf_with_a_reason_shown_in_the_log_and_on_the_stage(
        api_as, issued, app):
    number = issued()["number"]
    lead = api_as("team_lead", "lead-ct", department="connection_team")
    resource = f"/api/v1/problems/{number}"
    before = table_counts(app)
    refused = lead.change(resource, "verify", {"is_problem": False, "note": "重复"}, status=422,
                          headers=EN)
    assert refused["errors"] == {"proxy_reason": ["Required."]}
    assert refused["message"] == ("Say why you act on behalf of Business hall (customer "
                                  "service centre) (代办).")
    assert table_counts(app) == before
    done = lead.change(resource, "verify", {"is_problem": False, "note": "重复登记",
                                            "proxy_reason": "营业厅值班人员休假"})
    assert done["status"] == "not_problem"
    [stage] = done["stages"]
    assert stage["on_behalf"]["reason"] == "营业厅值班人员休假"
    assert stage["on_behalf"]["by"] == "lead-ct"
    assert stage["on_behalf"]["department"] == "business_hall"
    event = done["history"][-1]
    assert event["action"] == "problem.not_problem"
    assert event["data"]["proxy_reason"] == "营业厅值班人员休假"
    assert event["data"]["on_behalf_of"] == "business_hall"
    # an own-department act is no 代办
    own = issued()
    verified = api_as("clerk", "bh2", department="business_hall").change(
        f"/api/v1/problems/{own['number']}", "verify", {"is_problem": False, "note": "重复"})
    assert verified["stages"][0]["on_behalf"] is None
    assert "proxy_reason" not in verified["history"][-1]["data"]


def test_an_auditor_or_a_clerk_cannot_act_on_behalf(api_as, issued):
    number = issued()["number"]
    clerk = api_as("clerk", "ct2", department="connection_team")
    clerk.change(f"/api/v1/problems/{number}", "verify",
                 {"is_problem": False, "note": "重复", "proxy_reason": "帮忙"}, status=403)


def test_verification_runs_three_working_days_from_the_issue_across_a_weekend(
        api, office, frozen):
    frozen(local(2026, 10, 12, 9, 0))  # reported on Monday
    problem = _register(api)
    assert problem["status"] == "registered" and problem["status_name"] == "待下达"
    assert problem["stages"] == [] and problem["issued_at"] is None
    frozen(local(2026, 10, 15, 14, 0))  # issued on Thursday afternoon
    issued = office.change(f"/api/v1/problems/{problem['number']}", "issue", {})
    assert issued["status"] == "verifying"
    assert issued["issued_at"].startswith("2026-10-15T14:00:00+08:00")
    # Friday, Monday, Tuesday: the weekend does not count, the report's Monday does not either
    assert issued["sla"]["due_at"].startswith("2026-10-20T14:00:00+08:00")
    assert issued["stages"][0]["sla"]["started_at"].startswith("2026-10-15T14:00:00+08:00")
    assert [h["action"] for h in issued["history"]] == ["problem.created", "problem.issued"]


def test_verification_after_an_issue_before_national_day_counts_the_make_up_saturday(
        api, office, frozen):
    frozen(local(2026, 9, 29, 9, 0))
    number = _register(api)["number"]
    frozen(local(2026, 9, 30, 10, 0))  # Wednesday; 1–7 October 国庆节
    issued = office.change(f"/api/v1/problems/{number}", "issue", {})
    # Thu 8, Fri 9, Sat 10 October (国庆节调休上班)
    assert issued["sla"]["due_at"].startswith("2026-10-10T10:00:00+08:00")


def test_an_issue_time_given_is_checked_and_only_the_office_issues(api, office, app, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    number = _register(api)["number"]
    resource = f"/api/v1/problems/{number}"
    before = table_counts(app)
    refused = api.change(resource, "issue", {}, status=403, headers=EN)
    assert refused["message"] == "Only the assessment office may issue problems to departments."
    early = office.change(resource, "issue", {"at": "2026-10-11T09:00:00+08:00"}, status=422)
    assert "at" in early["errors"]
    assert table_counts(app) == before
    frozen(local(2026, 10, 14, 9, 0))
    back_dated = office.change(resource, "issue", {"at": "2026-10-13T09:00:00+08:00"})
    assert back_dated["sla"]["due_at"].startswith("2026-10-16T09:00:00+08:00")
    office.change(resource, "issue", {}, status=409)


def test_the_office_reassigns_after_verification_and_each_department_owns_its_time(
        api, api_as, office, inspector, issued, app, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    number = issued()["number"]
    resource = f"/api/v1/problems/{number}"
    api.change(resource, "verify", {"is_problem": True, "rectify_due_at": "2026-10-16"})
    before = table_counts(app)
    api.change(resource, "adjust", {"reason": "x", "department": "engineering"}, status=403)
    refused = office.change(resource, "adjust", {"reason": "", "department": "engineering"},
                            status=422)
    assert "reason" in refused["errors"]
    assert table_counts(app) == before
    frozen(local(2026, 10, 13, 9, 0))
    moved = office.change(resource, "adjust", {"reason": "核查结果：管网压力问题，属工程部",
                                               "department": "engineering",
                                               "rectify_due_at": "2026-10-20"})
    assert moved["department"] == "engineering" and moved["status"] == "rectifying"
    assert [(s["stage"], s["department"], s["sla"]["state"]) for s in moved["stages"]] == [
        ("verify", "business_hall", "done_on_time"), ("rectify", "business_hall", "cancelled"),
        ("rectify", "engineering", "on_track")]
    assert moved["sla"]["due_at"].startswith("2026-10-20T17:30:00+08:00")
    event = moved["history"][-1]
    assert event["action"] == "problem.adjusted"
    assert event["data"]["changes"]["department"] == ["business_hall", "engineering"]
    # the business hall no longer owns the stage; engineering does
    api.change(resource, "rectified", {"note": "已处理"}, status=403)
    engineer = api_as("engineer", "eng2", department="engineering")
    frozen(local(2026, 10, 22, 9, 0))  # late: after 20 October's close of office
    engineer.change(resource, "rectified", {"note": "更换减压阀"})
    frozen(local(2026, 10, 23, 9, 0))
    inspector.change(resource, "recheck", {"passed": True, "note": "复核通过"})

    from tracker.reports.monthly import compute_monthly_report
    from tracker.services.months import Month

    with app.app_context():
        report = compute_monthly_report(Month(2026, 10), as_of=local(2026, 11, 1, 0, 0))
    charged = sorted((i["department"], i["subject"]["step"]) for i in report["points"]["items"]
                     if i["rule"] == "problem_overdue")
    # engineering's late rectification is engineering's; neither the business hall (its stage
    # was re-assigned in time) nor the re-checking office (on time) is charged for it
    assert charged == [("engineering", "rectify")]


def test_the_recheck_office_is_charged_only_for_its_own_late_recheck(api, inspector, issued,
                                                                      app, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    number = issued()["number"]
    resource = f"/api/v1/problems/{number}"
    api.change(resource, "verify", {"is_problem": True, "rectify_due_at": "2026-10-13"})
    frozen(local(2026, 10, 15, 9, 0))  # two days late
    api.change(resource, "rectified", {"note": "已修复"})  # re-check due 20 Oct 09:00
    frozen(local(2026, 10, 21, 9, 0))  # the re-check is late too
    inspector.change(resource, "recheck", {"passed": True})

    from tracker.reports.monthly import compute_monthly_report
    from tracker.services.months import Month

    with app.app_context():
        report = compute_monthly_report(Month(2026, 10), as_of=local(2026, 11, 1, 0, 0))
    charged = sorted((i["department"], i["subject"]["step"]) for i in report["points"]["items"]
                     if i["rule"] == "problem_overdue")
    assert charged == [("business_hall", "rectify"), ("inspection_office", "recheck")]


def test_sanctions_are_recorded_and_rolled_up_per_department_per_year(
        api, office, issued, app, frozen, client):
    frozen(local(2026, 10, 12, 9, 0))
    hall = issued()["number"]
    works = issued(department="engineering", description="施工后路面未恢复")["number"]
    registered = _register(api)["number"]
    before = table_counts(app)
    api.post(f"/api/v1/problems/{hall}/findings", {"points": 2, "reason": "x"}, status=403)
    office.post(f"/api/v1/problems/{registered}/findings", {"points": 2, "reason": "敷衍"},
                status=409)
    refused = office.post(f"/api/v1/problems/{hall}/findings", {"points": 0, "reason": "敷衍"},
                          status=422)
    assert "points" in refused["errors"]
    assert table_counts(app) == before
    office.post(f"/api/v1/problems/{hall}/findings",
                {"points": 3, "reason": "敷衍对待，整改无实质内容"}, status=201)
    office.post(f"/api/v1/problems/{hall}/findings",
                {"points": 1.5, "reason": "=HYPERLINK(\"x\")"}, status=201)
    office.post(f"/api/v1/problems/{works}/findings", {"points": 2, "reason": "逾期未整改"},
                status=201)
    office.post(f"/api/v1/problems/{works}/findings",
                {"points": 4, "reason": "上年度遗留", "year": 2025}, status=201)
    detail = api.get(f"/api/v1/problems/{hall}")
    assert [f["points"] for f in detail["findings"]] == [3, 1.5]
    assert detail["history"][-1]["action"] == "problem.sanctioned"

    rollup = api.get("/api/v1/problems/sanctions?year=2026")
    assert [(d["department"], d["findings"], d["points"]) for d in rollup["departments"]] == [
        ("business_hall", 2, 4.5), ("engineering", 1, 2.0)]
    assert rollup["total_points"] == 6.5 and rollup["total_findings"] == 3
    assert api.get("/api/v1/problems/sanctions?year=2025")["total_points"] == 4
    api.get("/api/v1/problems/sanctions", status=422)

    from tests.fixtures.web import login

    login(client, "clerk1")
    page = client.get("/problems/sanctions?year=2026").get_data(as_text=True)
    assert "营业厅（客户服务中心）" in page and "4.5" in page and "6.5" in page
    download = client.get("/problems/sanctions.csv?year=2026")
    assert download.headers["Content-Disposition"].endswith('problem-sanctions-2026.csv"')
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["年度", "部门", "问题", "考核扣分"]
    assert [r[2] for r in rows[1:]] == [hall, hall, works]
    assert rows[2][4] == "'=HYPERLINK(\"x\")"  # never run as a formula
    assert rows[1][7] == "4.5"
