"""cells.WorkRows draws My work's rows as the template's loop drew them, byte for byte: the
loop body as it was (below, from templates/work/index.html before the rows moved to Python)
against WorkRows, over every branch of the row (no deadline, overdue, time left, paused;
with and without a number, address, phone, department column; the take, give-back and give
forms; the selected person) and values with characters to escape."""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime

from markupsafe import Markup

from tracker.services.timers import TimerView
from tracker.services.work import Duty
from tracker.web import cells

# The template's loop as it was, with the words it set once per page.
OLD_LOOP = """{%- set w_waiting, w_owner, w_assignee, w_nobody = _("waiting to be started"), _("Owner"), _("Assignee"), _("nobody yet") %}
{%- set w_take, w_back, w_give_to, w_dept, w_give = _("I'll do it"), _("Give back"), _("Give to"), _("— the department —"), _("Give") %}
  {% for r in rows %}
    {% set s = r.state %}
    <tr class="row-{{ s.state if s else 'not_started' }} duty-{{ r.kind }}"{% if r.duty_id %} id="task-{{ r.duty_id }}"{% endif %}>
      <td>{{ cells.state_badge(s.state if s else "not_started") }}</td>
      <td><span class="tag">{{ label(labels.SUBJECTS, r.kind) }}</span> <a href="{{ r.url }}">{{ r.number or r.title }}</a>{% if r.number %}<br>{{ r.title }}{% endif %}</td>
      <td>{{ r.next_action }}{% if not s %} <span class="tag">{{ w_waiting }}</span>{% endif %}</td>
      <td>{{ r.customer }}{% if r.address %}<br><span class="muted">{{ r.address }}</span>{% endif %}{% if r.phone %}<br><a class="tel" href="tel:{{ r.tel }}">{{ r.phone }}</a>{% endif %}</td>
      {% if chosen == "all" or tab == "mine" %}<td class="hide-narrow">{{ r.department | department_name }}</td>{% endif %}
      <td class="nowrap">{{ cells.dt(s.due_at if s else none) }}</td>
      <td class="nowrap hide-narrow">{% if s and s.state == "overdue" %}<span class="over">{{ cells.hours_of_seconds("%(hours)s over", s.over_seconds) }}</span>{% elif s and s.remaining_seconds is not none %}{{ cells.hours_of_seconds("%(hours)s left", s.remaining_seconds) }}{% else %}—{% endif %}</td>
      <td class="people">
        <span class="owner">{{ w_owner }}: {{ r.owner or "—" }}</span><br>
        <span class="assignee">{{ w_assignee }}: {{ r.assignee or w_nobody }}</span>
        {% if r.duty_id and writer %}
          {% if not r.assignee and r.department == mine %}
          <form method="post" action="{{ assign_url(r.duty_id) }}" class="inline-form assign-form">
            {{ assign_fields(r.version) }}<input type="hidden" name="assignee" value="{{ me }}">
            <button type="submit" class="btn btn-small btn-primary take">{{ w_take }}</button>
          </form>
          {% elif r.assignee_username == me and not manager %}
          <form method="post" action="{{ assign_url(r.duty_id) }}" class="inline-form assign-form">
            {{ assign_fields(r.version) }}<input type="hidden" name="assignee" value="">
            <button type="submit" class="btn btn-small btn-ghost">{{ w_back }}</button>
          </form>
          {% endif %}
          {% if manager %}
          <form method="post" action="{{ assign_url(r.duty_id) }}" class="inline-form assign-form give">
            {{ assign_fields(r.version) }}
            <label class="visually-hidden" for="give-{{ r.duty_id }}">{{ w_give_to }}</label>
            <select name="assignee" id="give-{{ r.duty_id }}" class="input input-small">
              <option value="">{{ w_dept }}</option>
              {% for person in people.get(r.department, []) %}
              <option value="{{ person.username }}"{% if person.username == r.assignee_username %} selected{% endif %}>{{ person.label }}</option>
              {% endfor %}
            </select>
            <button type="submit" class="btn btn-small">{{ w_give }}</button>
          </form>
          {% endif %}
        {% endif %}
      </td>
    </tr>
  {% endfor %}
"""

NEW_LOOP = """{%- set draw_rows = cells.WorkRows(
      assign_url=assign_url, fields=assign_fields, writer=writer, manager=manager, me=me,
      mine=mine, department_column=department_column, people=people,
      words={"waiting": _("waiting to be started"), "owner": _("Owner"), "assignee": _("Assignee"),
             "nobody": _("nobody yet"), "take": _("I'll do it"), "back": _("Give back"),
             "give_to": _("Give to"), "dept": _("— the department —"), "give": _("Give")}) %}
  {{ draw_rows.draw(rows) }}
"""

WORDS = ("waiting", "owner", "assignee", "nobody", "take", "back", "give_to", "dept", "give")
DUE = datetime(2026, 10, 12, 2, 30, tzinfo=UTC)
STATES = [None, TimerView("overdue", DUE, 0, 3 * 3600 + 7, 1.2, False),
          TimerView("on_track", DUE, 5400, 0, 0.3, False),
          TimerView("warning", DUE, 0, 0, 0.9, True),
          TimerView("paused", None, None, 0, 0.5, False)]


class Person:
    def __init__(self, username: str, label: str) -> None:
        self.username, self.label = username, label


PEOPLE = {"customer_service": [Person("cs", "客服 <小王>"), Person("lead", 'Lead "A&B"')],
          "engineering": [Person("eng", "工程")]}


def _rows() -> list[Duty]:
    base = Duty(kind="callback", title="Callback <now>", next_action="Call & record",
                url="/aftercare#callback-7", number="201-2026-000001", customer="某公司 \"甲\"",
                address="芜湖 <路> 1号", phone="0553-1234567转89", department="customer_service",
                duty_id=17, version=3, owner="Owner <o>", assignee="", assignee_username="")
    rows = []
    for state, number, address, phone, kind in itertools.product(
            STATES, ("201-2026-000001", ""), ("", "x & y"), ("", "+86 138"),
            ("callback", "step", "unknown-kind")):
        rows.append(replace(base, state=state, number=number, address=address, phone=phone,
                            kind=kind))
    for department, assignee, username, duty_id in itertools.product(
            ("customer_service", "engineering", "nowhere"), ("", "Lead \"A&B\""),
            ("", "cs", "lead"), (17, None)):
        rows.append(replace(base, department=department, assignee=assignee,
                            assignee_username=username, duty_id=duty_id, owner=""))
    return rows


def test_the_rows_drawn_in_python_are_the_template_loop(app):
    rows = _rows()
    with app.test_request_context("/work"):
        assign_url = cells.RowUrl("owners.assign", "duty_id")
        assign_fields = cells.HiddenFields([("csrf_token", "tok&en"), ("version", None),
                                            ("tab", "department"), ("department", "all")])
        old = app.jinja_env.from_string(OLD_LOOP)
        new = app.jinja_env.from_string(NEW_LOOP)
        checked, seen = 0, ""
        for writer, manager, me, mine, department_column in itertools.product(
                (True, False), (True, False), ("cs", "lead"), ("customer_service", None),
                (True, False)):
            values = {"rows": rows, "assign_url": assign_url, "assign_fields": assign_fields,
                      "writer": writer, "manager": manager, "me": me, "mine": mine,
                      "people": PEOPLE, "chosen": "all" if department_column else "x",
                      "tab": "department", "department_column": department_column}
            drawn = new.render(values)
            assert drawn == old.render(values)
            checked, seen = checked + 1, seen + drawn
        assert checked == 32  # every branch was drawn at least once:
        for piece in ("btn-primary take", "btn-ghost", " selected>", 'class="over"',
                      'class="tel"', "hide-narrow", "&lt;", "give-17"):
            assert piece in seen, piece


def test_a_row_is_markup():
    with_no_people = cells.WorkRows(assign_url=lambda i: f"/duties/{i}", fields=lambda v: "",
                                    words=dict.fromkeys(WORDS, "w"),
                                    writer=False, manager=False, me="x", mine=None,
                                    department_column=False, people={})
    row = replace(_rows()[1], kind="<b>")
    assert isinstance(with_no_people.draw([]), Markup)
    assert "duty-&lt;b&gt;" in with_no_people(row)
