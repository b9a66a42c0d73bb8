"""The October 2026 report against numbers computed independently from the generated month."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.reports.expected import close, expected, nearest_rank
from tests.reports.generator import AS_OF
from tracker.reports import compute_monthly_report, parse_month
from tracker.settings import reconfigure


def test_the_report_matches_the_generated_month(app, october, ctx):
    records, evaluations = october
    # the whole application late (超时严重) charged 3 points, split among departments
    reconfigure(app, TRACKER_ASSESSMENT_RULES={"overdue_serious": {"range": [0, 5],
                                                                   "default": 3}})
    want = expected(records, evaluations, AS_OF, serious_points=3)
    data = compute_monthly_report(parse_month("2026-10"), as_of=AS_OF)
    flows = {f["flow"]: f for f in data["flows"]}

    # The generator made every kind of case, or this test would prove little.
    kinds = Counter(o["state"] for o in want["overdue"])
    assert kinds["done"] and kinds["running"] and kinds["cancelled"], kinds
    assert any(o["pause_reasons"] for o in want["overdue"])
    assert want["flows"]["211"]["completed"] > want["flows"]["211"]["completed_on_time"] > 0

    for code in ("211", "201"):
        got, exp = flows[code], want["flows"][code]
        assert got["accepted"] == exp["accepted"], code
        assert got["accepted_cancelled"] == exp["accepted_cancelled"], code
        assert got["completed"] == exp["completed"], code
        assert got["completed_on_time"] == exp["completed_on_time"], code
        assert got["completed_late"] == exp["completed"] - exp["completed_on_time"], code
        assert close(got["on_time_rate"], exp["completed_on_time"] / exp["completed"], 0.0001)
        durations = want["durations"][code]
        assert close(got["avg_working_days"], sum(durations) / len(durations)), code
        assert close(got["p90_working_days"], nearest_rank(durations, 0.9)), code
        assert got["limit_working_days_min"] == got["limit_working_days_max"] == 1.0
    assert flows["101"]["accepted"] == flows["101"]["completed"] == 0  # listed, with nothing
    assert flows["201"]["on_time_rate"] == 1.0
    assert flows["201"]["avg_working_days"] == 0.2  # 90 minutes of a 7.5-hour day

    totals = data["totals"]
    assert totals["accepted"] == sum(f["accepted"] for f in want["flows"].values())
    assert totals["completed"] == sum(f["completed"] for f in want["flows"].values())

    steps = {(s["flow"], s["step"]): s for s in data["steps"]}
    assert set(steps) == set(want["steps"])
    for key, count in want["steps"].items():
        assert steps[key]["completed"] == count, key
        assert steps[key]["late"] == want["steps_late"][key], key
        assert steps[key]["on_time_rate"] == round((count - want["steps_late"][key]) / count, 4)
    assert steps[("211", "water_on")]["department_name_zh"] == "工程部"
    assert steps[("211", "supply_plan")]["step_name_zh"] == "供水方案"
    assert ("211", "accept") not in steps  # registering is the acceptance: no duty

    got_overdue = {(o["number"], o["kind"], o["step"]): o for o in data["overdue"]}
    want_overdue = {(o["number"], o["kind"], o["step"]): o for o in want["overdue"]}
    assert set(got_overdue) == set(want_overdue)
    assert len(data["overdue"]) == len(want["overdue"])
    for key, exp in want_overdue.items():
        got = got_overdue[key]
        assert got["department"] == exp["department"], key
        assert got["state"] == exp["state"], key
        assert got["over_seconds"] == exp["over_seconds"], key
        assert [r["code"] for r in got["pause_reasons"]] == exp["pause_reasons"], key
        assert got["due_at"][:16] == exp["due"].isoformat()[:16], key
        assert got["customer"].startswith("客户211-")
    assert [o["due_at"] for o in data["overdue"]] == sorted(o["due_at"] for o in data["overdue"])

    items = data["points"]["items"]
    assert len({i["key"] for i in items}) == len(items)  # one key per charge
    counts = Counter((i["department"], i["rule"]) for i in items
                     if i["rule"] != "overdue_serious")
    assert counts == want["points"]
    serious = {(i["subject"]["number"], i["department"]): i for i in items
               if i["rule"] == "overdue_serious"}
    assert set(serious) == set(want["shares"]) and want["shares"]
    assert any(share < 1 for share in want["shares"].values())  # some were split
    for key, share in want["shares"].items():
        assert serious[key]["share"] == pytest.approx(share), key
        assert serious[key]["referred"] is True and serious[key]["points"] == 3.0
    assert {i["subject"]["number"] for i in data["points"]["awaiting_assignment"]} \
        == set(want["awaiting"]) and want["awaiting"]
    assert any(i["rule"] == "callback_dissatisfied" and i["department"] == "business_hall"
               for i in items)
    assert sum(1 for i in items if i["rule"] == "government_survey_dissatisfied") == 2
    by_department = {d["department"]: d["points"] for d in data["points"]["by_department"]}
    assert by_department == pytest.approx({k: float(v) for k, v in want["by_department"].items()},
                                          abs=0.011)
    assert data["points"]["total"] == pytest.approx(sum(want["by_department"].values()),
                                                    abs=0.05)
    rules = data["points"]["rules"]
    assert rules["meter_entry_late"]["range"] == [1.0, 2.0]
    assert not rules["ledger_check"]["measured"]

    aftercare = data["aftercare"]
    for key, value in want["aftercare"].items():
        assert aftercare[key] == value, key
    assert close(aftercare["callback_rate"],
                 want["aftercare"]["callbacks_done"] / want["aftercare"]["callbacks_due"], 0.0001)


def test_an_issued_report_does_not_change_when_the_data_does(app, october, actor):
    from tracker.reports.issuance import get_issued, issue_monthly_report, report_data
    from tracker.services.applications import complete_step

    records, _evaluations = october
    first = issue_monthly_report("2026-10", actor)
    frozen_figures = first.data
    workbook = first.xlsx
    # An application open and overdue since October is finished after the report was issued:
    # October's live figures change (it is now "completed late"), the issued ones do not.
    still_open = next(r for r in records if r.flow == "211" and r.water_on is None
                      and r.cancelled is None and r.whole_due.month == 10)
    complete_step(still_open.number, "water_on", actor)
    live = report_data("2026-10", live=True)
    states = {o["state"] for o in live["overdue"] if o["number"] == still_open.number}
    assert states == {"done"}
    assert {o["state"] for o in frozen_figures["overdue"]
            if o["number"] == still_open.number} == {"running"}
    again = get_issued("2026-10")
    assert again.version == 1 and again.data == frozen_figures and again.xlsx == workbook
    assert report_data("2026-10") == frozen_figures

    second = issue_monthly_report("2026-10", actor)
    assert second.version == 2
    assert get_issued("2026-10", 1).data == frozen_figures  # the old version is kept
    assert get_issued("2026-10").version == 2
    assert second.data["issue"]["version"] == 2 and second.data["issue"]["trigger"] == "manual"
