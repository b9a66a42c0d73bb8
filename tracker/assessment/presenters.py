"""The assessment as plain data for the API and the pages (reads only)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..i18n import pick
from ..localtime import LOCAL
from ..models import User
from ..services.app_clock import now
from ..services.months import Month
from .models import OPEN, Appeal, AssessmentReview
from .queries import (
    appeal_deadline,
    department_names,
    draft_points,
    get_review,
    issued_points,
    outcome_of,
    review_rows,
)


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(LOCAL).isoformat()


def _labels(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    return {u.id: u.label for u in db.session.scalars(select(User).where(User.id.in_(ids)))} \
        if ids else {}


def present_appeal(appeal: Appeal, month: str, names: dict[int, str]) -> dict[str, Any]:
    zh, en = department_names(appeal.department_code)
    return {"id": appeal.id, "month": month, "key": appeal.item_key,
            "report_version": appeal.report_version, "department": appeal.department_code,
            "department_zh": zh, "department_en": en, "reason": appeal.reason,
            "filed_by": names.get(appeal.filed_by_id), "filed_at": _iso(appeal.filed_at),
            "deadline": _iso(appeal.deadline), "state": appeal.state,
            "outcome_points": appeal.outcome_points, "decision_reason": appeal.decision_reason,
            "decided_by": names.get(appeal.decided_by_id), "decided_at": _iso(appeal.decided_at)}


def _window(review: AssessmentReview | None) -> dict[str, Any]:
    if review is None or review.issued_at is None:
        return {"issued_version": None, "issued_at": None, "appeal_deadline": None,
                "appeals_open": False}
    deadline = appeal_deadline(review.issued_at)
    return {"issued_version": review.issued_version, "issued_at": _iso(review.issued_at),
            "appeal_deadline": _iso(deadline), "appeals_open": now() <= deadline}


def present_review(month: Month, lang: str) -> dict[str, Any]:
    """The month's working document: the live draft with the review applied, its totals per
    department, the appeals; `version` is what a change sends back (If-Match)."""
    review = get_review(month)
    points = outcome_of(draft_points(month), review)
    _decisions, _manual, appeals = review_rows(review)
    names = _labels({a.filed_by_id for a in appeals} | {a.decided_by_id for a in appeals})
    by_key: dict[str, list[dict[str, Any]]] = {}
    presented = [present_appeal(a, month.label, names) for a in appeals]
    for appeal in presented:
        by_key.setdefault(appeal["key"], []).append(appeal)
    items = [_item(item, lang, by_key.get(item["key"], [])) for item in points["items"]]
    return {"month": month.label, "version": review.version_id if review else 0,
            "changed_since_issue": bool(review and review.changed_since_issue),
            **_window(review), "items": items, "by_department": points["by_department"],
            "total": points["total"], "bonus_deduction": points["bonus_deduction"],
            "pending_backdated": points["pending_backdated"],
            "orphan_decisions": points["orphan_decisions"],
            "rules": [_rule(code, rule, lang) for code, rule in (points.get("rules") or {})
                      .items()],
            "appeals": presented}


def _rule(code: str, rule: dict[str, Any], lang: str) -> dict[str, Any]:
    return {"code": code, "name": pick(rule.get("name_zh", code), rule.get("name_en", code),
                                       lang),
            "range": [float(v) for v in rule.get("range", [0, 0])],
            "default": float(rule.get("default", 0)), "measured": bool(rule.get("measured")),
            "unit": rule.get("unit", "points")}


def _item(item: dict[str, Any], lang: str, appeals: list[dict[str, Any]]) -> dict[str, Any]:
    subject = item.get("subject") or {}
    return {"key": item["key"], "rule": item["rule"], "department": item["department"],
            "department_name": pick(item.get("department_zh", ""), item.get("department_en", ""),
                                    lang),
            "subject": {"kind": subject.get("kind"), "number": subject.get("number"),
                        "step": subject.get("step"), "id": subject.get("id"),
                        "step_name": pick(subject.get("step_name_zh", ""),
                                          subject.get("step_name_en", ""), lang)
                        or subject.get("step") or ""},
            "points": float(item["points"]),
            "proposed_points": float(item.get("proposed_points", item["points"])),
            "range": [float(v) for v in item.get("range", [0, 0])],
            "share": float(item.get("share", 1.0)), "backdated": bool(item.get("backdated")),
            "referred": bool(item.get("referred")), "manual": bool(item.get("manual")),
            "status": item.get("status", "counted"), "reason": item.get("reason", ""),
            "evidence": item.get("evidence", ""),
            "why": pick(item.get("why_zh", ""), item.get("why_en", ""), lang),
            "decided_by": item.get("decided_by"), "decided_at": item.get("decided_at"),
            "appeals": appeals,
            "open_appeal": next((a["id"] for a in appeals if a["state"] == OPEN), None)}


def present_issued_for(month: Month, department: str, lang: str) -> dict[str, Any]:
    """A department's items in the latest issued version, with its appeals and the window."""
    review = get_review(month)
    issued = issued_points(month)
    _decisions, _manual, appeals = review_rows(review)
    names = _labels({a.filed_by_id for a in appeals} | {a.decided_by_id for a in appeals})
    by_key: dict[str, list[dict[str, Any]]] = {}
    for appeal in appeals:
        if appeal.department_code == department:
            by_key.setdefault(appeal.item_key, []).append(present_appeal(appeal, month.label,
                                                                         names))
    version, points = issued if issued else (None, {})
    items = [_item(i, lang, by_key.get(i["key"], [])) for i in points.get("items", [])
             if i["department"] == department]
    total = next((row["points"] for row in points.get("by_department", [])
                  if row["department"] == department), 0.0)
    return {"month": month.label, "department": department, "report_version": version,
            "version": review.version_id if review else 0, **_window(review),
            "items": items, "total": total,
            "rules": [_rule(code, rule, lang) for code, rule in (points.get("rules") or {})
                      .items()]}
