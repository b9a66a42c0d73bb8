"""The assessment's workflow rules (issue 11): points within each item's range, discretionary
items counted, the appeal window on the holiday calendar, an upheld appeal making a new
version with changed totals, every step in the event log, the version contract."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.api import table_counts
from tests.fixtures.app import local

MONTH = "/api/v1/assessment/2026-10"
EN = {"Accept-Language": "en"}


def _item(review: dict, rule: str, department: str) -> dict:
    return next(i for i in review["items"] if i["rule"] == rule and i["department"] == department)


def _total(review: dict, department: str) -> float:
    return next((r["points"] for r in review["by_department"] if r["department"] == department),
                0.0)


def _events(app, action: str) -> list[dict]:
    from tracker.extensions import db
    from tracker.models import Event

    with app.app_context():
        rows = db.session.scalars(sa.select(Event).where(Event.action == action)
                                  .order_by(Event.id)).all()
        found = [{"actor": e.actor_id, "at": e.at, **(e.data or {})} for e in rows]
        db.session.remove()
    return found


def _frozen(app, month: str, version: int) -> dict:
    """The data an issued version froze (what the report API and the workbook show)."""
    from tracker.extensions import db
    from tracker.models import MonthlyReport

    with app.app_context():
        data = db.session.scalar(sa.select(MonthlyReport.data).where(
            MonthlyReport.month == month, MonthlyReport.version == version))
        db.session.remove()
    return data


def test_points_outside_the_items_range_are_refused_and_change_nothing(app, api_as,
                                                                        month_played):
    assessor = api_as("assessor", "kaohe", department="human_resources")
    review = assessor.get(MONTH)
    late = _item(review, "step_overdue", "engineering")
    assert late["range"] == [2.0, 5.0] and late["points"] == 2.0
    before = table_counts(app)
    refused = assessor.change(MONTH, "points", {"key": late["key"], "points": 6, "reason": "x"},
                              status=422)
    assert refused["message"] == "6 超出该项的分值范围：2 至 5。"
    english = assessor.post(f"{MONTH}/points", {"key": late["key"], "points": 1.5, "reason": "x",
                                                "version": review["version"]},
                            status=422, headers=EN)
    assert english["message"] == "1.5 is outside the range of this item: 2 to 5."
    no_reason = assessor.change(MONTH, "points", {"key": late["key"], "points": 4}, status=422)
    assert "reason" in no_reason["errors"]
    assert table_counts(app) == before

    engineering = _total(review, "engineering")
    changed = assessor.change(MONTH, "points", {"key": late["key"], "points": 4,
                                                "reason": "超时 3 个工作日以上，从重"})
    assert _item(changed, "step_overdue", "engineering")["points"] == 4.0
    assert _total(changed, "engineering") == engineering + 2
    assert changed["total"] == review["total"] + 2
    [event] = _events(app, "assessment.points_set")
    assert (event["key"], event["points"], event["default"], event["reason"]) == (
        late["key"], 4.0, 2.0, "超时 3 个工作日以上，从重")


def test_a_change_needs_the_version_just_read(app, api_as, month_played):
    assessor = api_as("assessor", "kaohe", department="human_resources")
    review = assessor.get(MONTH)
    key = _item(review, "step_overdue", "engineering")["key"]
    body = {"key": key, "points": 3, "reason": "r"}
    assert assessor.post(f"{MONTH}/points", body, status=428)["message"].startswith("请说明")
    assessor.change(MONTH, "points", body)
    stale = assessor.post(f"{MONTH}/points", {**body, "points": 5},
                          headers={"If-Match": f'"{review["version"]}"'}, status=412)
    assert stale["current"]["items"]
    conflict = assessor.post(f"{MONTH}/points", {**body, "version": review["version"]},
                             status=409)
    assert "重新加载" in conflict["message"] or "reload" in conflict["message"]


def test_only_the_assessment_office_reviews(app, api_as, month_played):
    lead = api_as("team_lead", "lead-x", department="connection_team")
    review = lead.get(MONTH)
    key = review["items"][0]["key"]
    before = table_counts(app)
    lead.change(MONTH, "points", {"key": key, "points": 3, "reason": "r"}, status=403)
    lead.change(MONTH, "issue", {}, status=403)
    assert table_counts(app) == before


def test_a_discretionary_item_is_counted_and_checked_against_its_rule(app, api_as,
                                                                      month_played):
    assessor = api_as("assessor", "kaohe", department="human_resources")
    review = assessor.get(MONTH)
    before = table_counts(app)
    refused = assessor.change(MONTH, "items", {"department": "procurement", "rule": "ledger_check",
                                               "points": 6, "reason": "台账缺 10 月出库记录"},
                              status=422)
    assert refused["message"] == "6 超出该项的分值范围：2 至 5。"
    unknown = assessor.change(MONTH, "items", {"department": "nowhere", "rule": "nothing",
                                               "points": 3, "reason": "x"}, status=422)
    assert set(unknown["errors"]) >= {"department", "rule"}
    assert table_counts(app) == before

    added = assessor.change(MONTH, "items", {"department": "procurement", "rule": "ledger_check",
                                             "points": 3, "reason": "台账缺 10 月出库记录",
                                             "evidence": "检查记录 2026-11-03 第 7 号"},
                            status=201)
    item = _item(added, "ledger_check", "procurement")
    assert item["manual"] and item["points"] == 3.0 and item["evidence"].startswith("检查记录")
    assert _total(added, "procurement") == 3.0
    assert added["total"] == review["total"] + 3
    # 督查办's deduction is a share of the monthly bonus: never added to the points.
    bonus = assessor.change(MONTH, "items", {"department": "engineering",
                                             "rule": "inspection_deduction", "points": 10,
                                             "reason": "督查通报 2026 第 3 期"}, status=201)
    assert bonus["total"] == added["total"]
    assert [(r["department"], r["percent"]) for r in bonus["bonus_deduction"]] == [
        ("engineering", 10.0)]
    [event, _second] = _events(app, "assessment.item_added")
    assert (event["department"], event["rule"], event["points"]) == ("procurement",
                                                                      "ledger_check", 3.0)


def test_an_appeal_after_the_window_is_refused_with_the_deadline_named(app, api_as, frozen):
    """Issued on Wednesday 30 September 2026; five working days on the holiday calendar are
    8, 9, 10 (the make-up Saturday), 12 and 13 October: the window closes on 13 October
    17:30 (国庆节 1–7 October is no working day)."""
    traveller = frozen(local(2026, 9, 30, 10, 0))
    assessor = api_as("assessor", "kaohe", department="human_resources")
    engineer = api_as("engineer", "gong", department="engineering")
    added = assessor.change("/api/v1/assessment/2026-08", "items",
                            {"department": "engineering", "rule": "by_analogy", "points": 2,
                             "reason": "参照：施工现场未按规范围挡"}, status=201)
    key = _item(added, "by_analogy", "engineering")["key"]
    issued = assessor.change("/api/v1/assessment/2026-08", "issue", {}, status=201)
    assert issued["version"] == 1
    mine = engineer.get("/api/v1/assessment/2026-08/mine")
    assert mine["appeal_deadline"] == "2026-10-13T17:30:00+08:00" and mine["appeals_open"]

    traveller.move_to(local(2026, 10, 14, 9, 0))
    before = table_counts(app)
    late = engineer.change("/api/v1/assessment/2026-08", "appeals",
                           {"key": key, "reason": "围挡符合规范，有照片"}, status=422)
    assert late["message"] == ("申诉期已于 2026-10-13 17:30 截止（第 1 版签发后 5 个工作日）。")
    english = engineer.post("/api/v1/assessment/2026-08/appeals",
                            {"key": key, "reason": "x", "version": mine["version"]},
                            status=422, headers=EN)
    assert english["message"] == ("The appeal window closed on 2026-10-13 17:30 (5 working days "
                                  "after the issue of version 1).")
    assert table_counts(app) == before

    traveller.move_to(local(2026, 10, 13, 17, 0))  # the last working day of the window
    filed = engineer.change("/api/v1/assessment/2026-08", "appeals",
                            {"key": key, "reason": "围挡符合规范，有照片"}, status=201)
    assert (filed["state"], filed["department"], filed["report_version"]) == ("open",
                                                                              "engineering", 1)


def test_only_the_department_charged_appeals(app, api_as, frozen):
    frozen(local(2026, 9, 30, 10, 0))
    assessor = api_as("assessor", "kaohe", department="human_resources")
    other = api_as("clerk", "hall-1", department="business_hall")
    added = assessor.change("/api/v1/assessment/2026-08", "items",
                            {"department": "engineering", "rule": "by_analogy", "points": 2,
                             "reason": "参照"}, status=201)
    key = _item(added, "by_analogy", "engineering")["key"]
    assessor.change("/api/v1/assessment/2026-08", "issue", {}, status=201)
    other.change("/api/v1/assessment/2026-08", "appeals", {"key": key, "reason": "x"},
                 status=403)
    assessor.change("/api/v1/assessment/2026-08", "appeals", {"key": key, "reason": "x"},
                    status=403)


def test_an_upheld_appeal_makes_a_new_version_with_changed_totals(app, api_as, month_played):
    assessor = api_as("assessor", "kaohe", department="human_resources")
    engineer = api_as("engineer", "gong", department="engineering")
    review = assessor.get(MONTH)
    first = assessor.change(MONTH, "issue", {}, status=201)
    assert first["version"] == 1
    mine = engineer.get(f"{MONTH}/mine")
    target = next(i for i in mine["items"] if i["rule"] == "step_overdue")
    kept = [i for i in mine["items"] if i["rule"] == "step_overdue"][1]
    appeal = engineer.change(MONTH, "appeals", {"key": target["key"], "reason": "停水审批延误，非我部门原因"},
                             status=201)
    rejected = engineer.change(MONTH, "appeals", {"key": kept["key"], "reason": "不服"},
                               status=201)
    assessor.change(MONTH, f"appeals/{rejected['id']}/decision",
                    {"upheld": False, "reason": "系统记录显示超时属实"})
    decided = assessor.change(MONTH, f"appeals/{appeal['id']}/decision",
                              {"upheld": True, "reason": "审批延误已核实", "points": None})
    assert decided["changed_since_issue"]
    removed = next(i for i in decided["items"] if i["key"] == target["key"])
    assert (removed["status"], removed["points"]) == ("removed", 0.0)
    assert _total(decided, "engineering") == _total(review, "engineering") - 2

    second = assessor.change(MONTH, "issue", {}, status=201)
    assert second["version"] == 2
    v1 = assessor.get("/api/v1/reports/monthly/2026-10?version=1")["points"]
    v2 = assessor.get("/api/v1/reports/monthly/2026-10?version=2")["points"]
    eng = {v: next(r["points"] for r in data["by_department"] if r["department"] == "engineering")
           for v, data in ((1, v1), (2, v2))}
    assert eng[2] == eng[1] - 2 and v2["total"] == v1["total"] - 2
    assert next(i for i in v1["items"] if i["key"] == target["key"])["points"] == 2.0
    assert next(i for i in v2["items"] if i["key"] == target["key"])["points"] == 0.0
    assert next(i for i in v2["items"] if i["key"] == kept["key"])["points"] == 2.0
    frozen_v1, frozen_v2 = _frozen(app, "2026-10", 1), _frozen(app, "2026-10", 2)
    assert next(i for i in frozen_v1["points"]["items"] if i["key"] == target["key"])[
        "status"] == "counted"
    assert next(i for i in frozen_v2["points"]["items"] if i["key"] == target["key"])[
        "status"] == "removed"
    assert frozen_v2["assessment"]["version"] == 2
    actions = [e["version"] for e in _events(app, "assessment.issued")]
    assert actions == [1, 2]
    assert [e["reason"] for e in _events(app, "assessment.appeal_upheld")] == ["审批延误已核实"]
    assert [e["reason"] for e in _events(app, "assessment.appeal_rejected")] == [
        "系统记录显示超时属实"]
    assert [e["reason"] for e in _events(app, "assessment.appealed")] == [
        "停水审批延误，非我部门原因", "不服"]


def test_a_waived_back_dated_item_is_not_counted_and_a_confirmed_one_is(app, api_as, frozen,
                                                                         make_user):
    """Two applications accepted Monday 12 October 2026 09:00 whose supply plans the watcher
    records overdue on Tuesday 09:00 and that are then entered as done on Monday (补录): the
    assessor waives one (0 points) and confirms the other (2 points)."""
    from tracker.extensions import db
    from tracker.jobs.watcher import run_watcher
    from tracker.models import User
    from tracker.services.applications import NewApplication, complete_step, create_application

    user_id, _ = make_user("clerk", "hall-clerk", department="business_hall")
    traveller = frozen(local(2026, 10, 12, 9, 0))
    with app.app_context():
        actor = db.session.get(User, user_id)
        numbers = [create_application(NewApplication(flow="211", customer_name=name),
                                      actor).number for name in ("甲公司", "乙公司")]
        traveller.move_to(local(2026, 10, 13, 9, 0))
        run_watcher()
        traveller.move_to(local(2026, 10, 13, 9, 30))
        for number in numbers:
            complete_step(number, "supply_plan", actor, at=local(2026, 10, 12, 16, 0))
        db.session.remove()
    traveller.move_to(local(2026, 11, 5, 12, 0))
    assessor = api_as("assessor", "kaohe", department="human_resources")
    review = assessor.get(MONTH)
    keys = sorted(review["pending_backdated"])
    assert len(keys) == 2 and all(":business_hall:" in k for k in keys)
    hall = _total(review, "business_hall")
    assessor.change(MONTH, "backdated", {"key": keys[0], "confirm": False, "reason": ""},
                    status=422)
    waived = assessor.change(MONTH, "backdated", {"key": keys[0], "confirm": False,
                                                  "reason": "派工单显示 16:00 已完成"})
    assert _total(waived, "business_hall") == hall - 2
    confirmed = assessor.change(MONTH, "backdated", {"key": keys[1], "confirm": True,
                                                     "reason": "无佐证，超时属实"})
    assert _total(confirmed, "business_hall") == hall - 2
    states = {i["key"]: (i["status"], i["points"]) for i in confirmed["items"]}
    assert states[keys[0]] == ("waived", 0.0) and states[keys[1]] == ("confirmed", 2.0)
    assert confirmed["pending_backdated"] == []
    assert [e["reason"] for e in _events(app, "assessment.backdated_waived")] == [
        "派工单显示 16:00 已完成"]
    assert [e["key"] for e in _events(app, "assessment.backdated_confirmed")] == [keys[1]]
    not_backdated = next(i for i in confirmed["items"] if not i["backdated"])
    assessor.change(MONTH, "backdated", {"key": not_backdated["key"], "confirm": False,
                                         "reason": "x"}, status=422)


def test_the_scheduled_issue_carries_the_review_and_opens_the_appeal_window(app, api_as, frozen):
    """The 1st-of-the-month job issues through the same path: the version it freezes holds
    the assessor's items, and the appeal window runs from it (issued Thursday 1 October
    2026 01:00, a holiday: five working days are 8, 9, 10, 12 and 13 October)."""
    from tracker.extensions import db
    from tracker.reports.issuance import issue_previous_month

    traveller = frozen(local(2026, 9, 30, 16, 0))
    assessor = api_as("assessor", "kaohe", department="human_resources")
    assessor.change("/api/v1/assessment/2026-09", "items",
                    {"department": "meter_station", "rule": "meter_entry_late", "points": 2,
                     "reason": "水表 9 月 29 日出库，30 日未录入"}, status=201)
    traveller.move_to(local(2026, 10, 1, 1, 0))
    with app.app_context():
        row = issue_previous_month()
        assert row is not None and row.version == 1
        data = row.data
        db.session.remove()
    assert data["assessment"]["appeal_deadline"] == "2026-10-13T17:30:00+08:00"
    assert [(r["department"], r["points"]) for r in data["points"]["by_department"]] == [
        ("meter_station", 2.0)]
    review = assessor.get("/api/v1/assessment/2026-09")
    assert (review["issued_version"], review["appeal_deadline"]) == (
        1, "2026-10-13T17:30:00+08:00")
    [event] = _events(app, "assessment.issued")
    assert event["actor"] is None and event["version"] == 1
