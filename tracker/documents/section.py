"""The application page's documents section (资料), drawn in Python: each required document
present, held by the system, not applicable or missing (with the form to mark it so), the other
files, every file's history and the upload form.

The template it replaces (documents/_application_section.html, now kept in the test) cost
~0.7 ms of every application page in Jinja calls (issue 15). `draw_section` gives its markup byte for byte, its
whitespace too: values escaped as `{{ }}` escaped them (markupsafe.escape: a lazy word is
markup), words as Jinja's newstyle gettext gives them. **A change to the section's markup goes
here and into the old template kept in tests/documents/test_section_drawn.py**, which holds
the two equal over every branch."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from ..web import cells, detail_fields, widgets
from ..web.formatting import pattern


def _word(msgid: str, **values: Any) -> Markup:
    """`{{ _(msgid, **values) }}` in a template."""
    return Markup(pattern(msgid)) % values


def _by(row: Any) -> Any:
    """`{{ row.uploaded_by.label if row.uploaded_by else "—" }}` (a waiver's waived_by too)."""
    return escape(row.label) if row is not None else "—"


def draw_section(*, app: Any, by_step: dict[str, list[Any]], history: list[Any],
                 others: list[Any], writer: bool, state_words: dict[str, Markup],
                 step_names: dict[str, str], upload_form: Any, waive_form: Any,
                 upload_error: str | None, kind_label: Callable[[str], str],
                 type_label: Callable[[str], str], max_mb: str,
                 filesize: Callable[[int], str]) -> Markup:
    """The section, from what the template was given."""
    number = app.number
    out = [(f'\n<link rel="stylesheet" href="'
            f'{escape(url_for("documents_pages.static", filename="documents.css"))}">\n'
            f'<section class="card doc-section" id="documents">\n'
            f'  <h2>{_word("Documents")}</h2>\n  ')]
    if by_step:
        waive = None
        if writer:
            waive = (escape(url_for("documents_pages.waive", number=number)),
                     widgets.render(waive_form.csrf_token), _word("Not applicable"),
                     _word("Why it does not apply"), _word("Mark not applicable"))
        out.append("\n  ")
        for code, states in by_step.items():
            out.append(f'\n  <h3>{escape(step_names[code])}</h3>\n  <ul class="doc-list">\n    ')
            for index, s in enumerate(states, 1):
                out.append(f'\n    <li>\n      <span class="doc-name">{escape(s.material)}</span>'
                           f'\n      <span class="doc-state {escape(s.state)}">'
                           f'{escape(state_words[s.state])}</span>\n      ')
                out.append(_state(s, code, index, number, waive))
                out.append("\n    </li>\n    ")
            out.append("\n  </ul>\n  ")
        out.append("\n  ")
    else:
        out.append(f'\n  <p class="muted">{_word("This flow requires no documents.")}</p>\n  ')
    out.append("\n\n  ")
    if others:
        out.append(f'\n  <h3>{_word("Other files")}</h3>\n  <ul class="doc-list">\n    ')
        for a in others:
            out.append(f'\n    <li><span class="doc-name">{escape(kind_label(a.kind))}</span>\n'
                       f'      <span class="doc-files"><a href="{_download(number, a)}">'
                       f'{escape(a.filename)}</a></span>\n'
                       f'      <span class="muted">{_by(a.uploaded_by)} · '
                       f'{cells.dt(a.uploaded_at)}</span></li>\n    ')
        out.append("\n  </ul>\n  ")
    out.append("\n\n  ")
    if history:
        out.append(_history(number, history, kind_label, type_label, filesize))
    out.append("\n\n  ")
    if writer:
        out.append(_upload(number, upload_form, upload_error, max_mb))
    out.append("\n</section>")
    return Markup("".join(out))


def _download(number: str, attachment: Any) -> Markup:
    return escape(url_for("documents_pages.download", number=number,
                          attachment_id=attachment.id))


def _state(s: Any, code: str, index: int, number: str, waive: tuple | None) -> str:
    if s.state == "present":
        links = "".join(f'<a href="{_download(number, a)}">{escape(a.filename)}</a>'
                        for a in s.attachments)
        return f'\n      <span class="doc-files">{links}</span>\n      '
    if s.state == "on_record":
        return (f'\n      <span class="doc-files"><a href="{escape(s.record[1])}">'
                f'{escape(s.record[0])}</a></span>\n      ')
    if s.state == "waived":
        return (f'\n      <span class="muted">{escape(s.waiver.reason)} · '
                f'{_by(s.waiver.waived_by)} · {cells.dt(s.waiver.waived_at)}</span>\n      ')
    if waive is None:
        return ""
    url, token, not_applicable, why_not, mark = waive
    field = f"reason-{escape(code)}-{index}"
    return (f'\n      <details class="more">\n        <summary>{not_applicable}</summary>\n'
            f'        <form method="post" action="{url}" novalidate>\n'
            f'          {token}\n'
            f'          <input type="hidden" name="material" value="{escape(s.material)}">\n'
            f'          <label class="label" for="{field}">{why_not}</label>\n'
            f'          <input class="input" type="text" name="reason" id="{field}" '
            f'maxlength="500" required>\n'
            f'          <button type="submit" class="btn btn-small">{mark}</button>\n'
            f'        </form>\n      </details>\n      ')


def _history(number: str, history: list[Any], kind_label: Callable[[str], str],
             type_label: Callable[[str], str], filesize: Callable[[int], str]) -> str:
    rows = []
    replaced = ""
    for a in history:
        link_class, tag = "", ""
        if not a.current:
            replaced = replaced or f' <span class="tag">{_word("replaced")}</span>'
            link_class, tag = ' class="replaced"', replaced
        rows.append(
            f'\n      <tr><td><a href="{_download(number, a)}"{link_class}>'
            f'{escape(a.filename)}</a>{tag}</td>\n'
            f'        <td>{escape(kind_label(a.kind))}</td><td>{escape(type_label(a.content_type))}'
            f'</td><td class="num">{escape(filesize(a.size))}</td>\n'
            f'        <td>{_by(a.uploaded_by)}</td><td class="nowrap">{cells.dt(a.uploaded_at)}'
            f'</td>\n'
            f'        <td class="hide-narrow"><code title="{escape(a.sha256)}">'
            f'{escape(a.sha256[:12])}…</code></td></tr>\n      ')
    heads = "".join(f"<th>{_word(w)}</th>" if w != "Size" else f'<th class="num">{_word(w)}</th>'
                    for w in ("File", "Document", "Type", "Size", "By", "When"))
    return (f'\n  <details class="doc-history">\n'
            f'    <summary>'
            f'{_word("History: %(n)s files in all, replaced ones included", n=len(history))}'
            f'</summary>\n'
            f'    <div class="table-wrap"><table class="table">\n'
            f'      <thead><tr>{heads}<th class="hide-narrow">SHA-256</th></tr></thead>\n'
            f'      <tbody>\n      {"".join(rows)}\n      </tbody>\n'
            f'    </table></div>\n  </details>\n  ')


def _upload(number: str, form: Any, error: str | None, max_mb: str) -> str:
    alert = f'<div class="alert alert-error" role="alert">{escape(error)}</div>' if error else ""
    url = escape(url_for("documents_pages.upload", number=number))
    hint = _word("JPEG, PNG, HEIC, WebP or PDF, at most %(mb)s MB. The type is read from the "
                 "file itself.", mb=max_mb)
    return (f'\n  <form method="post" action="{url}" enctype="multipart/form-data" '
            f'class="upload-form" id="attach" novalidate>\n'
            f'    {widgets.render(form.csrf_token)}\n'
            f'    <h3>{_word("Attach a file")}</h3>\n'
            f'    {alert}\n'
            f'    <div class="grid grid-2">\n'
            f'      {detail_fields.field(form.kind)}\n'
            f'      {detail_fields.field(form.replaces)}\n'
            f'    </div>\n'
            f'    <div class="pick">\n'
            f'      <label class="label" for="file-camera">{_word("Take a photo")}</label>\n'
            f'      <input type="file" name="file" id="file-camera" accept="image/*" '
            f'capture="environment">\n'
            f'      <label class="label" for="file-pick">'
            f'{_word("or choose a file (photo, scan, PDF)")}</label>\n'
            f'      <input type="file" name="file" id="file-pick" accept="image/jpeg,image/png,'
            f'image/heic,image/heif,image/webp,application/pdf,.heic,.heif">\n'
            f'    </div>\n'
            f'    <p class="hint">{hint}</p>\n'
            f'    {detail_fields.field(form.note)}\n'
            f'    <button type="submit" class="btn btn-primary">{_word("Upload")}</button>\n'
            f'  </form>\n  ')
