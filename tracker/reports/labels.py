"""Headers and names every rendering of the report shares (English msgids, Chinese in reports.po)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from .rules import RULES

Column = tuple[str, str, Callable[[dict[str, Any], str], Any]]


def name(item: dict[str, Any], field: str, lang: str) -> str:
    """item['<field>_zh'] or item['<field>_en'] by language."""
    return item.get(f"{field}_{'en' if lang == 'en' else 'zh'}") or ""


def rule_name(rule: str, lang: str = "zh") -> str:
    """A rule's name in `lang` (the rule table of reports.rules)."""
    found = RULES.get(rule)
    if found is None:
        return rule
    return found.name_en if lang == "en" else found.name_zh


def state_names() -> dict[str, str]:
    """The overdue states by code (translate once per table, not once per row)."""
    return {"done": _("Completed late"), "running": _("Open, overdue"),
            "cancelled": _("Cancelled after the deadline"),
            "recorded_late": _("Recorded overdue, then back-dated on time (补录)")}


def limit_range(item: dict[str, Any]) -> str:
    """The range of working-day limits a flow's completions were held to: '3' or '1–5'."""
    low, high = item.get("limit_working_days_min"), item.get("limit_working_days_max")
    if low is None:
        return ""
    return f"{low:g}" if low == high else f"{low:g}–{high:g}"


def title(month: str) -> str:
    return _("Water connection: timeliness and assessment report, %(month)s") % {"month": month}


def flow_columns() -> list[tuple[str, str]]:
    """(key, header) of the per-flow table."""
    return [
        ("flow", _("Flow")), ("flow_name", _("Flow name")), ("accepted", _("Number accepted")),
        ("accepted_cancelled", _("Of which cancelled")), ("completed", _("Number completed")),
        ("completed_on_time", _("Completed on time")), ("completed_late", _("Completed late")),
        ("on_time_rate", _("On-time rate")), ("avg_working_days", _("Average (working days)")),
        ("p90_working_days", _("90th percentile (working days)")),
        ("limit", _("Limit (working days)")),
    ]


def step_columns() -> list[tuple[str, str]]:
    return [
        ("flow", _("Flow")), ("step_name", _("Step")), ("department_name", _("Responsible department")),
        ("completed", _("Number completed")), ("on_time", _("Completed on time")), ("late", _("Completed late")),
        ("on_time_rate", _("On-time rate")),
    ]


def overdue_columns() -> list[tuple[str, str]]:
    return [
        ("index", _("No.")), ("number", _("Application number")), ("customer", _("Customer")),
        ("flow", _("Flow")), ("step_name", _("Step")), ("department_name", _("Responsible department")),
        ("due_at", _("Deadline (Beijing time)")), ("completed_at", _("Finished at")), ("state", _("Overdue state")),
        ("over_hours", _("Over (working hours)")), ("over_days", _("Over (working days)")),
        ("pause_reasons", _("Pause reasons")), ("why", _("Why this deadline")),
    ]


def points_columns() -> list[tuple[str, str]]:
    """(key, header) of the draft assessment's items, one row per charge."""
    return [
        ("department_name", _("Responsible department")), ("rule_name", _("Assessment rule")),
        ("subject", _("Charged for")), ("points_each", _("Points each")),
        ("range", _("Range")), ("share", _("Share")), ("points", _("Deduction")),
        ("flags", _("For the assessor")), ("why", _("Why charged")),
    ]


def points_cells(item: dict[str, Any], lang: str) -> dict[str, Any]:
    """One charge as display values. Reports issued before charges were itemised hold one
    row per department and rule with a count: shown as that many of the points each."""
    rule = rule_name(item["rule"], lang)
    if "key" not in item:  # an issued (frozen) report of the older shape
        return {"department_name": name(item, "department_name", lang), "rule_name": rule,
                "subject": f"× {item['count']}", "points_each": item["points_each"],
                "range": "", "share": "", "points": item["points"], "flags": "", "why": ""}
    subject = item["subject"]
    # The step (or problem stage) by the name its flow gives it; its code for items frozen
    # before the names were kept with them.
    parts = [subject.get("number") or "",
             name(subject, "step_name", lang) or subject.get("step") or ""]
    if subject.get("id") is not None and subject["kind"] != "step":
        parts.append(f"#{subject['id']}")
    flags = []
    if item.get("backdated"):
        flags.append(_("Back-dated (补录): confirm or waive"))
    if item.get("referred"):
        flags.append(_("Referred to the inspection office"))
    low, high = item["range"]
    return {"department_name": name(item, "department", lang), "rule_name": rule,
            "subject": " ".join(p for p in parts if p), "points_each": item["points"],
            "range": f"{low:g}" if low == high else f"{low:g}–{high:g}",
            "share": round(item["share"], 4),
            "points": round(item["points"] * item["share"], 2),
            "flags": "; ".join(flags), "why": name(item, "why", lang)}


def discretionary_rules(points: dict[str, Any], lang: str) -> list[str]:
    """The rules the system does not measure (the assessor adds their items), with ranges;
    for an issued report of the older shape, what it listed as not measured."""
    rules = points.get("rules") or {}
    if rules and all(isinstance(v, dict) for v in rules.values()):
        return [f"{rule_name(code, lang)} ({_range_text(entry)})"
                for code, entry in rules.items() if not entry.get("measured")]
    return [rule_name(code, lang) for code in points.get("not_measured", [])]


def _range_text(entry: dict[str, Any]) -> str:
    low, high = entry["range"]
    text = f"{low:g}" if low == high else f"{low:g}–{high:g}"
    return text + ("%" if entry.get("unit") == "percent_of_bonus" else "")


def department_points_columns() -> list[tuple[str, str]]:
    return [("department_name", _("Responsible department")), ("points", _("Points deducted"))]


def aftercare_rows(aftercare: dict[str, Any]) -> list[tuple[str, Any, bool]]:
    """(label, value, is_rate) lines of the callback and evaluation summary."""
    return [
        (_("Callbacks due"), aftercare["callbacks_due"], False),
        (_("Callbacks done"), aftercare["callbacks_done"], False),
        (_("Callback rate"), aftercare["callback_rate"], True),
        (_("Callbacks done in time"), aftercare["callbacks_done_on_time"], False),
        (_("Callbacks satisfied"), aftercare["callbacks_satisfied"], False),
        (_("Callbacks not satisfied"), aftercare["callbacks_dissatisfied"], False),
        (_("Satisfaction rate"), aftercare["satisfaction_rate"], True),
        (_("Evaluations (good/bad reviews)"), aftercare["evaluations"], False),
        (_("Bad reviews"), aftercare["evaluations_dissatisfied"], False),
        (_("Home visits opened"), aftercare["follow_ups_opened"], False),
        (_("Home visits closed"), aftercare["follow_ups_closed"], False),
    ]


def overdue_cells(item: dict[str, Any], index: int, lang: str,
                  states: dict[str, str]) -> dict[str, Any]:
    """One overdue-list row as display values (times as 'YYYY-MM-DD HH:MM', Beijing time);
    `states` is state_names()."""
    finished = item.get("completed_at") or item.get("cancelled_at")
    return {
        "index": index, "number": item["number"], "customer": item["customer"],
        "flow": item["flow"], "step_name": name(item, "step_name", lang),
        "department_name": name(item, "department_name", lang),
        "due_at": short_time(item["due_at"]), "completed_at": short_time(finished),
        "state": _state(item, states), "over_hours": item["over_hours"],
        "over_days": item["over_days"],
        "pause_reasons": "、".join(name(r, "name", lang) for r in item["pause_reasons"])
        if lang != "en" else ", ".join(name(r, "name", lang) for r in item["pause_reasons"]),
        # reports issued before issue 12 hold no explanation
        "why": item.get("why_en" if lang == "en" else "why_zh") or "",
    }


def _state(item: dict[str, Any], states: dict[str, str]) -> str:
    if item.get("recorded_late"):
        return states["recorded_late"]
    text = states.get(item["state"], item["state"])
    return f"{text} · {_('Back-dated')}" if item.get("backdated") else text


def short_time(iso: str | None) -> str:
    return "" if not iso else iso[:16].replace("T", " ")
