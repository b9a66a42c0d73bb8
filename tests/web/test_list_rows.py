"""The staff list's rows drawn in Python (web.list_rows.application_rows, from
presenters.present_list_rows over queries.list_shown) are byte for byte what the Jinja loop
of applications/list.html drew from present_listed's dicts (issue 15): on the API tests' data
set of every kind of row (paused, overdue, late, cancelled, 容缺, 补录, owners or none, current
steps), in both languages and under several filters, and on made-up rows with characters to
escape and every state."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.test_list_same_answers import varied  # noqa: F401  (the data set, a fixture)

# The loop as applications/list.html had it before the rows were drawn in Python, verbatim
# (with the whitespace Jinja keeps around it).
LOOP = """\
  {%- set detail_url = cells.RowUrl("application_pages.detail", "number") %}
  {% for a in rows %}
    <tr class="row-{{ a.sla.state }}">
      <td class="nowrap"><a href="{{ detail_url(a.number) }}">{{ a.number }}</a>{% if a.backdated %} <span class="tag backdated" title="{{ _('Entered after the fact') }}">{{ _('Back-dated') }}</span>{% endif %}</td>
      <td class="hide-narrow">{{ a.flow }}</td>
      <td class="min-text">{{ a.customer_name }}{% if a.missing_materials %} <span class="tag tag-warn" title="{{ _('Accepted with missing materials') }}">{{ _("Missing docs") }}</span>{% endif %}</td>
      <td class="nowrap hide-narrow">{{ cells.dt(a.accepted_at) }}</td>
      <td class="hide-narrow owner">{{ a.owner_name or "—" }}</td>
      <td class="min-text">{{ a.current_step_names | join("、") or label(labels.APP_STATUSES, a.status) }}</td>
      <td class="nowrap">{{ cells.dt(a.sla.due_at) }}</td>
      <td>{{ cells.state_badge(a.sla.state) }}</td>
      <td class="nowrap">{{ cells.remaining(a.sla) }}</td>
    </tr>
  {% endfor %}
"""
FILTERS = [{}, {"overdue": True}, {"overdue": False}, {"status": "cancelled"},
           {"status": "completed"}, {"text": "客户"}]


def _by_template(app, views: list) -> str:
    return app.jinja_env.from_string(LOOP).render(rows=views)


def _fast(rows: list) -> str:
    from tracker.web.list_rows import application_rows

    # The template puts "\n  " before the rows (see list.html) as the loop's first text did.
    return "\n  " + str(application_rows(rows))


def _old_views(items, moment, clock, lang) -> list[dict]:
    """The rows as the page's view built them before: present_listed, 补录 and step names."""
    from tracker.i18n import pick
    from tracker.services.flows import definition_by_id
    from tracker.services.presenters import present_listed

    views = []
    for item in items:
        view = present_listed(item, moment, clock, lang)
        view["backdated"] = item.row.backdated
        flow = definition_by_id(item.row.flow_version_id, item.row.content_hash)
        view["current_step_names"] = [pick(s.name_zh, s.name_en, lang) for s in flow.steps
                                      if s.code in view["current_steps"]]
        views.append(view)
    return views


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_rows_are_what_the_template_drew(app, varied, lang):  # noqa: F811
    from tracker.services.app_clock import app_clock, now
    from tracker.services.presenters import present_list_rows
    from tracker.services.queries import ApplicationFilter, list_applications, list_shown

    with app.test_request_context(f"/applications?lang={lang}"):
        moment, clock = now(), app_clock()
        for given in FILTERS * 2:  # the second time finished deadlines come as kept
            f = ApplicationFilter(**given)
            items, total = list_applications(f, moment, 1, 50)
            shown, shown_total = list_shown(f, moment, 1, 50)
            assert items and total == shown_total, given
            assert [i.number for i in items] == [i.number for i in shown], given
            old = _by_template(app, _old_views(items, moment, clock, lang))
            assert _fast(present_list_rows(shown, moment, clock, lang)) == old, given
        whole = _fast(present_list_rows(list_shown(ApplicationFilter(), moment, 1, 50)[0],
                                        moment, clock, lang))
    # The data set has every kind of cell in it (else the comparison proves less).
    for state in ("paused", "overdue", "cancelled", "done_on_time", "done_late"):
        assert f'class="row-{state}"' in whole
    assert 'class="tag backdated"' in whole and 'class="tag tag-warn"' in whole
    assert '<td class="hide-narrow owner">—</td>' in whole and "王工" in whole
    assert '<span class="over">' in whole


def test_made_up_rows_with_characters_to_escape_and_every_state(app):
    from tracker.services.presenters import ListedRow
    from tracker.services.timers import hours
    from tracker.web.cells import text

    at = datetime(2026, 10, 12, 1, 30, tzinfo=UTC)
    states = ["not_started", "on_track", "warning", "paused", "overdue", "done_on_time",
              "done_late", "cancelled", "<odd & \"state\">"]
    rows = []
    for i, state in enumerate(states):
        rows.append(ListedRow(
            number=f"201-2026-00000{i}" if i % 2 else "a/b c&d'é",
            flow="201" if i % 3 else "<f>", customer_name='客户 <b>&"\'</b>',
            missing_materials=bool(i % 2), accepted_at=at if i % 4 else None,
            owner_name=None if i % 3 == 0 else ("" if i % 3 == 1 else "王<工>"),
            current_step_names=(() if i % 2 else ("勘察", "<设计>")) if i != 4 else ("",),
            status=["open", "completed", "cancelled", "odd<"][i % 4], backdated=i % 3 == 1,
            state=state, due_at=None if state == "not_started" else at,
            remaining_hours=None if i % 5 == 0 else hours(3600 * i + 900),
            over_hours=None if state == "not_started" else hours(360 * i)))
    for lang in ("zh", "en"):
        with app.test_request_context(f"/applications?lang={lang}"):
            views = [{**row._asdict(), "sla": {"state": row.state, "due_at": row.due_at,
                                               "remaining_hours": row.remaining_hours,
                                               "over_hours": row.over_hours}}
                     for row in rows]
            assert _fast(rows) == _by_template(app, views), lang
    assert text("<a href='x'>&\"</a>") == str(__import__("markupsafe").escape(
        "<a href='x'>&\"</a>"))


def test_row_urls_without_quoting_are_what_quote_gives(app):
    """RowUrl leaves letters, digits and dashes unquoted without calling quote(): the same URL."""
    from urllib.parse import quote

    from tracker.web.cells import PATH_SAFE, RowUrl

    with app.test_request_context("/applications"):
        url = RowUrl("application_pages.detail", "number")
        for value in ["101-2026-020000", "abc-XYZ-09", "-", "", "a b", "é-1", "a&b", "a'b",
                      "a/b", "１２３", "a_b", 7]:
            assert url(value) == f"{url.head}{quote(str(value), safe=PATH_SAFE)}{url.tail}"


def test_the_filter_forms_kept_messages_are_flask_wtfs(app):
    """FilterForm's WTForms messages, kept per language (forms._wtforms_messages), are what
    Flask-WTF's per-request catalog says, in each language."""
    from flask_wtf.i18n import translations

    from tracker.web.forms import FilterForm

    for lang in ("zh", "en"):
        with app.test_request_context(f"/applications?lang={lang}&status=bogus&due_before=x"):
            from flask import request

            form = FilterForm(request.args)
            assert not form.validate()
            assert form.errors["status"] == [translations.gettext("Not a valid choice.")]
            assert form.errors["due_before"] == [translations.gettext("Not a valid date value.")]
            if lang == "zh":
                assert form.errors["status"] != ["Not a valid choice."]
