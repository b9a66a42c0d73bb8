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
from .formatting import beijing, department_name, number, pattern, working_hours

DEFAULT_FORMAT = "%Y-%m-%d %H:%M"
LIVE = ("on_track", "warning", "paused")


def _get(obj: Any, name: str) -> Any:
    """`obj.name` as Jinja reads it: an attribute, else an item (a presenter's dict)."""
    if type(obj) is dict:  # no dict attribute has the names asked here; a failed look-up
        return obj.get(name)  # raised AttributeError first (a microsecond each)
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


class Remaining:
    """`remaining(sla)` for the rows of one page (one language): its sentences looked up once
    (HoursWords, when first needed), not once per cell."""

    def __init__(self) -> None:
        self._words: HoursWords | None = None

    def __call__(self, sla: Any) -> Markup:
        if self._words is None:
            self._words = HoursWords.now()
        return remaining_of(_get(sla, "state"), _get(sla, "remaining_hours"),
                            _get(sla, "over_hours"), self._words)


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


# My work's assign forms, as the template drew them (the values put in are escaped already).
_TAKE = ("""
          <form method="post" action="{url}" class="inline-form assign-form">
            {fields}<input type="hidden" name="assignee" value="{me}">
            <button type="submit" class="btn btn-small btn-primary take">{take}</button>
          </form>
          """)
_BACK = ("""
          <form method="post" action="{url}" class="inline-form assign-form">
            {fields}<input type="hidden" name="assignee" value="">
            <button type="submit" class="btn btn-small btn-ghost">{back}</button>
          </form>
          """)
_GIVE = ("""
          <form method="post" action="{url}" class="inline-form assign-form give">
            {fields}
            <label class="visually-hidden" for="give-{duty}">{give_to}</label>
            <select name="assignee" id="give-{duty}" class="input input-small">
              <option value="">{dept}</option>
              {people}
            </select>
            <button type="submit" class="btn btn-small">{give}</button>
          </form>
          """)


class WorkRows:
    """My work's table rows (templates/work/index.html), each drawn in Python with the markup
    the template's loop body drew, byte for byte (its whitespace too): a row made about 25
    Jinja expressions, filters and macro calls, most of the page's time (issue 15). What is
    the same for every row of the page is given once (`words`: the translated fixed words,
    markup as `_()` gives them in a template; the assign forms' URL and hidden fields; who
    looks); what repeats across rows is drawn once per distinct value and kept for the page
    only (a state's badge, a kind's tag, a department's name, a department's people as
    options with one of them selected). `tests/web/test_work_rows.py` holds it to the
    template's loop body."""

    def __init__(self, *, assign_url: Any, fields: Any, words: dict[str, Any], writer: bool,
                 manager: bool, me: str, mine: str | None, department_column: bool,
                 people: dict[str, list[Any]]) -> None:
        self.assign_url, self.fields, self.words = assign_url, fields, words
        self.writer, self.manager, self.me, self.mine = writer, manager, me, mine
        self.department_column, self.people = department_column, people
        self._badges: dict[str, Markup] = {}
        self._tags: dict[str, str] = {}
        self._departments: dict[str, str] = {}
        self._options: dict[tuple[str, str], str] = {}
        self._hours_words: HoursWords | None = None

    def _hours(self, over: bool, seconds: float | None) -> Markup:
        # hours_of_seconds("%(hours)s over" / "%(hours)s left", seconds) with the sentences
        # looked up once per page (each lookup asks Flask-Babel for the language).
        w = self._hours_words
        if w is None:
            w = self._hours_words = HoursWords.now()
        hours = "—" if seconds is None else w.unit % {"hours": number(seconds / 3600, 1)}
        return Markup(w.over if over else w.left) % {"hours": hours}

    def __call__(self, r: Any) -> Markup:
        w = self.words
        s = r.state
        state = s.state if s else "not_started"
        badge = self._badges.get(state)
        if badge is None:
            badge = self._badges[state] = state_badge(state)
        kind = r.kind
        tag = self._tags.get(kind)
        if tag is None:
            tag = self._tags[kind] = escape(labels.label(labels.SUBJECTS, kind))
        number = r.number
        parts = ['\n    \n    <tr class="row-', escape(state), ' duty-', escape(kind), '"']
        if r.duty_id:
            parts += [' id="task-', escape(r.duty_id), '"']
        parts += ['>\n      <td>', badge, '</td>\n      <td><span class="tag">', tag,
                  '</span> <a href="', escape(r.url), '">', escape(number or r.title), '</a>']
        if number:
            parts += ['<br>', escape(r.title)]
        parts += ['</td>\n      <td>', escape(r.next_action)]
        if not s:
            parts += [' <span class="tag">', w["waiting"], '</span>']
        parts += ['</td>\n      <td>', escape(r.customer)]
        if r.address:
            parts += ['<br><span class="muted">', escape(r.address), '</span>']
        if r.phone:
            parts += ['<br><a class="tel" href="tel:', escape(r.tel), '">', escape(r.phone),
                      '</a>']
        parts.append('</td>\n      ')
        if self.department_column:
            parts += ['<td class="hide-narrow">', self._department(r.department), '</td>']
        parts += ['\n      <td class="nowrap">', dt_text(s.due_at if s else None),
                  '</td>\n      <td class="nowrap hide-narrow">']
        if s and s.state == "overdue":
            parts += ['<span class="over">', self._hours(True, s.over_seconds), '</span>']
        elif s and s.remaining_seconds is not None:
            parts.append(self._hours(False, s.remaining_seconds))
        else:
            parts.append("—")
        parts += ['</td>\n      <td class="people">\n        <span class="owner">', w["owner"],
                  ': ', escape(r.owner or "—"), '</span><br>\n        <span class="assignee">',
                  w["assignee"], ': ', escape(r.assignee or w["nobody"]), '</span>\n        ']
        if r.duty_id and self.writer:
            parts.append(self._forms(r))
        parts.append('\n      </td>\n    </tr>\n  ')
        return Markup("".join(parts))

    def draw(self, rows: list[Any]) -> Markup:
        """Every row of the page, one after the other (the template's loop)."""
        return Markup("".join([self(r) for r in rows]))

    def _department(self, code: str) -> str:
        found = self._departments.get(code)
        if found is None:
            found = self._departments[code] = escape(department_name(code))
        return found

    def _forms(self, r: Any) -> str:
        w = self.words
        url, fields = escape(self.assign_url(r.duty_id)), self.fields(r.version)
        parts = ["\n          "]
        if not r.assignee and r.department == self.mine:
            parts.append(_TAKE.format(url=url, fields=fields, me=escape(self.me), take=w["take"]))
        elif r.assignee_username == self.me and not self.manager:
            parts.append(_BACK.format(url=url, fields=fields, back=w["back"]))
        parts.append("\n          ")
        if self.manager:
            parts.append(_GIVE.format(url=url, fields=fields, duty=escape(r.duty_id),
                                      give_to=w["give_to"], dept=w["dept"], give=w["give"],
                                      people=self._people(r.department, r.assignee_username)))
        parts.append("\n        ")
        return "".join(parts)

    def _people(self, department: str, selected: str) -> str:
        # The same options for every row of a department but the one selected.
        key = (department, selected)
        found = self._options.get(key)
        if found is None:
            found = self._options[key] = "".join(
                f'\n              <option value="{escape(p.username)}"'
                f'{" selected" if p.username == selected else ""}>{escape(p.label)}</option>'
                "\n              " for p in self.people.get(department, []))
        return found
