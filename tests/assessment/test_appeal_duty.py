"""An assessment appeal is a duty of the assessment office like any other (issue 13): its
timer starts when the department files it, with TRACKER_ASSESSMENT_APPEAL_DECISION_DAYS
working days to decide; it is on the office's My work (page and /api/v1/me/work), overdue
first once late; deciding it finishes the duty; it never escalates; the appealing department
still sees its open appeal on its own My work."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.web import login, page_text

MONTH = "/api/v1/assessment/2026-10"


def _issued_with_an_item(api_as):
    """October issued with one item charged to the procurement centre; (assessor, its key)."""
    assessor = api_as("assessor", "kaohe", department="human_resources")
    assessor.change(MONTH, "items", {"department": "procurement", "rule": "ledger_check",
                                     "points": 3, "reason": "台账缺 10 月出库记录",
                                     "evidence": "检查记录第 7 号"}, status=201)
    assessor.change(MONTH, "issue", {}, status=201)
    [item] = [i for i in assessor.get(MONTH)["items"] if i["department"] == "procurement"]
    return assessor, item["key"]


def test_an_open_appeal_is_the_assessment_offices_duty_until_decided(app, api_as, make_user,
                                                                     frozen):
    from tracker.escalation.jobs import run_escalation
    from tracker.extensions import db
    from tracker.models import SlaTimer, SubjectType, TimerState
    from tracker.settings import reconfigure

    reconfigure(app, TRACKER_ESCALATION_LEVELS={"*": [
        {"level": "yellow", "share": 0.5, "notify": ["team_lead"]},
        {"level": "red", "notify": ["team_lead", "department_head"]},
        {"level": "supervision", "over_hours": 1, "notify": ["inspection"]}]})
    traveller = frozen(local(2026, 11, 2, 9, 0), tick=True)  # Monday
    assessor, key = _issued_with_an_item(api_as)
    make_user("team_lead", "hr-lead", department="human_resources")
    stock = api_as("clerk", "cg1", department="procurement")
    traveller.move_to(local(2026, 11, 3, 10, 0))
    appeal = stock.change(MONTH, "appeals", {"key": key, "reason": "出库记录在纸质台账上"},
                          status=201)

    work = assessor.get("/api/v1/me/work")
    [duty] = [d for d in work["items"] if d["kind"] == "appeal"]
    assert duty["department"] == "human_resources" and duty["number"] == "2026-10"
    assert key in duty["title"] and duty["url"].startswith("/assessment/2026-10/item?key=")
    # 5 working days from Tuesday 3 November 10:00: Tuesday 10 November 10:00.
    assert duty["sla"]["due_at"].startswith("2026-11-10T10:00")
    assert duty["sla"]["state"] == "on_track"
    assert not [d for d in stock.get("/api/v1/me/work")["items"] if d["kind"] == "appeal"]

    traveller.move_to(local(2026, 11, 11, 10, 0))  # a day past its deadline
    work = assessor.get("/api/v1/me/work?due=overdue")
    assert [d["kind"] for d in work["items"]] == ["appeal"]
    assert assessor.get("/api/v1/me/work")["items"][0]["kind"] == "appeal"  # overdue first
    with app.app_context():
        result = run_escalation()
        assert not any(result.fired.values()) and result.notices == 0
        db.session.remove()

    department, office_client = app.test_client(), app.test_client()
    assert login(department, "cg1").status_code == 302
    own = page_text(department.get("/work"))
    assert "本部门待裁决的考核申诉" in own and key in own
    assert login(office_client, "kaohe").status_code == 302
    office = page_text(office_client.get("/work"))
    assert "裁决申诉：维持或驳回，并写明理由" in office and "超时" in office

    assessor.change(MONTH, f"appeals/{appeal['id']}/decision",
                    {"upheld": False, "reason": "纸质台账不能代替系统录入"})
    assert not [d for d in assessor.get("/api/v1/me/work")["items"] if d["kind"] == "appeal"]
    with app.app_context():
        timer = db.session.scalar(sa.select(SlaTimer).where(
            SlaTimer.subject_type == SubjectType.APPEAL, SlaTimer.subject_id == appeal["id"]))
        assert timer.state == TimerState.DONE and timer.late is True
        db.session.remove()
