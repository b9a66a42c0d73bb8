"""The draft assessment of a month: one item per charge (not aggregated), for the assessor.

Each item (the contract the assessment workflow builds on):
  key         stable, unique in the month: "<rule>:<department>:<kind>:<number>:<step>[:<id>]"
              ("-" for an empty part)
  rule, department, department_zh, department_en
  subject     {"kind": step | application | callback | evaluation | survey | problem | pause,
               "number": application number or None, "step": step code or None, "id": row id or None}
  points      the rule's configured default; range [min, max] (min == max for fixed rules)
  share       the fraction of the charge this department bears (split charges), else 1.0
  backdated   the lateness rests on a back-dated entry (补录): the assessor confirms or waives
  referred    超时严重 referred to 督查 (the rule's `referred`)
  why_zh, why_en  one sentence the department can check
by_department and total add points × share (rules counted in points only; 督查办's bonus
percentage is the assessor's, never summed with points).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..aftercare.rates import bad_reviews, dissatisfied_callbacks
from ..extensions import db
from ..models import Application, SlaTimer, SubjectType
from ..services.pause_scope import ScopedPause, pauses_by_application
from ..services.reference import departments
from ..sla import WorkingClock, elapsed_budget
from .rules import POINTS, RULES, rule_default, rule_range, rule_table

# Steps whose lateness the assessment rules name separately ("meters not entered in time").
RULE_OF_STEP = {"meter_stock_entry": "meter_entry_late"}


def department_names(code: str) -> tuple[str, str]:
    """(Chinese, English) name of a department code; "" is nobody yet."""
    if not code:
        return "未关联部门", "Unassigned"
    dept = departments().get(code)
    return (dept.name_zh, dept.name_en) if dept else (code, code)


def span(clock: WorkingClock, start: datetime, end: datetime, round_the_clock: bool,
         pauses: Iterable[ScopedPause]) -> int:
    """Working (or wall) seconds from start to end, paused time excluded."""
    if end <= start:
        return 0
    closed = [(p.start, p.end if p.end is not None else end) for p in pauses]
    if round_the_clock:
        return int(elapsed_budget(clock, start, end, True, closed).total_seconds())
    return int(clock.working_time_between(start, end, closed).total_seconds())


def item(rule: str, department: str, subject: dict[str, Any], why_zh: str, why_en: str, *,
         share: float = 1.0, backdated: bool = False) -> dict[str, Any]:
    """One charge in the contract's shape (the assessor's own items use it too)."""
    zh, en = department_names(department)
    low, high = rule_range(rule)
    subject = {"kind": subject["kind"], "number": subject.get("number"),
               "step": subject.get("step"), "id": subject.get("id")}
    parts = [rule, department, subject["kind"], subject["number"], subject["step"]]
    if subject["id"] is not None:
        parts.append(subject["id"])
    key = ":".join(str(part) if part not in (None, "") else "-" for part in parts)
    return {"key": key, "rule": rule, "department": department, "department_zh": zh,
            "department_en": en, "subject": subject, "points": rule_default(rule),
            "range": [low, high], "share": share, "backdated": backdated,
            "referred": RULES[rule].referred, "why_zh": why_zh, "why_en": why_en}


def _days(seconds: float, day_seconds: float) -> str:
    return f"{seconds / day_seconds:.2f}"


def draft_points(*, start: datetime, end: datetime, as_of: datetime, clock: WorkingClock,
                 overdue: list[dict[str, Any]], finisher: dict[int, str]) -> dict[str, Any]:
    """The draft assessment of [start, end) as known at `as_of`: items, sums, the rule table.

    `overdue` is the report's overdue list; `finisher` maps a flow version id to the
    department of the step that completes the flow."""
    day_seconds = clock.working_day_length.total_seconds()
    items: list[dict[str, Any]] = []
    items += _late_steps(overdue, day_seconds)
    items += _late_applications(clock, as_of, overdue, day_seconds)
    items += _callbacks(start, end, finisher)
    items += _reviews(start, end, finisher)
    items += _problems(start, end, as_of)
    return summed(items)


def summed(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The items with their sums per department and in total, and the rule table."""
    by_department: dict[str, float] = defaultdict(float)
    for charge in items:
        if RULES[charge["rule"]].unit == POINTS and charge["points"] * charge["share"]:
            by_department[charge["department"]] += charge["points"] * charge["share"]
    rows = []
    for dept, points in sorted(by_department.items(), key=lambda kv: (-kv[1], kv[0])):
        zh, en = department_names(dept)
        rows.append({"department": dept, "department_name_zh": zh, "department_name_en": en,
                     "points": round(points, 2)})
    return {"rules": rule_table(), "items": items, "by_department": rows,
            "total": round(sum(by_department.values()), 2)}


# --- a step past its limit: once per work order, department and rule ----------------------

def _late_steps(overdue: list[dict[str, Any]], day_seconds: float) -> list[dict[str, Any]]:
    """五（六）1 超过办理时限，一份工单扣2~5分: one charge per work order and department (two
    late steps of one department in one order are one charge; both are named in why)."""
    grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in overdue:
        if row["kind"] == "step":
            rule = RULE_OF_STEP.get(row["step"] or "", "step_overdue")
            grouped.setdefault((row["number"], row["department"], rule), []).append(row)
    items = []
    for (number, dept, rule), rows in grouped.items():
        names_zh = "、".join(f"「{r['step_name_zh']}」" for r in rows)
        names_en = ", ".join(f"“{r['step_name_en']}”" for r in rows)
        over = sum(r["over_seconds"] for r in rows)
        backdated = any(r.get("backdated") for r in rows)
        items.append(item(
            rule, dept, {"kind": "step", "number": number, "step": rows[0]["step"]},
            f"申请 {number} 的环节{names_zh}超过办理时限 {_days(over, day_seconds)} 个工作日"
            + ("（含补录的完成时间，待考核人确认）" if backdated else "") + "。",
            f"Application {number}: step {names_en} past its limit by "
            f"{_days(over, day_seconds)} working days"
            + (" (a back-dated completion: the assessor confirms or waives)" if backdated else "")
            + ".", backdated=backdated))
    return items


# --- the whole application late: split among the departments whose time ran it out --------

def _late_applications(clock: WorkingClock, as_of: datetime, overdue: list[dict[str, Any]],
                       day_seconds: float) -> list[dict[str, Any]]:
    """五（六）1 超时严重，导致总时长超时，按督查程序给予处罚.

    The split (our reading): each department's share is the working time its steps ran past
    their own limits, counted up to the moment the application finished (or now), over the
    sum for every department. A department whose steps kept to their limits used only the
    time the flow gave it and bears nothing. If no step ran past its own limit (the steps'
    limits add up to more than the whole), the departments with steps still open when the
    whole deadline passed share it equally; failing those, the whole timer's department."""
    late = [row for row in overdue if row["kind"] == "application"]
    if not late:
        return []
    numbers = sorted({row["number"] for row in late})
    t, a = SlaTimer, Application
    steps = db.session.execute(
        select(a.number, a.id.label("app_id"), t.step_code, t.department_code, t.due_at,
               t.completed_at, t.round_the_clock)
        .join(a, a.id == t.application_id)
        .where(a.number.in_(numbers), t.subject_type == SubjectType.STEP,
               t.due_at.is_not(None))
        .order_by(t.id)).all()
    pauses = pauses_by_application(sorted({row.app_id for row in steps}))
    by_number: dict[str, list[Any]] = defaultdict(list)
    for row in steps:
        by_number[row.number].append(row)
    items = []
    for row in late:
        number = row["number"]
        app_due = datetime.fromisoformat(row["due_at"])
        finished = row.get("completed_at") or row.get("cancelled_at")
        app_end = datetime.fromisoformat(finished) if finished else as_of
        used: dict[str, int] = defaultdict(int)
        still_open: list[str] = []
        for step in by_number.get(number, []):
            step_end = min(step.completed_at or as_of, app_end)
            scoped = [p for p in pauses.get(step.app_id, [])
                      if p.concerns(SubjectType.STEP, step.step_code)]
            over = span(clock, step.due_at, step_end, step.round_the_clock, scoped)
            if over > 0:
                used[step.department_code] += over
            if (step.completed_at is None or step.completed_at > app_due) \
                    and step.department_code not in still_open:
                still_open.append(step.department_code)
        total = sum(used.values())
        if total:
            shares = {dept: seconds / total for dept, seconds in used.items()}
            how_zh = "按各部门环节超出自身时限的工作时间分摊"
            how_en = "split by the working time each department's steps ran past their own limits"
        elif still_open:
            shares = {dept: 1 / len(still_open) for dept in still_open}
            how_zh = "无环节超出自身时限，由总时限届满时仍未完成环节的部门平均分摊"
            how_en = ("no step ran past its own limit: shared equally by the departments whose "
                      "steps were open when the whole limit ran out")
        else:
            shares = {row["department"]: 1.0}
            how_zh, how_en = "由整体时限的责任部门承担", "charged to the whole limit's department"
        parts_zh = "、".join(f"{department_names(d)[0]} {s:.0%}" for d, s in shares.items())
        parts_en = ", ".join(f"{department_names(d)[1]} {s:.0%}" for d, s in shares.items())
        over_days = _days(row["over_seconds"], day_seconds)
        for dept, share in shares.items():
            items.append(item(
                "overdue_serious", dept, {"kind": "application", "number": number},
                f"申请 {number} 总时长超时 {over_days} 个工作日，移交督查；{how_zh}：{parts_zh}。",
                f"Application {number} ran {over_days} working days past its whole limit, "
                f"referred to the inspection office; {how_en}: {parts_en}.", share=share))
    return items


# --- callbacks, evaluations, problems ------------------------------------------------------

def _callbacks(start: datetime, end: datetime, finisher: dict[int, str]) -> list[dict[str, Any]]:
    """五（六）2 在公司客户回访中，发生一例不满意扣2分."""
    items = []
    for row in dissatisfied_callbacks(start, end):
        dept = finisher.get(row["flow_version_id"], "")
        items.append(item(
            "callback_dissatisfied", dept,
            {"kind": "callback", "number": row["number"], "id": row["id"]},
            f"申请 {row['number']} 的客户回访结果为不满意。",
            f"The customer of application {row['number']} said “not satisfied” on the callback."))
    return items


def _reviews(start: datetime, end: datetime, finisher: dict[int, str]) -> list[dict[str, Any]]:
    """五（六）2 在政府第三方调查中，出现一例不满意扣5分."""
    items = []
    for row in bad_reviews(start, end):
        dept = finisher.get(row["flow_version_id"], "") if row["flow_version_id"] else ""
        items.append(item(
            "government_survey_dissatisfied", dept,
            {"kind": "evaluation", "number": row["number"], "id": row["id"]},
            f"评价 {row['id']}（申请 {row['number'] or '未知'}）结果为不满意。",
            f"Evaluation {row['id']} (application {row['number'] or 'unknown'}): not satisfied."))
    return items


def _problems(start: datetime, end: datetime, as_of: datetime) -> list[dict[str, Any]]:
    """A problem stage past its limit (问题库), charged to the stage's department."""
    t = SlaTimer
    rows = db.session.execute(
        select(t.id, t.subject_id, t.stage, t.department_code, t.label)
        .where(t.subject_type == SubjectType.PROBLEM, t.due_at >= start,
               t.due_at < min(end, as_of),
               (t.completed_at.is_(None)) | (t.completed_at > t.due_at))
        .order_by(t.due_at, t.id)).all()
    return [item("problem_overdue", row.department_code,
                 {"kind": "problem", "step": row.stage, "id": row.subject_id},
                 f"问题 {row.subject_id} 的{_STAGES.get(row.stage, (row.stage,))[0]}阶段超过时限。",
                 f"Problem {row.subject_id}: its {_STAGES.get(row.stage, ('', row.stage))[1]} "
                 "stage ran past its limit.")
            for row in rows]


_STAGES = {"verify": ("核实", "verification"), "rectify": ("整改", "rectification"),
           "recheck": ("复核", "re-check")}
