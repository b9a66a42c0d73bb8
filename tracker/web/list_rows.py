"""The staff application list's table rows drawn in Python, byte for byte what the loop of
applications/list.html drew (tests/web/test_list_rows.py compares them): that loop was half
of the page's time (50 rows of 15 expressions, each through Jinja's attribute lookup, escape
and a macro or cell call; issue 15). Here the words are translated and the cells that take
few values (the state's badge, the time left) are built once per page, and each row is one
f-string of its escaped values."""
from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

from ..services.presenters import ListedRow
from . import labels
from .cells import RowUrl, dt, remaining_of, state_badge
from .formatting import pattern


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
    # Per page: a state's badge, a status's word, a deadline's time left (few values each).
    badges: dict[str, Markup] = {}
    statuses: dict[str, str] = {}
    times: dict[tuple, Markup] = {}
    parts = []
    for r in rows:
        state = r.state
        badge = badges.get(state)
        if badge is None:
            badge = badges[state] = state_badge(state)
        key = (state, r.remaining_hours, r.over_hours)
        left = times.get(key)
        if left is None:
            left = times[key] = remaining_of(*key)
        joined = "、".join(r.current_step_names)  # the template's `names | join("、") or …`
        if joined:
            steps = escape(joined)
        else:
            steps = statuses.get(r.status)
            if steps is None:
                steps = statuses[r.status] = escape(labels.label(labels.APP_STATUSES, r.status))
        number = r.number
        parts.append(
            f'\n    <tr class="row-{escape(state)}">'
            f'\n      <td class="nowrap"><a href="{escape(url(number))}">{escape(number)}</a>'
            f'{backdated if r.backdated else ""}</td>'
            f'\n      <td class="hide-narrow">{escape(r.flow)}</td>'
            f'\n      <td class="min-text">{escape(r.customer_name)}'
            f'{missing if r.missing_materials else ""}</td>'
            f'\n      <td class="nowrap hide-narrow">{dt(r.accepted_at)}</td>'
            f'\n      <td class="hide-narrow owner">{escape(r.owner_name or "—")}</td>'
            f'\n      <td class="min-text">{steps}</td>'
            f'\n      <td class="nowrap">{dt(r.due_at)}</td>'
            f'\n      <td>{badge}</td>'
            f'\n      <td class="nowrap">{left}</td>'
            f'\n    </tr>\n  ')
    return Markup("".join(parts))
