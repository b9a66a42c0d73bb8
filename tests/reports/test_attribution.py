"""Issue 11: the points of the monthly draft go to the department responsible for the duty
(003 五（四）, 五（六）), one item per charge; every rule of 五（六）/（七） is in the rule table."""
from __future__ import annotations

import pytest

from tests.fixtures.app import local
from tracker.aftercare.commands import assign_callback, record_callback_result
from tracker.aftercare.importer import import_evaluations
from tracker.aftercare.models import Callback, FollowUp
from tracker.extensions import db
from tracker.models import Application, User
from tracker.reports import compute_monthly_report, parse_month
from tracker.services import applications as svc
from tracker.services.errors import Conflict, ValidationFailed
from tracker.settings import reconfigure

AS_OF = local(2026, 11, 5, 12, 0)


def _report() -> dict:
    return compute_monthly_report(parse_month("2026-10"), as_of=AS_OF)


def _charges(data: dict, rule: str, number: str | None = None) -> list[dict]:
    return [i for i in data["points"]["items"] if i["rule"] == rule
            and (number is None or i["subject"]["number"] == number)]


def _app_id(number: str) -> int:
    return db.session.scalar(db.select(Application.id).where(Application.number == number))


def _water_on_211(application_at, frozen, actor, day: int) -> str:
    """A 211 application accepted on 2026-10-<day> 09:00, water on by 10:00 (on time)."""
    number = application_at(local(2026, 10, day, 9, 0))
    frozen(local(2026, 10, day, 9, 20))
    svc.complete_step(number, "supply_plan", actor)
    frozen(local(2026, 10, day, 10, 0))
    svc.complete_step(number, "water_on", actor)
    svc.complete_step(number, "archive", actor)
    return number


def test_every_rule_of_the_plan_is_in_the_table_with_its_range(app, ctx):
    rules = _report()["points"]["rules"]
    assert {code: (r["range"], r["default"]) for code, r in rules.items()} == {
        "duty_not_done": ([2.0, 5.0], 2.0), "step_overdue": ([2.0, 5.0], 2.0),
        "overdue_serious": ([0.0, 5.0], 0.0), "system_misuse": ([2.0, 5.0], 2.0),
        "system_correction": ([2.0, 5.0], 2.0), "callback_dissatisfied": ([2.0, 2.0], 2.0),
        "government_survey_dissatisfied": ([5.0, 5.0], 5.0),
        "materials_delay": ([2.0, 2.0], 2.0), "meter_entry_late": ([1.0, 2.0], 1.0),
        "ledger_check": ([2.0, 5.0], 2.0), "problem_overdue": ([2.0, 5.0], 2.0),
        "by_analogy": ([1.0, 5.0], 2.0), "inspection_deduction": ([5.0, 50.0], 5.0)}
    discretionary = {code for code, r in rules.items() if not r["measured"]}
    assert discretionary == {"duty_not_done", "system_misuse", "system_correction",
                             "ledger_check", "by_analogy", "inspection_deduction"}
    assert rules["inspection_deduction"]["unit"] == "percent_of_bonus"
    assert rules["overdue_serious"]["referred"] is True
    assert "督查程序" in rules["overdue_serious"]["source"]


def test_a_callback_complaint_is_charged_to_the_department_the_hotline_assigns(
        app, ctx, actor, application_at, frozen):
    # A complaint about the business hall's window: on main it cost 工程部 (who turned the
    # water on) 2 points. Now it waits for customer service to assign it, then is the hall's.
    number = _water_on_211(application_at, frozen, actor, 12)
    callback = db.session.scalar(db.select(Callback).where(Callback.application_id == _app_id(number)))
    frozen(local(2026, 10, 13, 10, 0))
    record_callback_result(callback.id, actor, reached=True, satisfied=False,
                           comment="营业厅窗口服务态度差")
    frozen(AS_OF)
    data = _report()
    assert _charges(data, "callback_dissatisfied", number) == []
    [waiting] = data["points"]["awaiting_assignment"]
    assert waiting["subject"] == {"kind": "callback", "number": number, "step": None,
                                  "id": callback.id}

    with pytest.raises(ValidationFailed):
        assign_callback(callback.id, actor, department="window")
    assign_callback(callback.id, actor, department="business_hall")
    data = _report()
    [charge] = _charges(data, "callback_dissatisfied", number)
    assert (charge["department"], charge["points"], charge["share"]) == ("business_hall", 2.0, 1.0)
    assert charge["department_zh"] == "营业厅（客户服务中心）"
    assert data["points"]["awaiting_assignment"] == []
    assert {d["department"]: d["points"] for d in data["points"]["by_department"]} == {
        "business_hall": 2.0}


def test_only_a_dissatisfied_callback_is_assigned(app, ctx, actor, application_at, frozen):
    number = _water_on_211(application_at, frozen, actor, 12)
    callback = db.session.scalar(db.select(Callback).where(Callback.application_id == _app_id(number)))
    with pytest.raises(Conflict):
        assign_callback(callback.id, actor, department="business_hall")


def test_the_assignment_through_the_api_needs_the_version_read(
        app, api, actor, application_at, frozen):
    number = _water_on_211(application_at, frozen, actor, 12)
    callback_id = db.session.scalar(db.select(Callback.id)
                                    .where(Callback.application_id == _app_id(number)))
    frozen(local(2026, 10, 13, 10, 0))
    record_callback_result(callback_id, actor, reached=True, satisfied=False, comment="水压低")
    url = f"/api/v1/aftercare/callbacks/{callback_id}"
    api.post(f"{url}/assignment", {"department": "engineering"}, status=428)
    body = api.change(url, "assignment", {"department": "engineering"})
    assert body["assigned_department"] == "engineering"
    assert body["assigned_department_name"] == "工程部"


def test_a_bad_review_opens_a_home_visit_and_is_no_government_survey(
        app, ctx, actor, application_at, frozen):
    number = _water_on_211(application_at, frozen, actor, 12)
    frozen(local(2026, 10, 20, 9, 0))
    header = "评价编号,申请编号,评价时间,评价结果\n"
    import_evaluations(header + f"H1,{number},2026-10-19 10:00,不满意\n", actor)
    follow_up = db.session.scalar(db.select(FollowUp).where(FollowUp.origin == "evaluation"))
    assert follow_up.timer.department_code == "market_development"  # 五（四）2
    frozen(AS_OF)
    assert _charges(_report(), "government_survey_dissatisfied") == []  # on main: 5 points

    import_evaluations(header + f"G1,{number},2026-10-21 10:00,不满意\n", actor,
                       source="government_survey")
    [charge] = _charges(_report(), "government_survey_dissatisfied", number)
    assert (charge["department"], charge["points"]) == ("engineering", 5.0)
    assert charge["subject"]["kind"] == "survey"
    with pytest.raises(ValidationFailed):
        import_evaluations(header + f"X1,{number},2026-10-21 10:00,不满意\n", actor,
                           source="gossip")


def test_materials_out_of_stock_is_charged_to_the_stock_keeper(
        app, ctx, actor, application_at, frozen):
    # 201 accepted Monday 12 October 09:00; the survey is uploaded at 09:30, the meter
    # installation waits for a meter from 10:00 to 14:00 (水表空缺): the meter station's.
    number = application_at(local(2026, 10, 12, 9, 0), flow="201")
    frozen(local(2026, 10, 12, 9, 30))
    svc.complete_step(number, "survey", actor)
    svc.skip_step(number, "municipal_approval", actor, note="无需占道")
    frozen(local(2026, 10, 12, 10, 0))
    pause = svc.add_pause(number, "meter_shortage", actor, step="meter_install")
    assert pause.stops_application is False  # the utility's own time: the whole clock runs
    frozen(local(2026, 10, 12, 14, 0))
    svc.end_pause(number, pause.id, actor)
    frozen(AS_OF)
    [charge] = _charges(_report(), "materials_delay", number)
    assert (charge["department"], charge["points"]) == ("meter_station", 2.0)
    assert charge["subject"] == {"kind": "pause", "number": number, "step": "meter_install",
                                 "id": pause.id}


def test_a_late_meter_entry_is_charged_to_the_meter_station_that_issued_it(
        app, ctx, make_user, application_at, frozen):
    # The meter is issued (entry step started) by the meter station on Monday 12 October at
    # 10:00; due by the end of the next working day, entered on Wednesday 14 October.
    station_id, _ = make_user("clerk", "meter-station-clerk", department="meter_station")
    station = db.session.get(User, station_id)
    number = application_at(local(2026, 10, 12, 9, 0), flow="201")
    frozen(local(2026, 10, 12, 9, 30))
    svc.complete_step(number, "survey", station)
    frozen(local(2026, 10, 12, 10, 0))
    svc.start_step(number, "meter_stock_entry", station)
    frozen(local(2026, 10, 14, 10, 0))
    svc.complete_step(number, "meter_stock_entry", station)
    frozen(AS_OF)
    [charge] = _charges(_report(), "meter_entry_late", number)
    assert (charge["department"], charge["range"], charge["points"]) == (
        "meter_station", [1.0, 2.0], 1.0)


def test_a_whole_application_late_is_split_among_the_departments_whose_time_ran_it_out(
        app, ctx, actor, application_at, frozen):
    # 201 accepted Monday 12 October 09:00 (whole limit 1 working day: Tuesday 09:00). The
    # survey (专班, due the close of Monday) is uploaded Tuesday 10:00 (over by 1.5 working
    # hours: 08:30–10:00), the meter goes in Tuesday 16:30 (its 0.5 day ran from 10:00:
    # 3.75 working hours, due 15:15 across the lunch break, 1.25 hours over).
    reconfigure(app, TRACKER_ASSESSMENT_RULES={"overdue_serious": {"range": [0, 5],
                                                                   "default": 4}})
    number = application_at(local(2026, 10, 12, 9, 0), flow="201")
    frozen(local(2026, 10, 13, 10, 0))
    svc.complete_step(number, "survey", actor)
    svc.skip_step(number, "municipal_approval", actor, note="无需占道")
    frozen(local(2026, 10, 13, 16, 30))
    svc.complete_step(number, "meter_install", actor)
    frozen(AS_OF)
    data = _report()
    charges = {c["department"]: c for c in _charges(data, "overdue_serious", number)}
    late = {(o["step"], o["department"]): o["over_seconds"] for o in data["overdue"]
            if o["number"] == number}
    survey, install = late[("survey", "connection_team")], late[("meter_install", "engineering")]
    assert (survey, install) == (90 * 60, 75 * 60)
    assert set(charges) == {"connection_team", "engineering"}
    assert charges["connection_team"]["share"] == pytest.approx(survey / (survey + install))
    assert charges["engineering"]["share"] == pytest.approx(install / (survey + install))
    assert all(c["referred"] and c["points"] == 4.0 for c in charges.values())
    assert "督查" in charges["engineering"]["why_zh"] and "%" in charges["engineering"]["why_en"]
    by_department = {d["department"]: d["points"] for d in data["points"]["by_department"]}
    assert by_department["connection_team"] == pytest.approx(
        2 + 4 * survey / (survey + install), abs=0.01)


def test_a_report_issued_before_items_renders_as_it_was_frozen(app, ctx):
    """An issued version keeps the points it froze (one row per department and rule, with a
    count); every renderer still shows it."""
    from tracker.reports.csvfile import render_csv
    from tracker.reports.html import render_html
    from tracker.reports.xlsx import render_xlsx

    data = _report()
    data["points"] = {
        "rules": {"step_overdue": 2.0}, "not_measured": ["materials_delay"],
        "items": [{"department": "engineering", "department_name_zh": "工程部",
                   "department_name_en": "Engineering department", "rule": "step_overdue",
                   "count": 3, "points_each": 2.0, "points": 6.0}],
        "by_department": [{"department": "engineering", "department_name_zh": "工程部",
                           "department_name_en": "Engineering department", "points": 6.0}],
        "total": 6.0}
    csv = render_csv(data, "points").decode("utf-8")
    assert "工程部,超过办理时限,× 3,2.0,,,6.0" in csv
    html = render_html(data)
    assert "× 3" in html and "材料空缺影响施工进度" in html
    assert render_xlsx(data)[:2] == b"PK"
