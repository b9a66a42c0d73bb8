"""Table cells built in Python: the markup of macros.html's `state_badge`, `status_badge`, `dt`
and `remaining`, byte for byte, without a Jinja macro call per cell (a list of 50 rows made
hundreds of them: most of a list page's time; issue 15). The macros call these, so a page
that keeps `m.dt(...)` shows the same; templates of long lists call `cells.dt(...)`.

`RowUrl` builds one endpoint's URL for every row of a page from a single `url_for`."""
from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import quote

from flask import url_for
from markupsafe import Markup, escape

from ..localtime import LOCAL
from . import labels
from .formatting import beijing, number, pattern, working_hours

DEFAULT_FORMAT = "%Y-%m-%d %H:%M"
LIVE = ("on_track", "warning", "paused")


def _get(obj: Any, name: str) -> Any:
    """`obj.name` as Jinja reads it: an attribute, else an item (a presenter's dict)."""
    try:
        return getattr(obj, name)
    except AttributeError:
        try:
            return obj[name]
        except (KeyError, TypeError):
            return None


def state_badge(state: Any, title: Any = "") -> Markup:
    """A time-limit state as a badge with its sign and word (macros.html `state_badge`)."""
    title_attr = f' title="{escape(title)}"' if title else ""
    return Markup(f'<span class="badge state-{escape(state)}"{title_attr}><span class="sign" '
                  f'aria-hidden="true">{escape(labels.STATE_SIGNS.get(state, "•"))}</span>'
                  f'{escape(labels.label(labels.STATES, state))}</span>')


def status_badge(status: Any) -> Markup:
    """An application's status (macros.html `status_badge`)."""
    return Markup(f'<span class="badge status-{escape(status)}">'
                  f'{escape(labels.label(labels.APP_STATUSES, status))}</span>')


def dt(value: Any, fmt: str = DEFAULT_FORMAT) -> Markup:
    """An instant in Beijing time in a <time> element; "—" for none (macros.html `dt`)."""
    if not value:
        return Markup("—")
    iso = value.isoformat() if hasattr(value, "isoformat") else value
    return Markup(f'<time datetime="{escape(iso)}">{escape(beijing(value, fmt))}</time>')


def text(value: str) -> str:
    """markupsafe.escape of a str, as a str: the same five replacements in the same order,
    without the Markup object escape() makes (a list's rows escape a dozen values each)."""
    return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def dt_text(value: datetime | None) -> str:
    """`dt(value)` of a datetime or None, as a str. Its two texts are not escaped: an ISO
    form and DEFAULT_FORMAT's are digits and "-:+.T " only, which escape() leaves as they are."""
    if not value:
        return "—"
    shown = value if value.tzinfo is None else value.astimezone(LOCAL)  # as beijing() does
    return (f'<time datetime="{value.isoformat()}">'
            f'{shown.strftime(DEFAULT_FORMAT)}</time>')


def _hours(msgid: str, hours: Any) -> Markup:
    # As Jinja's newstyle gettext does: the translation as markup, the value escaped into it.
    return Markup(pattern(msgid)) % {"hours": working_hours(hours)}


def remaining(sla: Any) -> Markup:
    """Working time left or over of a presenter's `sla` dict (macros.html `remaining`)."""
    return remaining_of(_get(sla, "state"), _get(sla, "remaining_hours"),
                        _get(sla, "over_hours"))


class HoursWords(NamedTuple):
    """The translated sentences of `remaining`, looked up once for a page's many rows (each
    lookup asks Flask-Babel for the request's language)."""

    over: str
    late: str
    left: str
    unit: str  # "%(hours)s working h"

    @classmethod
    def now(cls) -> HoursWords:
        return cls(pattern("%(hours)s over"), pattern("%(hours)s late"),
                   pattern("%(hours)s left"), pattern("%(hours)s working h"))

    def say(self, sentence: str, hours: float | None) -> str:
        # _hours with the words at hand: formatting.working_hours escaped into the sentence
        # as markup's % escapes a %(hours)s value (the catalogs' sentences have only that).
        return sentence % {"hours": text("—" if hours is None
                                         else self.unit % {"hours": number(hours, 1)})}


def remaining_of(state: str, left: float | None, over: float | None,
                 words: HoursWords | None = None) -> Markup:
    """`remaining` of a deadline's state, hours left and hours over (a list's rows pass the
    page's `words`)."""
    if state == "overdue":
        w = words or HoursWords.now()
        return Markup(f'<span class="over">{w.say(w.over, over)}</span>')
    if state == "done_late" and over:
        w = words or HoursWords.now()
        return Markup(f'<span class="over">{w.say(w.late, over)}</span>')
    if left is not None and state in LIVE:
        w = words or HoursWords.now()
        return Markup(w.say(w.left, left))
    return Markup("—")


# A value no URL of ours holds, put where a row's value goes and then replaced.
_MARK = "9182736450918273645"


class RowUrl:
    """One endpoint's URL for each row of a page: url_for once, with a mark where the row's
    value goes, then the value put in its place, quoted as werkzeug quotes a path part
    (`RowUrl("application_pages.detail", "number")("201-2026-000001")`). For a path value
    only: an int (`<int:…>`) or a string of the default converter."""

    def __init__(self, endpoint: str, name: str, **values: Any) -> None:
        url = url_for(endpoint, **{name: int(_MARK)}, **values)
        self.head, found, self.tail = url.partition(_MARK)
        if not found or _MARK in self.tail:
            raise ValueError(f"{endpoint}: {name} is not one place in the URL")

    def __call__(self, value: Any) -> str:
        text = str(value)
        if text.isascii() and text.replace("-", "").isalnum():
            # Letters, digits and dashes (an application's number): quote() keeps them as
            # they are, and cost a list's row more than the rest of its URL.
            return f"{self.head}{text}{self.tail}"
        return f"{self.head}{quote(text, safe=PATH_SAFE)}{self.tail}"


# werkzeug's default converter's safe characters (routing.converters.BaseConverter.to_url).
PATH_SAFE = "!$&'()*+,/:;=@"


def hours_of_seconds(msgid: str, seconds: float | None) -> Markup:
    """A working-hours sentence ("%(hours)s over") of a number of seconds, as
    `_(msgid, hours=seconds | seconds_as_hours)` renders it in a template."""
    return _hours(msgid, None if seconds is None else seconds / 3600)


class HiddenFields:
    """A row form's hidden fields, one a line: all the same for every row of a page but one
    (given as None), so the markup is built once and each row's value, escaped, put in its
    place; e.g. My work's assign forms:
    `HiddenFields([("csrf_token", token), ("version", None), ("tab", tab)])(row.version)`."""

    def __init__(self, fields: list[tuple[str, Any]]) -> None:
        lines = [f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
                 for name, value in fields]
        at = [value for _, value in fields].index(None)
        self.head = "".join(line + "\n" for line in lines[:at]) + \
            f'<input type="hidden" name="{escape(fields[at][0])}" value="'
        self.tail = '">' + "".join("\n" + line for line in lines[at + 1:])

    def __call__(self, value: Any) -> Markup:
        return Markup(f"{self.head}{escape(value)}{self.tail}")
