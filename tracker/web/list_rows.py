"""The staff application list's table rows drawn in Python, byte for byte what the loop of
applications/list.html drew (tests/web/test_list_rows.py compares them): that loop was half
of the page's time (50 rows of 15 expressions, each through Jinja's attribute lookup, escape
and a macro or cell call; issue 15). Here the words are translated and the cells that take
few values (the state's badge, a status's word) are built once per page, and each row is one
f-string of its values escaped as str (cells.text: no Markup object per value)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from markupsafe import Markup

from ..services.presenters import ListedRow
from . import labels
from .cells import HoursWords, RowUrl, dt_text, remaining_of, state_badge, text
from .formatting import pattern


@lru_cache(maxsize=8_192)
def _kept_dt(value: datetime, offset: timedelta | None) -> str:
    return dt_text(value)


def _dt(value: datetime | None) -> str:
    """dt_text, kept per process by the instant and its offset (the two texts depend on
    nothing else): a page's dates are mostly the same from one request to the next (its
    rows', their deadlines'), and each cost an isoformat, an astimezone and a strftime."""
    if not value:
        return dt_text(value)
    return _kept_dt(value, value.utcoffset())


def _word(msgid: str) -> str:
    # A template's {{ _(msgid) }}: Jinja's newstyle gettext takes the translation as markup
    # (not escaped) and formats it with no values.
    return str(Markup(pattern(msgid)) % {})


def application_rows(rows: Iterable[ListedRow]) -> Markup:
    """The rows (`<tr>`s, each with the whitespace the template's loop put around it) of one
    page of the list, for the page's language and request (the detail URL's root)."""
    url = RowUrl("application_pages.detail", "number")
    backdated = (f' <span class="tag backdated" title="{_word("Entered after the fact")}">'
                 f'{_word("Back-dated")}</span>')
    missing = (f' <span class="tag tag-warn" title="{_word("Accepted with missing materials")}">'
               f'{_word("Missing docs")}</span>')
    words = HoursWords.now()
    # Per page: a state's badge and class, a status's word (a few values each).
    badges: dict[str, tuple[str, str]] = {}
    statuses: dict[str, str] = {}
    parts = []
    for r in rows:
        state = r.state
        drawn = badges.get(state)
        if drawn is None:
            drawn = badges[state] = (text(state), str(state_badge(state)))
        joined = "、".join(r.current_step_names)  # the template's `names | join("、") or …`
        if joined:
            steps = text(joined)
        else:
            steps = statuses.get(r.status)
            if steps is None:
                steps = statuses[r.status] = text(labels.label(labels.APP_STATUSES, r.status))
        number = r.number
        parts.append(
            f'\n    <tr class="row-{drawn[0]}">'
            f'\n      <td class="nowrap"><a href="{text(url(number))}">{text(number)}</a>'
            f'{backdated if r.backdated else ""}</td>'
            f'\n      <td class="hide-narrow">{text(r.flow)}</td>'
            f'\n      <td class="min-text">{text(r.customer_name)}'
            f'{missing if r.missing_materials else ""}</td>'
            f'\n      <td class="nowrap hide-narrow">{_dt(r.accepted_at)}</td>'
            f'\n      <td class="hide-narrow owner">{text(r.owner_name or "—")}</td>'
            f'\n      <td class="min-text">{steps}</td>'
            f'\n      <td class="nowrap">{_dt(r.due_at)}</td>'
            f'\n      <td>{drawn[1]}</td>'
            f'\n      <td class="nowrap">'
            f'{remaining_of(state, r.remaining_hours, r.over_hours, words)}</td>'
            f'\n    </tr>\n  ')
    return Markup("".join(parts))
