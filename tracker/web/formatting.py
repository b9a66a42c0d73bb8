"""Jinja filters: local (Beijing) time, working hours, rates, limits."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import get_translations, ngettext
from flask_babel import gettext as _

from ..i18n import current_language, pick
from ..localtime import LOCAL
from ..services.sla_fields import department_name as name
from ..sla import Counting, Limit, LimitKind


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


def _amount(limit: Limit) -> tuple[str, int]:
    """The amount as shown, and the count gettext's plural rules take (whole numbers only: a
    fraction reads as plural, "0.5 days")."""
    value = float(limit.amount)
    return number(value, 2), int(value) if value.is_integer() else 2


def _working_days(limit: Limit) -> str:
    amount, count = _amount(limit)
    text = ngettext("%(n)s working day", "%(n)s working days", count, n=amount)
    if limit.counting is Counting.DAY_COUNT:
        text += " " + _("(counted by days)")
    elif limit.counting is Counting.HALF_DAYS:
        text += " " + _("(half-day periods)")
    return text


# The words of every kind of limit, keyed by the kind: a kind added to LimitKind without its
# words here fails tests/web/test_frame_and_translations.py.
LIMIT_WORDS: dict[LimitKind, Callable[[Limit], str]] = {
    LimitKind.WORKING_DAYS: _working_days,
    LimitKind.WORKING_HOURS: lambda limit: ngettext(
        "%(n)s working hour", "%(n)s working hours", _amount(limit)[1], n=_amount(limit)[0]),
    LimitKind.SAME_WORKING_DAY: lambda limit: _("by close of the same working day"),
    LimitKind.NEXT_WORKING_DAY: lambda limit: _("by close of the next working day"),
    LimitKind.CALENDAR_DAYS: lambda limit: ngettext(
        "%(n)s calendar day", "%(n)s calendar days", _amount(limit)[1], n=_amount(limit)[0]),
    LimitKind.CALENDAR_HOURS: lambda limit: ngettext(
        "%(n)s hour, round the clock", "%(n)s hours, round the clock", _amount(limit)[1],
        n=_amount(limit)[0]),
    LimitKind.END_OF_MONTH: lambda limit: _("by the last working day of the month"),
    LimitKind.AT_START: lambda limit: _("at the instant its clock starts (e.g. the customer's requested time)"),
}


def limit_text(limit: Limit | dict[str, Any] | None) -> str:
    """A time limit in words: '1 working day', 'by close of the same working day', …
    (a Limit, or its stored dict form as timers and presenters carry it)."""
    if not limit:
        return "—"
    if not isinstance(limit, Limit):
        try:
            limit = Limit.from_dict(limit)
        except (KeyError, ValueError):
            return str(limit.get("kind"))
    return LIMIT_WORDS[limit.kind](limit)


def rule_text(rule: Any, flow: Any) -> str:
    """A limit that may depend on an attribute: 'No external works 1 working days; …'."""

    if rule.attribute is None:
        return limit_text(rule.default)
    lang = current_language()
    try:
        choices = {v: pick(zh, en, lang) for v, zh, en in flow.attribute(rule.attribute).choices}
    except ValueError:
        choices = {}
    return "; ".join(f"{choices.get(value, value)} {limit_text(limit)}"
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
    return name(code, current_language())


def pretty_json(value: Any) -> str:
    """A JSON document as a person reads it: indented, Chinese as typed (not \\u escapes);
    plain text, so the template escapes it."""
    return json.dumps(value, ensure_ascii=False, indent=2)


def register_filters(app: Flask) -> None:
    # The templates' _() as Flask-Babel installs it (the catalog's translation, formatted by
    # Jinja's newstyle gettext), each msgid looked up once per language.
    app.jinja_env.install_gettext_callables(
        gettext=pattern, ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True, pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n))
    app.jinja_env.globals.update(rule_text=rule_text, limit_days=limit_days)
    app.jinja_env.filters.update(beijing=beijing, number=number, working_hours=working_hours,
                                 seconds_as_hours=seconds_as_hours, percent=percent,
                                 limit_text=limit_text, iso_beijing=iso_beijing,
                                 department_name=department_name, pretty_json=pretty_json)
