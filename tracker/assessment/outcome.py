"""The review applied to a draft: plain data in, plain data out (no database, no Flask).

The draft is the report's `points` (one item per charge, each with a stable `key`); the
review is the assessor's decisions by key, the items the assessor added and the appeals. The
outcome keeps every draft item (a waived or removed one shows with 0 points and its reason:
nothing vanishes), adds the manual items, and sums points per department and in total; rules
counted as a share of the monthly bonus (督查办, 五（七）) are summed apart, never with points.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .models import CONFIRMED, COUNTED, NOT_COUNTED, REMOVED

POINTS_UNIT = "points"
MANUAL_PREFIX = "manual:"


@dataclass(frozen=True)
class Decision:
    key: str
    points: float | None
    status: str
    reason: str
    by: str | None = None
    at: str | None = None
    appeal_id: int | None = None


@dataclass(frozen=True)
class Manual:
    id: int
    rule: str
    department: str
    department_zh: str
    department_en: str
    points: float
    reason: str
    evidence: str
    status: str = COUNTED
    by: str | None = None
    at: str | None = None


def manual_key(item_id: int) -> str:
    return f"{MANUAL_PREFIX}{item_id}"


def unit_of(rules: dict[str, Any], rule: str) -> str:
    return (rules.get(rule) or {}).get("unit", POINTS_UNIT)


def rule_range(rules: dict[str, Any], rule: str) -> tuple[float, float]:
    low, high = (rules.get(rule) or {}).get("range", [0, 0])
    return float(low), float(high)


def _manual_item(row: Manual, rules: dict[str, Any]) -> dict[str, Any]:
    low, high = rule_range(rules, row.rule)
    counted = row.status not in NOT_COUNTED
    return {"key": manual_key(row.id), "rule": row.rule, "department": row.department,
            "department_zh": row.department_zh, "department_en": row.department_en,
            "subject": {"kind": "manual", "number": None, "step": None, "id": row.id},
            "points": row.points if counted else 0.0, "proposed_points": row.points,
            "range": [low, high], "share": 1.0, "backdated": False,
            "referred": bool((rules.get(row.rule) or {}).get("referred", False)),
            "why_zh": row.reason, "why_en": row.reason, "evidence": row.evidence,
            "manual": True, "status": row.status, "reason": row.reason,
            "decided_by": row.by, "decided_at": row.at}


def apply_review(points: dict[str, Any], decisions: Iterable[Decision],
                 manual: Iterable[Manual]) -> dict[str, Any]:
    """The draft's `points` with the review applied (a new dict; the draft is not changed)."""
    rules = points.get("rules") or {}
    by_key = {d.key: d for d in decisions}
    items: list[dict[str, Any]] = []
    pending: list[str] = []
    for draft in points.get("items", []):
        decision = by_key.pop(draft["key"], None)
        status = decision.status if decision else COUNTED
        chosen = decision.points if decision and decision.points is not None else draft["points"]
        if draft.get("backdated") and decision is None:
            status = "pending"  # a back-dated lateness the assessor has not confirmed/waived
            pending.append(draft["key"])
        items.append({**draft, "proposed_points": draft["points"],
                      "points": 0.0 if status in NOT_COUNTED else float(chosen),
                      "manual": False, "status": status,
                      "reason": decision.reason if decision else "",
                      "decided_by": decision.by if decision else None,
                      "decided_at": decision.at if decision else None})
    for row in manual:  # a manual item carries its own state (points, status)
        by_key.pop(manual_key(row.id), None)
        items.append(_manual_item(row, rules))
    totals = sums(items, rules)
    # Decisions on items the recomputed draft no longer holds: listed, never dropped.
    orphans = [{"key": d.key, "status": d.status, "points": d.points, "reason": d.reason}
               for d in by_key.values()]
    return {**points, "items": items, **totals, "pending_backdated": pending,
            "orphan_decisions": orphans, "reviewed": True}


def sums(items: Iterable[dict[str, Any]], rules: dict[str, Any]) -> dict[str, Any]:
    """Points × share per department and in total (point rules only), and the share of the
    monthly bonus deducted per department (督查办's rule, in percent)."""
    points: dict[str, float] = defaultdict(float)
    percent: dict[str, float] = defaultdict(float)
    names: dict[str, tuple[str, str]] = {}
    for item in items:
        if item.get("status") in NOT_COUNTED:
            continue
        value = float(item["points"]) * float(item.get("share", 1.0))
        names[item["department"]] = (item.get("department_zh", item["department"]),
                                     item.get("department_en", item["department"]))
        if unit_of(rules, item["rule"]) == POINTS_UNIT:
            points[item["department"]] += value
        else:
            percent[item["department"]] += value

    def rows(values: dict[str, float], field: str) -> list[dict[str, Any]]:
        return [{"department": dept, "department_name_zh": names[dept][0],
                 "department_name_en": names[dept][1], field: round(value, 2)}
                for dept, value in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))]

    return {"by_department": rows(points, "points"),
            "total": round(sum(points.values()), 2),
            "bonus_deduction": rows(percent, "percent")}


__all__ = ["CONFIRMED", "COUNTED", "REMOVED", "Decision", "Manual", "apply_review",
           "manual_key", "rule_range", "sums", "unit_of"]
