"""A synthetic monthly report of `n` overdue rows, made without the database, for the memory
tests of the downloads: the shape compute_monthly_report gives (issue 15's benchmark month),
with what makes a real month's rows differ from each other (application numbers, customers,
the explanation of each deadline, the points charged for each step), so that anything kept per
distinct value shows up as growth with the month."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

FLOWS = (("101", "前置服务、提前介入“101”流程", "Pre-emptive connection (\"101\")"),
         ("201", "常规用水报装“201”流程", "Regular water connection (\"201\")"),
         ("211", "用水报装“211”模式", "Water connection (\"211\")"))
STEPS = (("accept", "申请受理", "Accept the application", "business_hall", "营业厅（客户服务中心）",
          "Business hall (customer service centre)"),
         ("survey", "现场查勘资料上传", "Upload the survey materials", "engineering", "工程部",
          "Engineering department"),
         ("approval", "市政联合审批", "Municipal joint approval", "connection_team", "营商报装专班",
          "Connection team"),
         ("meter", "水表出库", "Meters out of stock", "procurement", "采购中心",
          "Procurement centre"))
PAUSE = {"code": "missing_documents", "name_zh": "补正材料",
         "name_en": "Customer correcting documents"}
START = datetime(2026, 10, 1, 8, 30)


def _iso(at: datetime) -> str:
    return at.isoformat() + "+08:00"


def overdue_item(i: int) -> dict[str, Any]:
    """The i-th overdue row: a step of an application, or (one in six) the whole application."""
    flow, flow_zh, flow_en = FLOWS[i % len(FLOWS)]
    step, step_zh, step_en, dept, dept_zh, dept_en = STEPS[i % len(STEPS)]
    whole = i % 6 == 0
    if whole:
        step, step_zh, step_en = None, "整体时限", "Whole application"
        dept, dept_zh, dept_en = STEPS[2][3:]
    accepted = START + timedelta(minutes=17 * i)
    due = accepted + timedelta(days=1, minutes=i % 47)
    done = None if i % 17 == 0 else due + timedelta(minutes=31 + i % 500)
    over = (done or due + timedelta(hours=5)) - due
    hours = round(over.total_seconds() / 3600, 2)
    paused = i % 23 == 0
    pause_zh = (f"暂停计时（补正材料）{accepted:%Y-%m-%d} 17:{i % 60:02d} 至次日，扣除 7.5 工作小时；"
                if paused else "")
    pause_en = (f"paused (Customer correcting documents) {accepted:%Y-%m-%d} 17:{i % 60:02d} to "
                "the next day: 7.5 working hours not counted; " if paused else "")
    return {
        "kind": "application" if whole else "step", "number": f"{flow}-2026-{i:06d}",
        "customer": f"芜湖某公司{i}", "flow": flow, "flow_name_zh": flow_zh, "flow_name_en": flow_en,
        "step": step, "step_name_zh": step_zh, "step_name_en": step_en, "department": dept,
        "department_name_zh": dept_zh, "department_name_en": dept_en,
        "due_at": _iso(due), "completed_at": _iso(done) if done else None, "cancelled_at": None,
        "state": "done" if done else "running", "backdated": False, "recorded_late": False,
        "round_the_clock": False, "over_seconds": int(over.total_seconds()),
        "over_hours": hours, "over_days": round(hours / 7.5, 2),
        "pause_reasons": [PAUSE] if paused else [],
        "why_zh": f"自 {accepted:%Y-%m-%d %H:%M}（受理）起算，时限 1 个工作日，按时钟计算（7.5 工作小时）；"
                  f"{pause_zh}{accepted.month}月{accepted.day}日 {accepted:%H:%M}–17:30 计 "
                  f"{1 + i % 6}.{i % 100:02d} 小时；合计 7.5 工作小时，截止 {due:%Y-%m-%d %H:%M}。",
        "why_en": f"From {accepted:%Y-%m-%d %H:%M} (application accepted), limit 1 working day, "
                  f"counted on the clock (7.5 working hours); {pause_en}total 7.5 working hours: "
                  f"due {due:%Y-%m-%d %H:%M}.",
    }


def points_item(i: int) -> dict[str, Any]:
    """The points charged for the i-th overdue row (a step's department, or serious lateness)."""
    item = overdue_item(i)
    rule = "overdue_serious" if item["kind"] == "application" else "step_overdue"
    return {
        "key": f"{rule}:{item['department']}:step:{item['number']}:{item['step']}",
        "rule": rule, "department": item["department"],
        "department_zh": item["department_name_zh"], "department_en": item["department_name_en"],
        "subject": {"kind": "step", "number": item["number"], "step": item["step"] or "whole",
                    "id": None, "step_name_zh": item["step_name_zh"],
                    "step_name_en": item["step_name_en"]},
        "points": 2.0, "range": [2.0, 5.0], "share": 1.0 if i % 5 else 0.5,
        "backdated": i % 97 == 0, "referred": rule == "overdue_serious",
        "why_zh": f"申请 {item['number']} 的环节「{item['step_name_zh']}」超过办理时限 "
                  f"{item['over_days']} 个工作日。",
        "why_en": f"Application {item['number']}: step “{item['step_name_en']}” past its limit by "
                  f"{item['over_days']} working days.",
    }


def month(n: int) -> dict[str, Any]:
    """October 2026 with `n` overdue rows and three quarters as many charges."""
    flows = [{"flow": code, "flow_name_zh": zh, "flow_name_en": en, "accepted": 10 * n,
              "accepted_cancelled": n // 5, "completed": 9 * n, "completed_on_time": 8 * n,
              "completed_late": n, "on_time_rate": 0.8889, "avg_working_days": 0.61,
              "p90_working_days": 0.91, "limit_working_days_min": 1.0,
              "limit_working_days_max": 1.0 if code != "201" else 5.0}
             for code, zh, en in FLOWS]
    steps = [{"flow": flow["flow"], "flow_name_zh": flow["flow_name_zh"],
              "flow_name_en": flow["flow_name_en"], "step": step, "step_name_zh": step_zh,
              "step_name_en": step_en, "department": dept, "department_name_zh": dept_zh,
              "department_name_en": dept_en, "completed": 9 * n, "on_time": 8 * n, "late": n,
              "on_time_rate": 0.8889}
             for flow in flows for step, step_zh, step_en, dept, dept_zh, dept_en in STEPS]
    items = [points_item(i) for i in range(1, n * 3 // 4 + 1)]
    by_department = [{"department": dept, "department_name_zh": dept_zh,
                      "department_name_en": dept_en, "points": float(2 * n // 4)}
                     for _s, _z, _e, dept, dept_zh, dept_en in STEPS]
    return {
        "schema": 1, "month": "2026-10",
        "period": {"start": "2026-10-01T00:00:00+08:00", "end": "2026-11-01T00:00:00+08:00"},
        "as_of": "2026-11-05T12:00:00+08:00", "working_day_hours": 7.5,
        "flows": flows,
        "totals": {"accepted": 30 * n, "accepted_cancelled": 3 * (n // 5), "completed": 27 * n,
                   "completed_on_time": 24 * n, "completed_late": 3 * n, "on_time_rate": 0.8889,
                   "avg_working_days": 0.6, "p90_working_days": 0.9},
        "steps": steps,
        "overdue": [overdue_item(i) for i in range(1, n + 1)],
        "aftercare": {"callbacks_due": n, "callbacks_done": n - 1, "callback_rate": 0.99,
                      "callbacks_done_on_time": n - 2, "callbacks_satisfied": n - 3,
                      "callbacks_dissatisfied": 2, "satisfaction_rate": 0.98, "evaluations": 5,
                      "evaluations_dissatisfied": 1, "evaluation_dissatisfaction_rate": 0.2,
                      "follow_ups_opened": 1, "follow_ups_closed": 1},
        "points": {"rules": {
            "step_overdue": {"range": [2.0, 5.0], "default": 2.0, "name_zh": "超过办理时限",
                             "name_en": "Step past its limit", "measured": True,
                             "unit": "points", "referred": False, "source": ""},
            "ledger_check": {"range": [2.0, 5.0], "default": 2.0,
                             "name_zh": "营商环境工作台账不符合要求",
                             "name_en": "Work ledger (台账) not as required",
                             "measured": False, "unit": "points", "referred": False,
                             "source": ""}},
            "items": items, "by_department": by_department,
            "total": sum(d["points"] for d in by_department), "awaiting_assignment": []},
    }
