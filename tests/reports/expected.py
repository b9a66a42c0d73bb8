"""What the October report must say, computed from the generator's records with the working
clock alone (no report code, no database)."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from tests.fixtures.app import local
from tests.reports.generator import CLOCK, DAY, PROBLEM_AT, Record
from tests.reports.generator import surveys as generator_surveys
from tracker.sla import Limit, LimitKind, compute_deadline

START, END = local(2026, 10, 1, 0, 0), local(2026, 11, 1, 0, 0)
POINTS = {"step_overdue": 2, "callback_dissatisfied": 2, "government_survey_dissatisfied": 5,
          "problem_overdue": 2}


def in_october(at: datetime | None) -> bool:
    return at is not None and START <= at < END


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


def working(start: datetime, end: datetime, pauses) -> float:
    return CLOCK.working_time_between(start, end, pauses).total_seconds()


def timers_of(rec: Record) -> list[dict[str, Any]]:
    """The duties of a 211 record: (kind, step, department, due, end, state)."""
    end_of_whole = rec.water_on or rec.cancelled
    whole_state = "done" if rec.water_on else "cancelled" if rec.cancelled else "running"
    duties = [
        {"kind": "application", "step": None, "department": "business_hall",
         "due": rec.whole_due, "end": end_of_whole, "state": whole_state},
        # 申请受理 is the registration: no duty of its own.
        {"kind": "step", "step": "supply_plan", "department": "business_hall",
         "due": rec.same_day_due, "end": rec.supply_done, "state": "done"},
        # water_on counts from acceptance with the whole's limit: the same deadline.
        {"kind": "step", "step": "water_on", "department": "engineering",
         "due": rec.whole_due, "end": end_of_whole, "state": whole_state},
    ]
    if rec.water_on is not None:  # the archive (当月), a minute after water on
        archive_due = compute_deadline(CLOCK, rec.water_on, Limit(LimitKind.END_OF_MONTH)).due_at
        duties.append({"kind": "step", "step": "archive", "department": "business_hall",
                       "due": archive_due, "end": rec.archived, "state": "done"})
    return duties


def split_of(rec: Record, as_of: datetime) -> dict[str, float]:
    """A 211 application past its whole limit: each department's share is the working time
    its steps ran past their own limits, up to the application's end (the report's reading,
    recomputed here from the record): the supply plan (营业厅) and water on (工程部; its
    pauses stop it); the archive is due after the end."""
    end = rec.water_on or rec.cancelled or as_of
    used = {"business_hall": 0.0, "engineering": 0.0}
    supply_end = min(rec.supply_done, end)
    if supply_end > rec.same_day_due:
        used["business_hall"] += working(rec.same_day_due, supply_end, [])
    if end > rec.whole_due:
        used["engineering"] += working(rec.whole_due, end, rec.intervals)
    total = sum(used.values())
    return {dept: seconds / total for dept, seconds in used.items() if seconds}


def expected(records: list[Record], evaluations, as_of: datetime,
             serious_points: float = 0) -> dict[str, Any]:
    """`serious_points`: the configured default of overdue_serious (0 unless configured)."""
    surveys = generator_surveys([r for r in records if r.flow == "211" and r.water_on])
    flows: dict[str, dict[str, Any]] = defaultdict(lambda: Counter())
    durations: dict[str, list[float]] = defaultdict(list)
    steps: Counter = Counter()
    steps_late: Counter = Counter()
    overdue = []
    for rec in records:
        f = flows[rec.flow]
        if in_october(rec.accepted):
            f["accepted"] += 1
            f["accepted_cancelled"] += rec.cancelled is not None
        if in_october(rec.water_on):
            f["completed"] += 1
            f["completed_on_time"] += rec.water_on <= rec.whole_due
            durations[rec.flow].append(working(rec.accepted, rec.water_on, rec.intervals)
                                       / DAY.total_seconds())
        if rec.flow == "201":
            for code, at in rec.steps_201.items():
                if ":" not in code and code != "municipal_approval" and in_october(at):
                    steps[("201", code)] += 1
            continue
        for timer in timers_of(rec):
            if timer["kind"] == "step" and timer["state"] == "done" and in_october(timer["end"]):
                steps[("211", timer["step"])] += 1
                steps_late[("211", timer["step"])] += timer["end"] > timer["due"]
            due, end = timer["due"], timer["end"]
            if in_october(due) and due < as_of and (end is None or end > due):
                stop = end or as_of
                reasons = []
                for start, finish, reason in rec.pauses:
                    if start < stop and finish > rec.accepted and reason not in reasons:
                        reasons.append(reason)
                overdue.append({**timer, "number": rec.number,
                                "over_seconds": int(working(due, stop, rec.intervals)),
                                "pause_reasons": reasons})

    # Points: a late step once per work order and department; a "not satisfied" callback to
    # the department customer service assigned (none yet: awaiting, charged to nobody); a
    # government survey's "not satisfied" to the department that turned the water on
    # (engineering in flow 211); 好差评 costs nothing; a whole application late is split.
    points: Counter = Counter()
    for number, dept in {(o["number"], o["department"]) for o in overdue if o["kind"] == "step"}:
        points[(dept, "step_overdue")] += 1
    awaiting = []
    for rec in records:
        if rec.callback and not rec.callback[1] and in_october(rec.callback[0]):
            if rec.assigned_to:
                points[(rec.assigned_to, "callback_dissatisfied")] += 1
            else:
                awaiting.append(rec.number)
    for _id, key, at, satisfied in surveys:
        if not satisfied and in_october(at):
            points[("engineering" if key else "", "government_survey_dissatisfied")] += 1
    problem_due = CLOCK.add_working_days(PROBLEM_AT, 3)
    if in_october(problem_due):
        points[("meter_station", "problem_overdue")] += 1
    by_number = {rec.number: rec for rec in records}
    shares: dict[tuple[str, str], float] = {}
    for o in overdue:
        if o["kind"] == "application":
            for dept, share in split_of(by_number[o["number"]], as_of).items():
                shares[(o["number"], dept)] = share
    by_department: Counter = Counter()
    for (dept, rule), count in points.items():
        by_department[dept] += POINTS[rule] * count
    for (_number, dept), share in shares.items():
        by_department[dept] += serious_points * share
    by_department = Counter({d: round(p, 2) for d, p in by_department.items() if p})

    completed_records = [r for r in records if in_october(r.water_on)]
    done = [r for r in completed_records if r.callback and r.callback[0] <= as_of]
    aftercare = {
        "callbacks_due": len(completed_records),
        "callbacks_done": len(done),
        "callbacks_satisfied": sum(1 for r in done if r.callback[1]),
        "callbacks_dissatisfied": sum(1 for r in done if not r.callback[1]),
        "evaluations": sum(1 for e in evaluations if in_october(e[2])),  # 好差评 only
        "evaluations_dissatisfied": sum(1 for e in evaluations if in_october(e[2]) and not e[3]),
        # Home visits: one per "not satisfied" callback recorded in October and one per
        # "not satisfied" evaluation imported (on 31 October, whatever its evaluation date).
        "follow_ups_opened": sum(1 for r in records if r.callback and not r.callback[1]
                                 and in_october(r.callback[0]))
        + sum(1 for e in evaluations if not e[3]) + sum(1 for e in surveys if not e[3]),
    }
    return {"flows": flows, "durations": durations, "steps": steps, "steps_late": steps_late,
            "overdue": overdue, "points": points, "by_department": by_department,
            "shares": shares, "awaiting": awaiting,
            "aftercare": aftercare}


def close(a: float, b: float, tolerance: float = 0.006) -> bool:
    return abs(a - b) <= tolerance


__all__ = ["close", "expected", "nearest_rank", "timedelta"]
