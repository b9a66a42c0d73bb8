"""The application page's documents section drawn in Python (documents.section.draw_section)
is byte for byte what documents/_application_section.html drew (issue 15): every section drawn
while the check is on is drawn both ways from the same values and compared. Pages: an
application with every state of a document (on file, held by the system, not applicable, not
needed, missing), a replaced file, another file, names and reasons to escape, seen by a clerk
(the forms) and an auditor (none) in both languages, and an upload refused; then made-up
values: a flow that needs no documents, people unknown, a message to escape.

**A change to the section's markup goes into draw_section and into TEMPLATE below.**"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.fixtures.documents import pdf_bytes, png_bytes
from tests.fixtures.web import csrf_token, drawn_alike, login, page_text

# documents/_application_section.html as it was before the section was drawn in Python.
TEMPLATE = """{#- The application page's documents (资料): each required document present or missing, every
    file with its history, and the forms to attach a file or mark a document not applicable. -#}
{% import "macros.html" as m %}
<link rel="stylesheet" href="{{ url_for('documents_pages.static', filename='documents.css') }}">
<section class="card doc-section" id="documents">
  <h2>{{ _("Documents") }}</h2>
  {%- if writer %}
  {#- The same for every missing document: drawn once (15 forms on a page of flow 201). #}
  {%- set waive_url = url_for('documents_pages.waive', number=app.number) %}
  {%- set waive_token = widgets.render(waive_form.csrf_token) %}
  {%- set not_applicable, why_not, mark = _("Not applicable"), _("Why it does not apply"), _("Mark not applicable") %}
  {%- endif %}
  {% if by_step %}
  {% for code, states in by_step.items() %}
  <h3>{{ step_names[code] }}</h3>
  <ul class="doc-list">
    {% for s in states %}
    <li>
      <span class="doc-name">{{ s.material }}</span>
      <span class="doc-state {{ s.state }}">{{ state_words[s.state] }}</span>
      {% if s.state == "present" %}
      <span class="doc-files">{% for a in s.attachments %}<a href="{{ url_for('documents_pages.download', number=app.number, attachment_id=a.id) }}">{{ a.filename }}</a>{% endfor %}</span>
      {% elif s.state == "on_record" %}
      <span class="doc-files"><a href="{{ s.record[1] }}">{{ s.record[0] }}</a></span>
      {% elif s.state == "waived" %}
      <span class="muted">{{ s.waiver.reason }} · {{ s.waiver.waived_by.label if s.waiver.waived_by else "—" }} · {{ m.dt(s.waiver.waived_at) }}</span>
      {% elif writer %}
      <details class="more">
        <summary>{{ not_applicable }}</summary>
        <form method="post" action="{{ waive_url }}" novalidate>
          {{ waive_token }}
          <input type="hidden" name="material" value="{{ s.material }}">
          <label class="label" for="reason-{{ code }}-{{ loop.index }}">{{ why_not }}</label>
          <input class="input" type="text" name="reason" id="reason-{{ code }}-{{ loop.index }}" maxlength="500" required>
          <button type="submit" class="btn btn-small">{{ mark }}</button>
        </form>
      </details>
      {% endif %}
    </li>
    {% endfor %}
  </ul>
  {% endfor %}
  {% else %}
  <p class="muted">{{ _("This flow requires no documents.") }}</p>
  {% endif %}

  {% if others %}
  <h3>{{ _("Other files") }}</h3>
  <ul class="doc-list">
    {% for a in others %}
    <li><span class="doc-name">{{ kind_label(a.kind) }}</span>
      <span class="doc-files"><a href="{{ url_for('documents_pages.download', number=app.number, attachment_id=a.id) }}">{{ a.filename }}</a></span>
      <span class="muted">{{ a.uploaded_by.label if a.uploaded_by else "—" }} · {{ m.dt(a.uploaded_at) }}</span></li>
    {% endfor %}
  </ul>
  {% endif %}

  {% if history %}
  <details class="doc-history">
    <summary>{{ _("History: %(n)s files in all, replaced ones included", n=history | length) }}</summary>
    <div class="table-wrap"><table class="table">
      <thead><tr><th>{{ _("File") }}</th><th>{{ _("Document") }}</th><th>{{ _("Type") }}</th><th class="num">{{ _("Size") }}</th><th>{{ _("By") }}</th><th>{{ _("When") }}</th><th class="hide-narrow">SHA-256</th></tr></thead>
      <tbody>
      {% for a in history %}
      <tr><td><a href="{{ url_for('documents_pages.download', number=app.number, attachment_id=a.id) }}"{% if not a.current %} class="replaced"{% endif %}>{{ a.filename }}</a>{% if not a.current %} <span class="tag">{{ _("replaced") }}</span>{% endif %}</td>
        <td>{{ kind_label(a.kind) }}</td><td>{{ type_label(a.content_type) }}</td><td class="num">{{ a.size | filesize }}</td>
        <td>{{ a.uploaded_by.label if a.uploaded_by else "—" }}</td><td class="nowrap">{{ m.dt(a.uploaded_at) }}</td>
        <td class="hide-narrow"><code title="{{ a.sha256 }}">{{ a.sha256[:12] }}…</code></td></tr>
      {% endfor %}
      </tbody>
    </table></div>
  </details>
  {% endif %}

  {% if writer %}
  <form method="post" action="{{ url_for('documents_pages.upload', number=app.number) }}" enctype="multipart/form-data" class="upload-form" id="attach" novalidate>
    {{ widgets.render(upload_form.csrf_token) }}
    <h3>{{ _("Attach a file") }}</h3>
    {% if upload_error %}{{ m.alert(upload_error) }}{% endif %}
    <div class="grid grid-2">
      {{ widgets.field(upload_form.kind) }}
      {{ widgets.field(upload_form.replaces) }}
    </div>
    <div class="pick">
      <label class="label" for="file-camera">{{ _("Take a photo") }}</label>
      <input type="file" name="file" id="file-camera" accept="image/*" capture="environment">
      <label class="label" for="file-pick">{{ _("or choose a file (photo, scan, PDF)") }}</label>
      <input type="file" name="file" id="file-pick" accept="image/jpeg,image/png,image/heic,image/heif,image/webp,application/pdf,.heic,.heif">
    </div>
    <p class="hint">{{ _("JPEG, PNG, HEIC, WebP or PDF, at most %(mb)s MB. The type is read from the file itself.", mb=max_mb) }}</p>
    {{ widgets.field(upload_form.note) }}
    <button type="submit" class="btn btn-primary">{{ _("Upload") }}</button>
  </form>
  {% endif %}
</section>
"""


def _by_template(values: dict) -> str:
    from flask import current_app

    values = {k: v for k, v in values.items() if k != "filesize"}
    return current_app.jinja_env.from_string(TEMPLATE).render(**values)


@pytest.fixture
def both_ways(monkeypatch):
    from tracker.documents import pages, section

    drawn: list[tuple[str, str]] = []

    def checked(**values):
        fast = section.draw_section(**values)
        drawn.append((str(fast), _by_template(values)))
        return fast

    monkeypatch.setattr(pages, "draw_section", checked)
    return drawn


def test_every_state_of_a_document_as_the_template_drew_it(app, doc_api, make_user, both_ways):
    number = doc_api.create("201")
    first = doc_api.upload(number, pdf_bytes(1000, 1), "勘察<记录> & \'1\'.pdf",
                           kind="现场勘察记录", step="survey")
    doc_api.upload(number, pdf_bytes(3000, 2), "勘察记录-改.pdf", replaces=first["id"])
    doc_api.upload(number, png_bytes(), "现场 \"照片\".png", kind="photo")
    doc_api.waive(number, "设计方案（客户确认）", reason="客户<自行>设计 & 确认")
    doc_api.step(number, "survey")
    doc_api.step(number, "municipal_approval", "skip", note="无需占道")
    make_user("auditor", "audit1", department="inspection_office")
    for who in ("clerk1", "audit1"):
        client = app.test_client()
        assert login(client, who).status_code == 302
        for lang in ("zh", "en"):
            assert client.get(f"/applications/{number}?lang={lang}").status_code == 200
    clerk = app.test_client()
    assert login(clerk, "clerk1").status_code == 302
    page = page_text(clerk.get(f"/applications/{number}"))
    refused = clerk.post(f"/applications/{number}/attachments",
                         data={"csrf_token": csrf_token(page), "kind": "photo"})
    assert refused.status_code == 422
    whole = drawn_alike(both_ways)
    for part in ('doc-state present', 'doc-state on_record', 'doc-state waived',
                 'doc-state not_needed', 'doc-state missing', 'class="replaced"',
                 'class="doc-history"', "勘察&lt;记录&gt; &amp; &#39;1&#39;.pdf",
                 "客户&lt;自行&gt;设计 &amp; 确认", 'class="alert alert-error"',
                 'id="attach"', 'name="material"', '<li><span class="doc-name">'):
        assert part in whole, part


def test_made_up_sections(app, doc_api, both_ways):
    from tracker.documents import pages
    from tracker.documents.queries import AttachmentRow, MaterialState, Uploader, WaiverRow
    from tracker.services.applications import get_application

    number = doc_api.create("201")
    at = datetime(2026, 10, 12, 1, 30, tzinfo=UTC)
    nobody = AttachmentRow(7, "<kind>", "a&b.pdf", "application/pdf", 1234567, "ab" * 32, at,
                           None, None)
    replaced = AttachmentRow(8, "photo", "<old>.png", "image/png", 10, "cd" * 32, at, at,
                             Uploader("王<工>"))
    with app.test_request_context(f"/applications/{number}"):
        application = get_application(number)
        form = pages._upload_form(application)
        for writer in (True, False):
            for by_step in ({}, {"survey": [
                    MaterialState("<材料>", "survey", "present", [nobody, replaced]),
                    MaterialState("X", "survey", "waived",
                                  waiver=WaiverRow("X", "<why>", at, None)),
                    MaterialState("Y&", "survey", "on_record", record=("<label>", "/a?b=1&c")),
                    MaterialState("Z", "survey", "not_needed"),
                    MaterialState("Z\"", "survey", "missing")]}):
                values = {
                    "app": application, "by_step": by_step, "history": [nobody, replaced],
                    "others": [nobody], "writer": writer,
                    "state_words": {state: pages.Markup(pages.word(text))
                                 for state, text in pages.STATE_WORDS.items()},
                    "step_names": {"survey": "<勘察>"}, "upload_form": form,
                    "waive_form": pages.WaiveForm(formdata=None),
                    "upload_error": "<b>refused</b> & why", "kind_label": pages.kind_label,
                    "type_label": pages.type_label, "max_mb": "10", "filesize": pages.filesize}
                assert str(pages.draw_section(**values)) == _by_template(values)
