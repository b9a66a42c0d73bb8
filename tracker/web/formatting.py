"""Jinja filters: Beijing time, working hours, rates, limits."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import gettext as _
from flask_babel import ngettext

LOCAL = ZoneInfo("Asia/Shanghai")


def beijing(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant shown in Beijing time ('—' for none); a date as YYYY-MM-DD."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is None:  # never stored so; shown as-is rather than guessed
            return value.strftime(fmt)
        return value.astimezone(LOCAL).strftime(fmt)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def number(value: float | None, digits: int = 1) -> str:
    """A short decimal: 1.0 → '1', 2.25 → '2.3' ('—' for none)."""
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_PATTERNS: dict[tuple[str, str], str] = {}


def pattern(msgid: str) -> str:
    """A translated pattern, looked up once per language (lists format hundreds of cells)."""
    from ..i18n import current_language

    key = (current_language(), msgid)
    found = _PATTERNS.get(key)
    if found is None:
        found = _PATTERNS[key] = _(msgid)
    return found


def working_hours(value: float | None) -> str:
    """Working hours, e.g. '3.5 working h'."""
    if value is None:
        return "—"
    return pattern("%(hours)s working h") % {"hours": number(value, 1)}


def seconds_as_hours(seconds: float | None) -> str:
    return working_hours(None if seconds is None else seconds / 3600)


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{number(value * 100, 1)}%"


def limit_text(limit: dict[str, Any] | None) -> str:
    """A time limit in words: '1 working day', 'by close of the same working day', …"""
    if not limit:
        return "—"
    kind = limit.get("kind")
    value = float(limit.get("amount") or 0)
    amount = number(value, 2)
    # gettext's plural rules take whole numbers; a fraction reads as plural ("0.5 days").
    count = int(value) if value.is_integer() else 2
    if kind == "working_days":
        text = ngettext("%(n)s working day", "%(n)s working days", count, n=amount)
        if limit.get("counting") == "day_count":
            text += " " + _("(counted by days)")
        return text
    if kind == "working_hours":
        return ngettext("%(n)s working hour", "%(n)s working hours", count, n=amount)
    if kind == "same_working_day":
        return _("by close of the same working day")
    if kind == "next_working_day":
        return _("by close of the next working day")
    if kind == "calendar_days":
        return ngettext("%(n)s calendar day", "%(n)s calendar days", count, n=amount)
    if kind == "calendar_hours":
        return ngettext("%(n)s hour, round the clock", "%(n)s hours, round the clock", count,
                        n=amount)
    if kind == "end_of_month":
        return _("by the last working day of the month")
    return str(kind)


def rule_text(rule: Any, flow: Any) -> str:
    """A limit that may depend on an attribute: 'No external works 1 working days; …'."""
    from ..i18n import current_language
    from ..steps.definitions import limit_to_dict

    if rule.attribute is None:
        return limit_text(limit_to_dict(rule.default))
    lang = current_language()
    try:
        choices = {v: (en if lang == "en" else zh) for v, zh, en in flow.attribute(rule.attribute).choices}
    except ValueError:
        choices = {}
    return "; ".join(f"{choices.get(value, value)} {limit_text(limit_to_dict(limit))}"
                     for value, limit in rule.cases.items())


def limit_days(flow: Any) -> str:
    """A flow's whole limit as working days: '1', or '1 / 3 / 5' when it depends on an
    attribute; in words when it is not a number of working days."""
    rule = flow.whole_limit
    limits = [rule.default] if rule.attribute is None else list(rule.cases.values())
    if all(limit is not None and limit.kind.value == "working_days" for limit in limits):
        return " / ".join(number(limit.amount, 2) for limit in limits)
    return rule_text(rule, flow)


def iso_beijing(text: str | None) -> str:
    """An ISO instant kept in an event's data, in Beijing time."""
    if not text:
        return "—"
    try:
        return beijing(datetime.fromisoformat(str(text)))
    except ValueError:
        return str(text)


def department_name(code: str) -> str:
    from ..i18n import current_language
    from ..services.presenters import department_name as name

    return name(code, current_language())


def register_filters(app: Flask) -> None:
    app.jinja_env.globals.update(rule_text=rule_text, limit_days=limit_days)
    app.jinja_env.filters.update(beijing=beijing, number=number, working_hours=working_hours,
                                 seconds_as_hours=seconds_as_hours, percent=percent,
                                 limit_text=limit_text, iso_beijing=iso_beijing,
                                 department_name=department_name)
