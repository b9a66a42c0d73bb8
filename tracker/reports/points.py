"""The draft assessment of a month: one item per charge (not aggregated), for the assessor.

Each item (the contract the assessment workflow builds on):
  key         stable, unique in the month: "<rule>:<department>:<kind>:<number>:<step>[:<id>]"
              ("-" for an empty part)
  rule, department, department_zh, department_en
  subject     {"kind": step | application | callback | survey | problem | pause,
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
from ..models import Application, Department, Pause, SlaTimer, StepRecord, SubjectType, User
from ..problems.models import STAGES as PROBLEM_STAGES
from ..services.pause_scope import ScopedPause
from ..services.plain_reads import instant_columns, light_rows
from ..services.reference import departments
from ..sla import WorkingClock, elapsed_budget
from .keys import by_keys, pause_rows_of
from .rules import POINTS, RULES, SHORTAGE_DEPARTMENTS, rule_numbers, rule_table

# Steps whose lateness the assessment rules name separately ("meters not entered in time").
RULE_OF_STEP = {"meter_stock_entry": "meter_entry_late"}
STOCK_KEEPERS = ("procurement", "meter_station")  # 采购中心、水表检定站


def department_names(code: str) -> tuple[str, str]:
    """(Chinese, English) name of a department code; "" is nobody yet."""
    if not code:
        return "未关联部门", "Unassigned"
    dept = departments().get(code)
    return (dept.name_zh, dept.name_en) if dept else (code, code)


Spans = dict[tuple[Any, ...], int]  # span's results by its inputs, for one clock


def span(clock: WorkingClock, start: datetime, end: datetime, round_the_clock: bool,
         pauses: Iterable[ScopedPause], kept: Spans | None = None) -> int:
    """Working (or wall) seconds from start to end, paused time excluded. With `kept` (one
    report's, so one clock's), a span measured before is not measured again: the split of a
    late application measures its steps' overdue spans, which the overdue list measured."""
    if end <= start:
        return 0
    if kept is not None:
        pauses = list(pauses)
        key = (start, end, bool(round_the_clock), tuple((p.start, p.end) for p in pauses))
        seconds = kept.get(key)
        if seconds is None:
            seconds = kept[key] = span(clock, start, end, round_the_clock, pauses)
        return seconds
    closed = [(p.start, p.end if p.end is not None else end) for p in pauses]
    if round_the_clock:
        return int(elapsed_budget(clock, start, end, True, closed).total_seconds())
    return clock.working_seconds_between(start, end, closed)


def item(rule: str, department: str, subject: dict[str, Any], why_zh: str, why_en: str, *,
         share: float = 1.0, backdated: bool = False) -> dict[str, Any]:
    """One charge in the contract's shape (the assessor's own items use it too)."""
    zh, en = department_names(department)
    low, high, points = rule_numbers(rule)
    subject = {"kind": subject["kind"], "number": subject.get("number"),
               "step": subject.get("step"), "id": subject.get("id"),
               # The step's name as its flow gives it, so a page need not show the code.
               **({"step_name_zh": subject["step_name_zh"], "step_name_en": subject["step_name_en"]}
                  if subject.get("step_name_zh") else {})}
    parts = [rule, department, subject["kind"], subject["number"], subject["step"]]
    if subject["id"] is not None:
        parts.append(subject["id"])
    key = ":".join(str(part) if part not in (None, "") else "-" for part in parts)
    return {"key": key, "rule": rule, "department": department, "department_zh": zh,
            "department_en": en, "subject": subject, "points": points,
            "range": [low, high], "share": share, "backdated": backdated,
            "referred": RULES[rule].referred, "why_zh": why_zh, "why_en": why_en}


def share_text(share: float) -> str:
    """A share as the pages show it (one decimal, as web.formatting.percent): 0.003 → "0.3%",
    never "0%" beside a page that says 0.3%."""
    return f"{share * 100:.1f}".rstrip("0").rstrip(".") + "%"


def _days(seconds: float, day_seconds: float) -> str:
    return f"{seconds / day_seconds:.2f}"


def draft_points(*, start: datetime, end: datetime, as_of: datetime, clock: WorkingClock,
                 overdue: list[dict[str, Any]], finisher: dict[int, str],
                 spans: Spans | None = None) -> dict[str, Any]:
    """The draft assessment of [start, end) as known at `as_of`: items, sums, the rule table.

    `overdue` is the report's overdue list; `finisher` maps a flow version id to the
    department of the step that completes the flow; `spans` the spans the overdue list
    measured (see span)."""
    day_seconds = clock.working_day_length.total_seconds()
    items: list[dict[str, Any]] = []
    items += _late_steps(overdue, day_seconds)
    items += _late_applications(clock, as_of, overdue, day_seconds,
                                {} if spans is None else spans)
    charged, awaiting = _callbacks(start, end)
    items += charged
    items += _surveys(start, end, finisher)
    items += _shortages(start, end)
    items += _problems(start, end, as_of)
    return summed(items, awaiting)


def summed(items: list[dict[str, Any]],
           awaiting: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The items with their sums per department and in total, and the rule table;
    `awaiting` lists the charges no department is assigned to yet (charged to nobody)."""
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
            "total": round(sum(by_department.values()), 2), "awaiting_assignment": awaiting or []}


# --- a step past its limit: once per work order, department and rule ----------------------

def _late_steps(overdue: list[dict[str, Any]], day_seconds: float) -> list[dict[str, Any]]:
    """五（六）1 超过办理时限，一份工单扣2~5分: one charge per work order and department (two
    late steps of one department in one order are one charge; both are named in why)."""
    grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    issuers = _meter_issuers([row["number"] for row in overdue if row["kind"] == "step"
                              and RULE_OF_STEP.get(row["step"] or "") == "meter_entry_late"])
    for row in overdue:
        if row["kind"] == "step":
            rule = RULE_OF_STEP.get(row["step"] or "", "step_overdue")
            dept = row["department"]
            if rule == "meter_entry_late":
                dept = issuers.get((row["number"], row["step"]), dept)
            grouped.setdefault((row["number"], dept, rule), []).append(row)
    items = []
    for (number, dept, rule), rows in grouped.items():
        names_zh = "、".join(f"「{r['step_name_zh']}」" for r in rows)
        names_en = ", ".join(f"“{r['step_name_en']}”" for r in rows)
        over = sum(r["over_seconds"] for r in rows)
        # Charged on a lateness that a back-dated completion took away: the assessor decides.
        backdated = any(r.get("recorded_late") for r in rows)
        subject = {"kind": "step", "number": number, "step": rows[0]["step"],
                   "step_name_zh": rows[0]["step_name_zh"], "step_name_en": rows[0]["step_name_en"]}
        if backdated:
            why_zh = (f"申请 {number} 的环节{names_zh}：系统已记录超时，事后补录的完成时间在时限内，"
                      "待考核人确认或免除。")
            why_en = (f"Application {number}: step {names_en} was recorded overdue; a completion "
                      "entered afterwards (back-dated) puts it within its limit: the assessor "
                      "confirms or waives.")
        else:
            why_zh = f"申请 {number} 的环节{names_zh}超过办理时限 {_days(over, day_seconds)} 个工作日。"
            why_en = (f"Application {number}: step {names_en} past its limit by "
                      f"{_days(over, day_seconds)} working days.")
        items.append(item(rule, dept, subject, why_zh, why_en, backdated=backdated))
    return items


def _meter_issuers(numbers: list[str]) -> dict[tuple[str, str], str]:
    """五（六）3 "采购中心、水表检定站需确保各种规格材料（水表）及时领用，且出库材料（水表）需次日
    （含）前录入系统": both keep stock, so a late entry is charged to the one of them whose
    staff issued the item (started the entry step); otherwise to the step's department."""
    if not numbers:
        return {}
    rows = db.session.execute(
        select(Application.number, StepRecord.code, Department.code.label("dept"))
        .join(StepRecord, StepRecord.application_id == Application.id)
        .join(User, User.id == StepRecord.started_by_id)
        .join(Department, Department.id == User.department_id)
        .where(Application.number.in_(sorted(set(numbers))),
               StepRecord.code.in_([c for c, r in RULE_OF_STEP.items()
                                    if r == "meter_entry_late"]))).all()
    return {(r.number, r.code): r.dept for r in rows if r.dept in STOCK_KEEPERS}


# --- the whole application late: split among the departments whose time ran it out --------

def _late_applications(clock: WorkingClock, as_of: datetime, overdue: list[dict[str, Any]],
                       day_seconds: float, spans: Spans) -> list[dict[str, Any]]:
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
    steps = step_timers_of(sorted({row["number"] for row in late}))
    pauses = pause_rows_of({row.app_id for _number, row in steps})
    by_number: dict[str, list[Any]] = defaultdict(list)
    for number, row in steps:
        by_number[number].append(row)
    items = []
    for row in late:
        number = row["number"]
        app_due = datetime.fromisoformat(row["due_at"])
        finished = row.get("completed_at") or row.get("cancelled_at")
        app_end = datetime.fromisoformat(finished) if finished else as_of
        used: dict[str, int] = defaultdict(int)
        still_open: list[str] = []
        for step in by_number.get(number, []):
            completed_at, department = step.completed_at, step.department_code
            step_end = min(completed_at or as_of, app_end)
            app_pauses = pauses.get(step.app_id)
            scoped = [p for p in app_pauses if p.concerns(SubjectType.STEP, step.step_code)] \
                if app_pauses else []
            over = span(clock, step.due_at, step_end, step.round_the_clock, scoped, spans)
            if over > 0:
                used[department] += over
            if (completed_at is None or completed_at > app_due) and department not in still_open:
                still_open.append(department)
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
        parts_zh = "、".join(f"{department_names(d)[0]} {share_text(s)}" for d, s in shares.items())
        parts_en = ", ".join(f"{department_names(d)[1]} {share_text(s)}" for d, s in shares.items())
        over_days = _days(row["over_seconds"], day_seconds)
        for dept, share in shares.items():
            items.append(item(
                "overdue_serious", dept, {"kind": "application", "number": number},
                f"申请 {number} 总时长超时 {over_days} 个工作日，移交督查；{how_zh}：{parts_zh}。",
                f"Application {number} ran {over_days} working days past its whole limit, "
                f"referred to the inspection office; {how_en}: {parts_en}.", share=share))
    return items


def step_timers_of(numbers: list[str]) -> list[tuple[str, Any]]:
    """(application number, step timer row) of every step timer with a deadline of the
    applications `numbers`, in timer order. The applications by number, then their timers by
    application: joined in one query, PostgreSQL scanned every application to find them."""
    t, a = SlaTimer, Application
    apps = dict(by_keys(select(a.id, a.number), a.number, numbers))
    # As named tuples: the split reads each row's fields many times (a Row's by-name read
    # costs microseconds).
    rows = light_rows(by_keys(
        select(*instant_columns(t.id, t.application_id.label("app_id"), t.step_code,
                                t.department_code, t.due_at, t.completed_at,
                                t.round_the_clock))
        .where(t.subject_type == SubjectType.STEP, t.due_at.is_not(None)),
        t.application_id, list(apps)))
    return [(apps[row.app_id], row) for row in sorted(rows, key=lambda row: row.id)]


# --- callbacks, evaluations, problems ------------------------------------------------------

def _callbacks(start: datetime, end: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """五（六）2 在公司客户回访中，发生一例不满意扣2分, charged to the department the hotline
    made responsible (五（四）1 若有客户不满意，热线中心需责成相关部门处理), never to whoever
    turned the water on: a complaint about the business hall's window is the hall's. Until
    customer service assigns it, it is charged to nobody and listed as awaiting assignment."""
    items, awaiting = [], []
    for row in dissatisfied_callbacks(start, end):
        subject = {"kind": "callback", "number": row["number"], "id": row["id"]}
        dept = row["assigned_department"]
        if not dept:
            awaiting.append({"rule": "callback_dissatisfied",
                             "subject": {**subject, "step": None},
                             "why_zh": f"申请 {row['number']} 的客户回访不满意，待热线中心责成相关部门处理。",
                             "why_en": f"Application {row['number']}: the customer was not "
                                       "satisfied on the callback; no department assigned yet."})
            continue
        zh, en = department_names(dept)
        items.append(item(
            "callback_dissatisfied", dept, subject,
            f"申请 {row['number']} 的客户回访结果为不满意，热线中心责成{zh}处理。",
            f"The customer of application {row['number']} was not satisfied on the callback; "
            f"the hotline made the {en} responsible."))
    return items, awaiting


def _surveys(start: datetime, end: datetime, finisher: dict[int, str]) -> list[dict[str, Any]]:
    """五（六）2 在政府第三方调查中，出现一例不满意扣5分: the government survey's own import
    source only. A 好差评 "不满意" is no government survey: it opens the home visit (五（四）2)
    and costs no points by itself. Reading chosen: the survey rates the connection as a whole,
    so it is charged to the department of the step that completes the flow (the one that
    turned the water on); one with no known application is charged to nobody (未关联部门)."""
    items = []
    for row in bad_reviews(start, end):
        if row["source"] != "government_survey":
            continue
        dept = finisher.get(row["flow_version_id"], "") if row["flow_version_id"] else ""
        number = row["number"]
        items.append(item(
            "government_survey_dissatisfied", dept,
            {"kind": "survey", "number": number, "id": row["id"]},
            f"政府第三方调查（记录 {row['id']}，申请 {number or '未知'}）结果为不满意。",
            f"Government third-party survey (record {row['id']}, application "
            f"{number or 'unknown'}): not satisfied."))
    return items


def _shortages(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """五（六）3 若出现材料空缺影响施工进度的，一份工单扣2分: a pause for materials (meters)
    out of stock begun in the month, once per work order and department."""
    rows = db.session.execute(
        select(Pause.id, Pause.reason_code, Pause.step_code, Pause.started_at, Application.number)
        .join(Application, Application.id == Pause.application_id)
        .where(Pause.reason_code.in_(list(SHORTAGE_DEPARTMENTS)), Pause.started_at >= start,
               Pause.started_at < end)
        .order_by(Pause.started_at, Pause.id)).all()
    items, seen = [], set()
    for row in rows:
        dept = SHORTAGE_DEPARTMENTS[row.reason_code]
        if (row.number, dept) in seen:
            continue
        seen.add((row.number, dept))
        what_zh, what_en = ("水表", "a meter") if row.reason_code == "meter_shortage" \
            else ("材料", "materials")
        items.append(item(
            "materials_delay", dept,
            {"kind": "pause", "number": row.number, "step": row.step_code, "id": row.id},
            f"申请 {row.number} 施工等待{what_zh}出库（{what_zh}空缺），影响施工进度。",
            f"Application {row.number}: construction waited for {what_en} out of stock."))
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
    items = []
    for row in rows:
        zh, en = PROBLEM_STAGES.get(row.stage, (row.stage, row.stage))
        items.append(item("problem_overdue", row.department_code,
                          {"kind": "problem", "step": row.stage, "id": row.subject_id,
                           "step_name_zh": zh, "step_name_en": en},
                          f"问题 {row.subject_id} 的{zh}阶段超过时限。",
                          f"Problem {row.subject_id}: its {en.lower()} stage ran past its limit."))
    return items
