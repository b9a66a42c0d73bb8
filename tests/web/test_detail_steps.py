"""The application page's steps drawn in Python (web.detail_steps.StepItems) are byte for
byte what applications/detail.html's Jinja loop drew (issue 15): every page drawn here draws
its steps both ways, from the same view, forms and explanations, and the two must be equal.
The pages: the golden pages' data set (open, overdue, paused, cancelled, completed, 容缺,
owners) as a team lead, a clerk and an auditor (no forms) in both languages, and one
application taken through refused forms (a bad time, a missing reason, a proxy reason too
long, a stale version), a back-dated completion with a note to escape, a skipped step, a
started one and 代办 acts.

**A change to a step's markup goes into StepItems and into REFERENCE below.**"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from markupsafe import Markup

from tests.fixtures.app import local
from tests.fixtures.web import drawn_alike, login, page_text
from tests.web.test_application_pages import step_action, version_on_page
from tests.web.test_pages_same_html import generated  # noqa: F401  (the data set, a fixture)

# detail.html's when_and_note macro and its loop over the steps as they were before the steps
# were drawn in Python, verbatim (the whitespace around the loop stays in the template).
REFERENCE = ('{% import "macros.html" as m %}' + r"""{% macro when_and_note(form, open=false) -%}
<details class="more"{% if open or form.at.errors or form.note.errors or (form.proxy_reason and form.proxy_reason.errors) %} open{% endif %}>
  <summary>{{ _("Earlier time or note") }}</summary>
  <div class="grid grid-2">
    {{ widgets.field(form.at) }}
    {{ widgets.field(form.note, rows=2) }}
    {% if form.proxy_reason and can_manage() %}{{ widgets.field(form.proxy_reason) }}{% endif %}
  </div>
</details>
{%- endmacro %}""" + r"""{% for step in view.steps %}
        {% set sla = step.sla %}
        <li class="step step-{{ step.status }} tl-{{ sla.state }}" id="step-{{ step.code }}">
          <div class="step-head">
            <span class="step-no">{{ loop.index }}</span>
            <div class="step-title">
              <h3>{{ step.name }}</h3>
              <p class="muted">{{ step.department_name }} · {{ label(labels.STEP_STATUSES, step.status) }} · {{ _("limit") }}: {{ rule_text(steps[step.code].limit, flow) }}</p>
            </div>
            <div class="step-state">{{ cells.state_badge(sla.state) }}</div>
          </div>
          {{ template_hook("application-step", app=app, step=step) }}
          {% set live = sla.state in ("on_track", "warning", "overdue", "paused", "done_late") %}
          {% if sla.due_at or step.started_at or step.completed_at or step.note or step.on_behalf %}
          <dl class="step-facts">
            {% if sla.due_at %}<div><dt>{{ _("Deadline") }}</dt><dd>{{ cells.dt(sla.due_at) }}{{ m.why(why_steps.get(step.code)) }}</dd></div>{% endif %}
            {% if live %}<div><dt>{{ _("Working time") }}</dt><dd class="countdown">{{ cells.remaining(sla) }}</dd></div>{% endif %}
            {% if step.started_at %}<div><dt>{{ _("Started") }}</dt><dd>{{ cells.dt(step.started_at) }} · {{ step.started_by or "—" }}</dd></div>{% endif %}
            {% if step.completed_at %}<div><dt>{{ _("Skipped") if step.status == "skipped" else _("Completed") }}</dt><dd>{{ cells.dt(step.completed_at) }} · {{ step.completed_by or "—" }}{% if step.backdated %} <span class="tag" title="{{ _('Entered after the fact') }}">{{ _('Back-dated') }}</span>{% endif %}</dd></div>{% endif %}
            {% if step.note %}<div class="wide"><dt>{{ _("Note") }}</dt><dd>{{ step.note }}</dd></div>{% endif %}
            {% for act in step.on_behalf %}<div class="wide proxy"><dt>{{ _("代办") }}</dt><dd>{{ _("代办 for %(department)s: %(reason)s", department=act.department_name, reason=act.reason) }} · {{ act.by or "—" }}</dd></div>{% endfor %}
          </dl>
          {% endif %}
          {% if writer %}
            {% set start_form = forms.get(("start", step.code)) %}
            {% set complete_form = forms.get(("complete", step.code)) %}
            {% set skip_form = forms.get(("skip", step.code)) %}
            {% if start_form or complete_form or skip_form %}
            <div class="step-actions">
              {% if start_form %}
              <form method="post" action="{{ url_for('application_pages.start_step', number=view.number, code=step.code) }}" class="action-form" novalidate>
                {{ widgets.hidden_tag(start_form) }}
                <button type="submit" class="btn btn-primary">{{ _("Start") }}</button>
                {{ when_and_note(start_form) }}
              </form>
              {% endif %}
              {% if complete_form %}
              <form method="post" action="{{ url_for('application_pages.complete_step', number=view.number, code=step.code) }}" class="action-form" novalidate>
                {{ widgets.hidden_tag(complete_form) }}
                <button type="submit" class="btn btn-primary">{{ _("Complete") }}</button>
                {{ when_and_note(complete_form) }}
              </form>
              {% endif %}
              {% if skip_form %}
              <details class="more skip"{% if skip_form.errors %} open{% endif %}>
                <summary>{{ _("Skip this step") }}</summary>
                <form method="post" action="{{ url_for('application_pages.skip_step', number=view.number, code=step.code) }}" novalidate>
                  {{ widgets.hidden_tag(skip_form) }}
                  {{ widgets.field(skip_form.note, rows=2) }}
                  <button type="submit" class="btn">{{ _("Skip") }}</button>
                </form>
              </details>
              {% endif %}
            </div>
            {% endif %}
          {% endif %}
        </li>
      {% endfor %}""")


@pytest.fixture
def both_ways(app, monkeypatch):
    """Every application page drawn while it is on draws its steps both ways; the pairs."""
    from flask import current_app

    from tracker.web import applications
    from tracker.web.detail_steps import StepItems

    drawn: list[tuple[str, str]] = []

    class Checked(StepItems):
        def __call__(self, writer: bool) -> Markup:
            fast = super().__call__(writer)
            old = current_app.jinja_env.from_string(REFERENCE).render(
                app=self.app, view=self.view, flow=self.flow, forms=self.forms,
                why_steps=self.why_steps, steps={s.code: s for s in self.flow.steps},
                writer=writer)
            drawn.append((str(fast), old))
            return fast

    monkeypatch.setattr(applications, "StepItems", Checked)
    return drawn


def test_the_golden_data_sets_steps_are_what_the_loop_drew(app, generated, both_ways,  # noqa: F811
                                                           make_user):
    make_user("auditor", "audit", department="inspection_office")
    for who in ("lead", "wang", "audit"):
        client = app.test_client()
        assert login(client, who).status_code == 302
        for lang in ("zh", "en"):
            for number in generated:
                response = client.get(f"/applications/{number}?lang={lang}")
                assert response.status_code == 200
    whole = drawn_alike(both_ways)
    assert len(both_ways) == 3 * 2 * len(generated)
    for state in ("on_track", "overdue", "done_on_time", "cancelled", "not_started"):
        assert f"tl-{state}" in whole, state
    for part in ('class="countdown"', 'class="why"', "/complete", 'class="step-actions"',
                 'id="complete-', "-proxy_reason"):
        assert part in whole, part


def test_refused_forms_proxies_and_every_kind_of_step(app, client, web_login, make_user,
                                                      new_application, frozen, both_ways):
    from tracker.extensions import db
    from tracker.models import ProxyAct, StepRecord, User

    frozen(local(2026, 10, 12, 9, 0), tick=True)
    number = new_application("201")
    frozen(local(2026, 10, 12, 15, 0), tick=True)
    web_login("team_lead", "lead1", department=None)
    assert step_action(client, number, "survey", "complete", at="yesterday").status_code == 422
    assert step_action(client, number, "survey", "complete",
                       proxy_reason="x" * 501).status_code == 422
    stale = version_on_page(client, number)
    assert step_action(client, number, "survey", "complete", at="2026-10-12T09:30",
                       note="<b>勘察 & \"完成\" '</b>").status_code == 302
    assert step_action(client, number, "survey", "complete",
                       version=str(stale)).status_code in (409, 404)
    assert step_action(client, number, "municipal_approval", "skip").status_code == 422
    assert step_action(client, number, "municipal_approval", "skip",
                       note="无需<占道>").status_code == 302
    with app.app_context():
        lead = db.session.scalar(sa.select(User).where(User.username == "lead1"))
        survey = db.session.scalar(sa.select(StepRecord).join(StepRecord.application).where(
            StepRecord.code == "survey", StepRecord.application.has(number=number)))
        for reason in ("客服<休假>", "另一次 & 代办"):
            db.session.add(ProxyAct(actor_id=lead.id, department_code="connection_team",
                                    reason=reason, subject_type="step", subject_id=survey.id,
                                    stage="survey", action="step.complete"))
        db.session.commit()
    for lang in ("zh", "en"):
        assert client.get(f"/applications/{number}?lang={lang}").status_code == 200
    make_user("clerk", "clerk2", department="connection_team")
    clerk = app.test_client()  # no proxy reason field for a clerk
    assert login(clerk, "clerk2").status_code == 302
    page = page_text(clerk.get(f"/applications/{number}"))
    assert "proxy_reason" not in page.split('id="steps"')[1].split('id="documents"')[0]
    whole = drawn_alike(both_ways)
    for part in ('<details class="more" open>', '<details class="more skip" open>',
                 'class="tag" title=', "step-skipped", 'class="wide proxy"',
                 "&lt;b&gt;勘察 &amp; &#34;完成&#34; &#39;&lt;/b&gt;", "客服&lt;休假&gt;",
                 "无需&lt;占道&gt;", 'class="errors"'):
        assert part in whole, part
