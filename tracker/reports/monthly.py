"""The monthly report (月度报装时效与考核报告): figures of one month as plain JSON-able data.

Definitions (the same in every output, and in docs/operations-scheduler.md):
- accepted: applications whose acceptance falls in the month (cancelled ones counted apart);
- completed: applications whose water went on (completion) in the month, whenever accepted;
  on time = the whole-application timer finished by its deadline; working days = working
  time from the start of its clock to completion, paused time excluded; P90 by nearest rank;
- steps: step timers finished in the month (skipped steps are not counted);
- overdue list: application and step timers whose deadline fell in the month (and before the
  report was made) and that were not finished by it, whether finished late, still open, or
  cancelled after it; working time over is counted to completion, else to the report time;
- aftercare: callbacks of the applications completed in the month (done = customer reached and
  answer recorded, whenever), evaluations dated in the month, home visits opened in it, as
  the after-care rates count them (`aftercare.rates.callback_rates`);
- each overdue item carries its explanation sentence (why_zh, why_en: services.explanations);
- points: the draft assessment, one item per charge (reports.points; the rules and their
  ranges in reports.rules, the numbers in TRACKER_ASSESSMENT_RULES).
"""
from __future__ import annotations

import gc
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from ..aftercare.rates import callback_rates
from ..extensions import db
from ..localtime import LOCAL
from ..models import (
    Application,
    AppStatus,
    FlowVersion,
    SlaTimer,
    StepRecord,
    SubjectType,
    TimerState,
)
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.figures import FlowFigures, day_unit, ratio, total_of, used_days
from ..services.flows import definition_of
from ..services.months import Month
from ..services.pause_scope import ScopedPause
from ..services.plain_reads import instant_columns, light_rows, plain_rows
from ..services.reference import departments, pause_reasons
from ..sla import ClockPause, WorkingClock
from .keys import by_keys, pause_rows_of
from .points import Spans, draft_points, span
from .why import Duty, word_explanations

SCHEMA_VERSION = 1

Interval = tuple[datetime, datetime | None]


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(LOCAL).isoformat()


class Names:
    """Chinese and English names of flows, steps and departments, from every stored version."""

    def __init__(self) -> None:
        self.flows: dict[str, tuple[str, str]] = {}
        self.steps: dict[tuple[str, str], tuple[str, str]] = {}
        self.finisher: dict[int, str] = {}  # flow version id → department of completes_with
        rows = list(db.session.scalars(select(FlowVersion).order_by(FlowVersion.code,
                                                                    FlowVersion.version)))
        # Older versions first, the current one last: its names win; older ones fill gaps
        # (a step that a later version dropped still has a name in old figures).
        for row in sorted(rows, key=lambda r: (r.current, r.version)):
            flow = definition_of(row)
            self.finisher[row.id] = flow.step(flow.completes_with).department
            self.flows[row.code] = (flow.name_zh, flow.name_en)
            for step in flow.steps:
                self.steps[(row.code, step.code)] = (step.name_zh, step.name_en)
        self.current = sorted({row.code for row in rows if row.current})

    def flow(self, code: str) -> dict[str, str]:
        zh, en = self.flows.get(code, (code, code))
        return {"flow_name_zh": zh, "flow_name_en": en}

    def step(self, flow: str | None, code: str | None, kind: str) -> dict[str, str]:
        if kind == "application":
            zh, en = "整体时限", "Whole application"
        else:
            zh, en = self.steps.get((flow or "", code or ""), (code or "", code or ""))
        return {"step_name_zh": zh, "step_name_en": en}

    @staticmethod
    def department(code: str) -> dict[str, str]:
        if not code:
            return {"department_name_zh": "未关联部门", "department_name_en": "Unassigned"}
        dept = departments().get(code)
        zh, en = (dept.name_zh, dept.name_en) if dept else (code, code)
        return {"department_name_zh": zh, "department_name_en": en}


@dataclass
class _Scope:
    month: Month
    start: datetime
    end: datetime
    as_of: datetime
    clock: WorkingClock
    names: Names
    spans: Spans = field(default_factory=dict)  # measured by the overdue list, reused by points

    def within(self, column: Any) -> Any:
        return and_(column >= self.start, column < self.end)


_collector_lock = threading.Lock()
_collector_holds = 0  # reports being computed while the collector waits
_collector_was_enabled = False


@contextmanager
def collector_held() -> Iterator[None]:
    """The cyclic garbage collector held off while a report is computed, and let run again
    when the last report in the process ends. A big month builds hundreds of thousands of
    rows, dicts and lists that all live to its end, and every full collection walks all of
    them again: a fifth of a 25,000-application month's time went there. Reference counting
    frees everything else meanwhile; only cycles wait the few seconds."""
    global _collector_holds, _collector_was_enabled
    with _collector_lock:
        if _collector_holds == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_holds += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_holds -= 1
            if _collector_holds == 0 and _collector_was_enabled:
                gc.enable()


def compute_monthly_report(month: Month, as_of: datetime | None = None) -> dict[str, Any]:
    """Every figure of the report for `month`, as known at `as_of` (default: now)."""
    with collector_held():
        return _compute(month, as_of)


def _compute(month: Month, as_of: datetime | None) -> dict[str, Any]:
    as_of = as_of or clock_now()
    clock = app_clock()
    scope = _Scope(month, month.start, month.end, as_of, clock, Names())
    day_seconds = clock.working_day_length.total_seconds()
    overdue = _overdue(scope)
    data: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "month": month.label,
        "period": {"start": _iso(month.start), "end": _iso(month.end)},
        "as_of": _iso(as_of),
        "working_day_hours": round(day_seconds / 3600, 2),
        "flows": [],
        "totals": {},
        "steps": _steps(scope),
        "overdue": overdue,
        "aftercare": _aftercare(scope),
        "points": {},
    }
    data["flows"], data["totals"] = _flows(scope, day_seconds)
    data["points"] = _points(scope, overdue)
    return data


# --- flows --------------------------------------------------------------------------------

def _flows(scope: _Scope, day_seconds: float) -> tuple[list[dict], dict]:
    accepted: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for flow, status, count in db.session.execute(
            select(Application.flow_code, Application.status, func.count())
            .where(scope.within(Application.accepted_at))
            .group_by(Application.flow_code, Application.status)):
        accepted[flow][getattr(status, "value", status)] += count
    figures = _completed_figures(scope)
    codes = sorted(set(scope.names.current) | set(accepted) | set(figures))
    flows = []
    for code in codes:
        item = figures.get(code) or FlowFigures(code)
        flows.append({
            "flow": code, **scope.names.flow(code),
            "accepted": sum(accepted[code].values()),
            "accepted_cancelled": accepted[code].get("cancelled", 0),
            **_completions(item),
            "limit_working_days_min": _round(item.min_limit_days),
            "limit_working_days_max": _round(item.max_limit_days),
        })
    totals = {
        "accepted": sum(f["accepted"] for f in flows),
        "accepted_cancelled": sum(f["accepted_cancelled"] for f in flows),
        **_completions(total_of(figures.values())),
    }
    return flows, totals


def _completed_figures(scope: _Scope) -> dict[str, FlowFigures]:
    """The figures of the applications completed in the month, per flow."""
    # The month's completions (ix_applications_completed), then their whole timers by primary
    # key: a join lets the planner walk every timer to meet them (a merge join on the key).
    completed = plain_rows(
        select(Application.id, Application.flow_code, Application.timer_id)
        .where(Application.status == AppStatus.COMPLETED, scope.within(Application.completed_at),
               Application.timer_id.is_not(None))
        .order_by(Application.id)).all()
    t = SlaTimer
    columns = select(*instant_columns(t.id, t.started_at, t.completed_at, t.late,
                                      t.budget_seconds, t.round_the_clock))
    # Rows unpacked by position: a Row's field read by name costs microseconds (its
    # __getattr__), which tens of thousands of rows times six fields made a large share here.
    timers = {row[0]: row for row in by_keys(
        columns, t.id, [timer_id for _app, _flow, timer_id in completed])}
    pauses = _pause_rows([app_id for app_id, _flow, _timer in completed])
    figures: dict[str, FlowFigures] = {}
    clock = scope.clock
    units = {rtc: day_unit(clock, rtc) for rtc in (False, True)}  # once, not per row
    for app_id, flow_code, timer_id in completed:
        _id, started_at, completed_at, late, budget_seconds, round_the_clock = timers[timer_id]
        item = figures.get(flow_code)
        if item is None:
            item = figures[flow_code] = FlowFigures(flow_code)
        app_pauses = pauses.get(app_id)
        item.add(used_days(clock, started_at, completed_at, round_the_clock,
                           _intervals(app_pauses) if app_pauses else ()),
                 budget_seconds / units[bool(round_the_clock)], late)
    return figures


def _completions(item: FlowFigures) -> dict[str, Any]:
    return {
        "completed": item.completed,
        "completed_on_time": item.on_time,
        "completed_late": item.late,
        "on_time_rate": ratio(item.on_time, item.completed),
        "avg_working_days": _round(item.avg_days),
        "p90_working_days": _round(item.p90_days),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


_PauseRow = ScopedPause


def _pause_rows(app_ids: list[int]) -> dict[int, list[_PauseRow]]:
    """Pauses of the applications `app_ids`, read by application (ix_pauses_application_id)
    rather than through a subquery, which PostgreSQL met by scanning every pause."""
    return pause_rows_of(app_ids)


def _intervals(rows: Iterable[_PauseRow]) -> list[Interval]:
    """The pauses that stop the whole application's clock."""
    return [(p.start, p.end) for p in rows
            if p.concerns(SubjectType.APPLICATION, None)]


# --- steps --------------------------------------------------------------------------------

def _steps(scope: _Scope) -> list[dict[str, Any]]:
    t = SlaTimer
    late = func.sum(case((t.late.is_(True), 1), else_=0))
    rows = db.session.execute(
        select(t.flow_code, t.step_code, t.department_code, func.count(), late)
        .where(t.subject_type == SubjectType.STEP, t.state == TimerState.DONE,
               scope.within(t.completed_at))
        .group_by(t.flow_code, t.step_code, t.department_code)
        .order_by(t.flow_code, t.step_code, t.department_code)).all()
    steps = []
    for flow, step, dept, count, late_count in rows:
        late_count = int(late_count or 0)
        steps.append({"flow": flow, **scope.names.flow(flow), "step": step,
                      **scope.names.step(flow, step, "step"), "department": dept,
                      **scope.names.department(dept), "completed": count,
                      "on_time": count - late_count, "late": late_count,
                      "on_time_rate": ratio(count - late_count, count)})
    return steps


# --- the overdue list ---------------------------------------------------------------------

def _overdue_condition(scope: _Scope, kinds: Iterable[SubjectType]) -> Any:
    t = SlaTimer
    # A lateness the watcher recorded (overdue_at) stays listed when a back-dated completion
    # (补录) later puts the finish before the deadline: the assessor confirms or waives it.
    return and_(t.subject_type.in_(list(kinds)), t.due_at >= scope.start,
                t.due_at < min(scope.end, scope.as_of),
                or_(t.completed_at.is_(None), t.completed_at > t.due_at,
                    t.overdue_at.is_not(None)))


def _overdue(scope: _Scope) -> list[dict[str, Any]]:
    t, a = SlaTimer, Application
    # The duties due in the month (ix_sla_timers_kind_due), then their applications by primary
    # key and their step records by timer (ix_step_records_timer_id): joined in one query,
    # PostgreSQL hash-joined every application and scanned every step record to meet them.
    # As named tuples: overdue_items reads a dozen fields of each of thousands of rows.
    timers = light_rows(plain_rows(
        select(*instant_columns(t.id, t.subject_type, t.step_code, t.department_code,
                                t.started_at, t.due_at, t.completed_at, t.state,
                                t.round_the_clock, t.application_id, t.limit, t.overdue_at))
        .where(_overdue_condition(scope, (SubjectType.APPLICATION, SubjectType.STEP)),
               t.application_id.is_not(None))))
    apps = {row.id: row for row in light_rows(by_keys(
        select(a.id, a.number, a.customer_name, a.flow_code), a.id,
        [row.application_id for row in timers]))}
    backdated = {timer_id for timer_id, in by_keys(
        select(StepRecord.timer_id).where(StepRecord.backdated.is_(True)), StepRecord.timer_id,
        [row.id for row in timers if row.subject_type == SubjectType.STEP])}
    rows = sorted((row for row in timers if row.application_id in apps),
                  key=lambda row: (row.due_at, apps[row.application_id].number, row.id))
    return overdue_items(scope, [(row, apps[row.application_id], row.id in backdated)
                                 for row in rows], _pause_rows(list(apps)))


def overdue_items(scope: _Scope, rows: list[tuple[Any, Any, bool]],
                  pauses: dict[int, list[_PauseRow]]) -> list[dict[str, Any]]:
    """The overdue list's items, in the order of `rows`: (timer row, its application's row
    with number, customer_name and flow_code, whether its step was back-dated)."""
    reasons = pause_reasons()
    clock, as_of, names = scope.clock, scope.as_of, scope.names
    day_seconds = clock.working_day_length.total_seconds()
    items = []
    duties = []
    # Each field read once per row, and the names of a flow, step or department made once:
    # the list holds thousands of rows that share a handful of them.
    flow_names: dict[str, dict[str, str]] = {}
    step_names: dict[tuple[str, str | None, str], dict[str, str]] = {}
    department_names: dict[str, dict[str, str]] = {}
    no_pauses: list[_PauseRow] = []
    for row, app, backdated in rows:
        subject_type, step_code, department_code = \
            row.subject_type, row.step_code, row.department_code
        started_at, due_at, completed_at = row.started_at, row.due_at, row.completed_at
        round_the_clock, overdue_at = row.round_the_clock, row.overdue_at
        flow_code = app.flow_code
        kind = getattr(subject_type, "value", subject_type)
        state = getattr(row.state, "value", row.state)
        end = completed_at if completed_at is not None else as_of
        all_pauses = pauses.get(row.application_id, no_pauses)
        app_pauses = [p for p in all_pauses if p.concerns(subject_type, step_code)] \
            if all_pauses else no_pauses
        over = span(clock, due_at, end, round_the_clock, app_pauses, scope.spans)
        # The reasons the clock of this duty stood still (pauses overlapping its run).
        codes: list[str] = []
        for pause in app_pauses:
            if pause.start < end and (pause.end is None or pause.end > started_at) \
                    and pause.reason not in codes:
                codes.append(pause.reason)
        flow_name = flow_names.get(flow_code)
        if flow_name is None:
            flow_name = flow_names[flow_code] = names.flow(flow_code)
        step_key = (flow_code, step_code, kind)
        step_name = step_names.get(step_key)
        if step_name is None:
            step_name = step_names[step_key] = names.step(flow_code, step_code, kind)
        department_name = department_names.get(department_code)
        if department_name is None:
            department_name = department_names[department_code] = \
                names.department(department_code)
        items.append({
            "kind": kind,
            "number": app.number,
            "customer": app.customer_name,
            "flow": flow_code, **flow_name,
            "step": step_code if kind == "step" else None,
            **step_name,
            "department": department_code, **department_name,
            "due_at": _iso(due_at),
            "completed_at": _iso(completed_at) if state == "done" else None,
            "cancelled_at": _iso(completed_at) if state == "cancelled" else None,
            "state": state,
            # 补录: the step's completion was entered after the fact;
            # recorded_late: the watcher had recorded it overdue and the back-dated completion
            # puts it on time (the lateness rests on that entry).
            "backdated": bool(backdated),
            "recorded_late": overdue_at is not None and state == "done"
            and completed_at is not None and completed_at <= due_at,
            "round_the_clock": bool(round_the_clock),
            "over_seconds": over,
            "over_hours": round(over / 3600, 2),
            "over_days": round(over / (86400 if round_the_clock else day_seconds), 2),
            "pause_reasons": [{"code": c, "name_zh": reasons[c].name_zh if c in reasons else c,
                               "name_en": reasons[c].name_en if c in reasons else c}
                              for c in codes],
        })
        duties.append(Duty(kind, started_at, row.limit,
                           tuple(ClockPause(p.start, p.end, p.reason) for p in app_pauses),
                           completed_at if state == "done" else None))
    word_explanations(scope.clock, items, duties, reasons)
    return items


# --- callbacks and evaluations ------------------------------------------------------------

def _aftercare(scope: _Scope) -> dict[str, Any]:
    """The callback and satisfaction figures, as the after-care pages count them."""
    rates = callback_rates(scope.month.year, scope.month.month)
    return {
        "callbacks_due": rates["due"],
        "callbacks_done": rates["done"],
        "callback_rate": rates["rate"],
        "callbacks_done_on_time": rates["done_on_time"],
        "callbacks_satisfied": rates["satisfied"],
        "callbacks_dissatisfied": rates["dissatisfied"],
        "satisfaction_rate": rates["satisfaction_rate"],
        "evaluations": rates["evaluations"],
        "evaluations_dissatisfied": rates["evaluations_dissatisfied"],
        "evaluation_dissatisfaction_rate": ratio(rates["evaluations_dissatisfied"],
                                                 rates["evaluations"]),
        "follow_ups_opened": rates["follow_ups_opened"],
        "follow_ups_closed": rates["follow_ups_closed"],
    }


# --- assessment points --------------------------------------------------------------------

def _points(scope: _Scope, overdue: list[dict[str, Any]]) -> dict[str, Any]:
    """The draft assessment: one item per charge, to the department responsible."""
    return draft_points(start=scope.start, end=scope.end, as_of=scope.as_of, clock=scope.clock,
                        overdue=overdue, finisher=scope.names.finisher, spans=scope.spans)
