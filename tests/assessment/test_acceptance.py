"""Acceptance (issue 11): the issued assessment of a generated month (tests/reports/generator.py)
matches, for each rule and department, the figures computed independently here from the
generator's records (tests/reports/expected.py: the working clock alone, no report code),
with a discretionary item, a waived back-dated item, a changed item and an upheld appeal
(version 2); version 1 keeps what it froze."""
from __future__ import annotations

from collections import Counter, defaultdict

from tests.fixtures.app import local
from tests.reports.expected import POINTS, expected
from tests.reports.generator import AS_OF

MONTH = "/api/v1/assessment/2026-10"


def _late_back_dated_application(app, traveller) -> str:
    """Accepted Monday 12 October 2026 09:00; the watcher records the supply plan overdue on
    Tuesday 09:00; at 09:30 the completion is entered as done on Monday 16:00 (补录). Its
    water-on stays open (late at AS_OF)."""
    from tracker.extensions import db
    from tracker.jobs.watcher import run_watcher
    from tracker.models import User
    from tracker.services.applications import NewApplication, complete_step, create_application

    with app.app_context():
        actor = db.session.scalar(db.select(User).where(User.username == "gen-clerk"))
        traveller.move_to(local(2026, 10, 12, 9, 0))
        number = create_application(NewApplication(flow="211", customer_name="补录客户"),
                                    actor).number
        traveller.move_to(local(2026, 10, 13, 9, 0))
        run_watcher()
        traveller.move_to(local(2026, 10, 13, 9, 30))
        complete_step(number, "supply_plan", actor, at=local(2026, 10, 12, 16, 0))
        db.session.remove()
    traveller.move_to(AS_OF)
    return number


def _per_rule(items: list[dict]) -> dict[tuple[str, str], float]:
    sums: dict[tuple[str, str], float] = defaultdict(float)
    for item in items:
        sums[(item["department"], item["rule"])] += item["points"] * item["share"]
    return {k: round(v, 2) for k, v in sums.items() if round(v, 2)}


def test_the_issued_assessment_matches_figures_computed_independently(app, api_as,
                                                                      month_played):
    records, evaluations, traveller = month_played
    number = _late_back_dated_application(app, traveller)
    assessor = api_as("assessor", "kaohe", department="human_resources")
    engineer = api_as("engineer", "gong", department="engineering")

    # --- independently: the generator's records, plus the back-dated application ---------
    want = expected(records, evaluations, AS_OF)
    # (expected.py charges a callback complaint to the department the hotline assigned, none
    # here, and a 好差评 不满意 nothing: 003 五（四）1/2.)
    counts: Counter = Counter(want["points"])
    counts[("engineering", "step_overdue")] += 1  # its water-on, open and late
    points = {key: float(POINTS[key[1]] * n) for key, n in counts.items()}
    # (its supply plan, back-dated: business hall, step_overdue, waived below: 0)
    assert {rule for _dept, rule in points} >= {"step_overdue", "callback_dissatisfied",
                                                "government_survey_dissatisfied",
                                                "problem_overdue"}

    review = assessor.get(MONTH)
    [pending] = review["pending_backdated"]
    assert pending.startswith("step_overdue:business_hall:") and number in pending
    refused = assessor.change(MONTH, "issue", {}, status=422)
    assert pending in refused["message"]
    assessor.change(MONTH, "backdated", {"key": pending, "confirm": False,
                                         "reason": "补录时间有派工单为证"})

    engineering = sorted(i["key"] for i in review["items"]
                         if i["rule"] == "step_overdue" and i["department"] == "engineering")
    heavier, appealed = engineering[0], engineering[1]
    assessor.change(MONTH, "points", {"key": heavier, "points": 4, "reason": "超时 3 日以上"})
    points[("engineering", "step_overdue")] += 2
    assessor.change(MONTH, "items", {"department": "procurement", "rule": "ledger_check",
                                     "points": 3, "reason": "台账缺 10 月出库记录",
                                     "evidence": "检查记录第 7 号"}, status=201)
    points[("procurement", "ledger_check")] = 3.0

    v1 = assessor.change(MONTH, "issue", {}, status=201)
    assert v1["version"] == 1
    issued_1 = assessor.get("/api/v1/reports/monthly/2026-10?version=1")["points"]
    assert _per_rule(issued_1["items"]) == points
    by_department = defaultdict(float)
    for (dept, _rule), value in points.items():
        by_department[dept] += value
    assert {r["department"]: r["points"] for r in issued_1["by_department"]} == by_department
    assert issued_1["total"] == sum(by_department.values())
    waived = next(i for i in issued_1["items"] if i["key"] == pending)
    assert waived["backdated"] and waived["points"] == 0.0

    appeal = engineer.change(MONTH, "appeals", {"key": appealed, "reason": "停水审批延误"},
                             status=201)
    assessor.change(MONTH, f"appeals/{appeal['id']}/decision",
                    {"upheld": True, "reason": "审批延误属实", "points": None})
    points[("engineering", "step_overdue")] -= 2
    by_department["engineering"] -= 2
    v2 = assessor.change(MONTH, "issue", {}, status=201)
    assert v2["version"] == 2
    issued_2 = assessor.get("/api/v1/reports/monthly/2026-10?version=2")["points"]
    assert _per_rule(issued_2["items"]) == points
    assert {r["department"]: r["points"] for r in issued_2["by_department"]} == by_department
    assert issued_2["total"] == issued_1["total"] - 2
    # Version 1 is readable as it was issued.
    assert assessor.get("/api/v1/reports/monthly/2026-10?version=1")["points"] == issued_1
