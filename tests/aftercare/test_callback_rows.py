"""The callbacks list read as plain rows (queries.list_callback_rows, presenters.
present_callback_rows) gives what the ORM path gave: the same callbacks in the same order,
the same totals, every field the same (attempts, 代办 acts, who did it, the department made
responsible, the deadline), for every status, page, month filter and language; and the API's
compiled dump answers what CallbackPage's Schema.dump answered."""
from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.fixtures.app import local


def _result(api, callback_id: int, **body: Any) -> dict:
    return api.change(f"/api/v1/aftercare/callbacks/{callback_id}", "result", body)


@pytest.fixture
def callbacks(app, api, water_on, frozen) -> list[int]:
    """Seven callbacks: two calls unanswered on the first, the second and third answered
    (the third not satisfied and charged to a department), a 代办 act on the fourth."""
    from tracker.extensions import db
    from tracker.models import ProxyAct, User

    frozen(local(2026, 10, 12, 10, 0))
    numbers = [water_on(f"GG-2026-03{i:02d}") for i in range(7)]
    ids = [api.get(f"/api/v1/aftercare/applications/{n}")["callback"]["id"] for n in numbers]
    _result(api, ids[0], reached=False, comment="无人接听")
    _result(api, ids[0], reached=False)
    _result(api, ids[1], reached=True, satisfied=True, comment="好")
    _result(api, ids[2], reached=True, satisfied=False, comment="路面未恢复")
    api.change(f"/api/v1/aftercare/callbacks/{ids[2]}", "assignment",
               {"department": "connection_team"})
    with app.app_context():
        actor = db.session.scalar(sa.select(User).where(User.username == "clerk1"))
        db.session.add(ProxyAct(actor_id=actor.id, department_code="customer_service",
                                reason="客服中心人员休假", subject_type="callback",
                                subject_id=ids[3], stage="callback", action="callback.attempt"))
        db.session.commit()
    frozen(local(2026, 10, 19, 15, 30))  # some deadlines passed, some not
    return ids


def _reference(status: str | None, page: int, per_page: int, water_on: Any,
               lang: str) -> tuple[list[dict[str, Any]], int]:
    """The ORM path as it was (Callback objects, their applications' columns, the attempts
    and the 代办 acts one query apiece)."""
    from sqlalchemy.orm import aliased

    from tracker.aftercare.models import Callback
    from tracker.aftercare.queries import _open_first, attempts_of
    from tracker.extensions import db
    from tracker.localtime import local as in_zone
    from tracker.models import Application, SlaTimer, SubjectType, TimerState
    from tracker.services.app_clock import app_clock
    from tracker.services.app_clock import now as clock_now
    from tracker.services.duties import present_proxies, proxies_of
    from tracker.services.sla_fields import department_name, timer_fields

    where = []
    if water_on is not None:
        whole = aliased(SlaTimer)
        where.append(Callback.application_id.in_(
            sa.select(whole.application_id).where(
                whole.subject_type == SubjectType.APPLICATION, whole.state == TimerState.DONE,
                whole.completed_at >= water_on[0], whole.completed_at < water_on[1])))
    items, total = _open_first(Callback, status, page, per_page, where)
    apps = {a.id: a for a in db.session.execute(sa.select(
        Application.id, Application.number, Application.customer_name,
        Application.contact_name, Application.contact_phone, Application.completed_at
    ).where(Application.id.in_([c.application_id for c in items])))}
    attempts = attempts_of(c.id for c in items)
    acts = proxies_of("callback", [c.id for c in items])
    result = []
    for callback in items:
        app, timer = apps[callback.application_id], callback.timer
        result.append({
            "id": callback.id, "application_number": app.number,
            "customer_name": app.customer_name, "contact_name": app.contact_name,
            "contact_phone": app.contact_phone, "completed_at": in_zone(app.completed_at),
            "status": callback.status, "reached": callback.reached,
            "satisfied": callback.satisfied, "comment": callback.comment,
            "done_at": in_zone(callback.done_at),
            "done_by": callback.done_by.label if callback.done_by else None,
            "attempts": attempts.get(callback.id, 0),
            "department_name": department_name(timer.department_code, lang) if timer else "",
            "assigned_department": callback.assigned_department,
            "assigned_department_name": department_name(callback.assigned_department, lang)
            if callback.assigned_department else None,
            "version": callback.version_id,
            "sla": timer_fields(timer, clock_now(), app_clock(), []),
            "on_behalf": present_proxies(acts.get((callback.id, "callback"), []), lang),
        })
    return result, total


REQUESTS = [(status, page, per_page) for status in (None, "open", "done", "closed")
            for page, per_page in ((1, 50), (1, 2), (2, 2), (3, 2), (4, 2), (2, 5), (9, 3))]


def _every_request_agrees(app) -> int:
    from tracker.aftercare import presenters, queries
    from tracker.services.months import Month

    checked = 0
    for lang in ("zh", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            for water_on in (None, Month(2026, 10).bounds, Month(2026, 9).bounds):
                for status, page, per_page in REQUESTS:
                    rows, total = queries.list_callback_rows(
                        status=status, page=page, per_page=per_page, water_on=water_on)
                    expected = _reference(status, page, per_page, water_on, lang)
                    got = presenters.present_callback_rows(rows, lang)
                    assert (got, total) == expected, (status, page, per_page, water_on, lang)
                    without = presenters.present_callback_rows(rows, lang, proxies=False)
                    assert without == [{k: v for k, v in item.items() if k != "on_behalf"}
                                       for item in expected[0]]
                    checked += len(got)
    return checked


def test_the_rows_present_what_the_orm_path_presented(app, callbacks):
    from tracker.aftercare import presenters, queries

    with app.test_request_context("/"):
        rows = presenters.present_callback_rows(queries.list_callback_rows()[0], "zh")
    # every kind of detail is there to be compared
    assert {r["attempts"] for r in rows} == {0, 2}
    assert sum(bool(r["on_behalf"]) for r in rows) == 1
    assert [r["assigned_department"] for r in rows if r["assigned_department"]] == [
        "connection_team"]
    assert {r["done_by"] for r in rows} == {None, "clerk1"}
    assert len({r["sla"]["state"] for r in rows}) > 1
    assert _every_request_agrees(app) > 100


def test_a_user_shown_by_name_when_they_have_no_display_name(app, callbacks):
    from tracker.extensions import db
    from tracker.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.username == "clerk1")
                           .values(display_name=""))
        db.session.commit()
    assert _every_request_agrees(app) > 100


def test_the_api_answers_what_schema_dump_answered(app, client, auth, callbacks):
    from tracker.aftercare.api import CallbackOut, CallbackPage
    from tracker.services.pagination import page_of

    for query, status, page, per_page in (("", None, 1, 50), ("?status=done", "done", 1, 50),
                                          ("?per_page=2&page=2", None, 2, 2),
                                          ("?status=open&per_page=3&page=2", "open", 2, 3)):
        for lang in ("zh", "en"):
            answer = client.get(f"/api/v1/aftercare/callbacks{query}",
                                headers={**auth, "Accept-Language": lang})
            assert answer.status_code == 200
            with app.test_request_context("/api/v1/", headers={"Accept-Language": lang}):
                items, total = _reference(status, page, per_page, None, lang)
                expected = CallbackPage().dump(page_of(items, total, page, per_page))
            assert answer.get_json() == json.loads(json.dumps(expected)), (query, lang)
    with app.test_request_context("/api/v1/"):
        every = {item["id"]: CallbackOut().dump(item)
                 for item in _reference(None, 1, 50, None, "zh")[0]}
    for callback_id in callbacks:
        answer = client.get(f"/api/v1/aftercare/callbacks/{callback_id}", headers=auth)
        assert answer.get_json() == json.loads(json.dumps(every[callback_id]))
    missing = client.get("/api/v1/aftercare/callbacks/999999", headers=auth)
    assert missing.status_code == 404


def test_a_page_reads_each_part_in_one_statement(app, client, auth, callbacks):
    """Rows, applications, timers, who did it, attempts and 代办 flags in the page's
    statement: no query per row or per kind of detail."""
    from tests.fixtures.app import statements_during

    every = statements_during(app, lambda: client.get(
        "/api/v1/aftercare/callbacks?per_page=50", headers=auth))
    open_only = statements_during(app, lambda: client.get(
        "/api/v1/aftercare/callbacks?status=open&per_page=50", headers=auth))
    # both parts' totals in one statement, and the second part; one part's total comes in
    # its page's statement; the 代办 acts of the one callback that has some
    assert len(every) == len(open_only) + 2
    assert sum("row_tallies" in s.lower() for s in every) == 1
    assert sum("row_tallies" in s.lower() for s in open_only) == 1
    assert sum("proxy_acts" in s.lower() and "exists" not in s.lower() for s in every) == 1


# callbacks.html's rows as the template drew them before pages.CallbackTable (the reference).
TEMPLATE_ROWS = """
  {%- set detail_url = cells.RowUrl("application_pages.detail", "number") %}
  {%- set result_url = cells.RowUrl("aftercare_pages.record_result", "callback_id", status=shown) %}
  {%- set assign_url = cells.RowUrl("aftercare_pages.assign", "callback_id", status=shown) %}
  {% for r in rows %}
    <tr class="row-{{ r.sla.state }}" id="callback-{{ r.id }}">
      <td>{{ cells.state_badge(r.sla.state) }}</td>
      <td class="nowrap"><a href="{{ detail_url(r.application_number) }}">{{ r.application_number }}</a></td>
      <td>{{ r.customer_name }}<br><small class="muted">{{ r.contact_name }} {{ r.contact_phone }}</small></td>
      <td class="nowrap">{{ cells.dt(r.completed_at) }}</td>
      <td class="nowrap">{{ cells.dt(r.sla.due_at) }}<br><small>{{ cells.remaining(r.sla) }}</small></td>
      <td>
        {% if r.status == "done" %}
          {% if r.satisfied %}<span class="tag tag-ok">{{ _("Satisfied") }}</span>{% else %}<span class="tag tag-warn">{{ _("Not satisfied") }}</span>{% endif %}
          {{ r.comment }}<br><small class="muted">{{ cells.dt(r.done_at) }} · {{ r.done_by or "—" }}</small>
          {% if r.id in assign_forms %}
          <br><small>{{ _("Responsible department") }}: {{ r.assigned_department_name or _("awaiting assignment") }}</small>
          {% if writer %}
          {# the form drawn once per page: web.forms.RowForms #}
          <form method="post" action="{{ assign_url(r.id) }}" class="inline-form assign-form">
            {{ assign_forms.html(r.id, assign_fields) }}
          </form>
          {% endif %}
          {% endif %}
        {% else %}
          {% if r.attempts %}<small class="muted">{{ _("%(n)s unanswered calls", n=r.attempts) }}</small>{% endif %}
          {% if writer %}
          {# the form drawn once per page: web.forms.RowForms #}
          <form method="post" action="{{ result_url(r.id) }}" class="callback-form" novalidate>
            {{ forms.html(r.id, result_fields) }}
          </form>
          {% endif %}
        {% endif %}
      </td>
    </tr>
  {% endfor %}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_table_draws_the_rows_the_template_drew(app, callbacks, lang):
    """Every kind of row (open with and without unanswered calls, done satisfied, done not
    satisfied with and without a department, with a refused form), for a writer and a
    reader, with markup and quotes in the values."""
    from markupsafe import Markup

    from tracker.aftercare import pages, presenters, queries
    from tracker.aftercare.forms import AssignForm, CallbackResultForm
    from tracker.extensions import db
    from tracker.models import Application
    from tracker.web.forms import RowForms, options

    with app.app_context():
        db.session.execute(sa.update(Application).where(Application.id.in_(
            sa.select(Application.id).order_by(Application.id).limit(3)))
            .values(customer_name='<b>"王&李"</b>', contact_phone="0553'1"))
        db.session.commit()

    def result_fields(form) -> Markup:
        return form.hidden_tag() + form.reached() + form.comment(rows=1)

    def assign_fields(form) -> Markup:
        return form.hidden_tag() + form.department(class_="input")

    with app.test_request_context(f"/callbacks?lang={lang}"):
        rows = presenters.present_callback_rows(queries.list_callback_rows()[0], lang,
                                                proxies=False)
        assert {(r["status"], r["satisfied"], bool(r["assigned_department"]),
                 bool(r["attempts"])) for r in rows} == {
            ("open", None, False, True), ("open", None, False, False),
            ("done", True, False, False), ("done", False, True, False)}
        open_ids = [r["id"] for r in rows if r["status"] == "open"]
        refused = CallbackResultForm(formdata=None, prefix=f"cb{open_ids[1]}", version=1)
        refused.comment.errors = ["太长"]
        for failed in ({}, {open_ids[1]: refused}):
            for writer in (True, False):
                for shown in ("open", "all"):
                    forms = RowForms(CallbackResultForm, "cb", {
                        r["id"]: r["version"] for r in rows if r["status"] == "open"},
                        failed=failed, conflict=True)
                    unsatisfied = [r for r in rows
                                   if r["status"] == "done" and r["satisfied"] is False]
                    choices = options([("connection_team", "Connection"), ("x&y", "<X>")])
                    assign_forms = RowForms(
                        AssignForm, "as", {r["id"]: r["version"] for r in unsatisfied},
                        values={r["id"]: {"department": r["assigned_department"]}
                                for r in unsatisfied},
                        setup=lambda form, c=choices: setattr(form.department, "choices", c))
                    context = {"rows": rows, "shown": shown, "forms": forms,
                               "assign_forms": assign_forms, "writer": writer,
                               "result_fields": result_fields, "assign_fields": assign_fields}
                    expected = app.jinja_env.from_string(TEMPLATE_ROWS).render(context)
                    table = pages.CallbackTable(rows, shown, forms, assign_forms)
                    got = "\n  " + table.html(writer, result_fields, assign_fields)
                    assert got == expected, (writer, shown, failed)
