"""Problems as plain data for the API and pages (times in the utility's time zone)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..extensions import db
from ..i18n import pick
from ..localtime import local
from ..models import User
from ..services.duties import present_proxy, proxies_of
from ..services.sla_fields import department_name, timer_fields
from ..sla import WorkingClock
from .models import SOURCES, STAGES, STATUSES, Problem
from .queries import findings_of, history, stage_timers


def name_of(table: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    """The Chinese or English name of a code of one of the tables in `models`."""
    names = table.get(code)
    return code if names is None else pick(*names, lang)


def present_problem(problem: Problem, now: datetime, clock: WorkingClock, lang: str, *,
                    detail: bool = False) -> dict[str, Any]:
    """A problem as plain data (times in Beijing time), with its current stage's SLA."""
    reporter = db.session.get(User, problem.reported_by_id) if problem.reported_by_id else None
    data: dict[str, Any] = {
        "number": problem.number, "source": problem.source,
        "source_name": name_of(SOURCES, problem.source, lang),
        "description": problem.description, "location": problem.location,
        "department": problem.department_code,
        "department_name": department_name(problem.department_code, lang),
        "status": problem.status, "status_name": name_of(STATUSES, problem.status, lang),
        "stage": problem.timer.stage if problem.timer is not None and problem.status in
        ("verifying", "rectifying", "rechecking") else None,
        "reported_at": local(problem.reported_at),
        "reported_by": reporter.label if reporter else None,
        "issued_at": local(problem.issued_at),
        "verification_note": problem.verification_note,
        "not_problem_reason": problem.not_problem_reason,
        "rectify_due_at": local(problem.rectify_due_at),
        "rectification_note": problem.rectification_note, "recheck_note": problem.recheck_note,
        "closed_at": local(problem.closed_at), "version": problem.version_id,
        "sla": timer_fields(problem.timer, now, clock, []),
    }
    if detail:
        acts = proxies_of("problem", [problem.id])
        data["stages"] = [{"stage": t.stage, "stage_name": name_of(STAGES, t.stage, lang),
                           "department": t.department_code,
                           "department_name": department_name(t.department_code, lang),
                           "sla": timer_fields(t, now, clock, []),
                           "completed_at": local(t.completed_at),
                           "on_behalf": _stage_proxy(t, acts.get((problem.id, t.stage), []),
                                                     lang)}
                          for t in stage_timers(problem)]
        data["history"] = [{"at": local(e.at), "action": e.action,
                            "actor": e.actor.label if e.actor else None, "data": e.data}
                           for e in history(problem)]
        data["findings"] = [present_finding(f, lang) for f in findings_of(problem)]
    return data


def _stage_proxy(timer: Any, acts: list, lang: str) -> dict[str, Any] | None:
    """The 代办 that finished this stage's timer (acts are stored at the instant it finished)."""
    for act in acts:
        if timer.completed_at is not None and act.at == timer.completed_at:
            found = present_proxy(act, lang)
            found["at"] = local(found["at"])
            return found
    return None


def present_finding(finding: Any, lang: str) -> dict[str, Any]:
    """A sanction finding as plain data."""
    recorder = db.session.get(User, finding.recorded_by_id) if finding.recorded_by_id else None
    return {"id": finding.id, "number": finding.problem.number, "year": finding.year,
            "department": finding.department_code,
            "department_name": department_name(finding.department_code, lang),
            "points": finding.points, "reason": finding.reason,
            "recorded_at": local(finding.recorded_at),
            "recorded_by": recorder.label if recorder else None}


def annual_rollup(year: int, findings: list, lang: str) -> dict[str, Any]:
    """Per department, the findings counted in `year`'s annual assessment and their points."""
    by_department: dict[str, dict[str, Any]] = {}
    for finding in findings:
        row = by_department.setdefault(finding.department_code, {
            "department": finding.department_code,
            "department_name": department_name(finding.department_code, lang),
            "findings": 0, "points": 0.0, "items": []})
        row["findings"] += 1
        row["points"] = round(row["points"] + finding.points, 2)
        row["items"].append(present_finding(finding, lang))
    rows = sorted(by_department.values(), key=lambda r: (-r["points"], r["department"]))
    return {"year": year, "departments": rows,
            "total_points": round(sum(r["points"] for r in rows), 2),
            "total_findings": sum(r["findings"] for r in rows)}
