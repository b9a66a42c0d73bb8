"""Staff pages of documents: attach and serve files, mark a document not applicable, print
views and PDFs of the notices, the monthly report as PDF; the sections other pages include
(through `signals.template_hook`)."""
from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup

from ..errors import translate
from ..i18n import current_language, pick
from ..models import Application
from ..services.applications import flow_of, get_application
from ..services.errors import DomainError
from ..settings import settings
from ..web.access import can_write, writer_required
from ..web.applications import render_detail
from ..web.forms import options
from ..web.labels import word
from . import commands, printed, queries, responses
from .forms import UploadForm, WaiveForm
from .responses import file_response
from .section import draw_section
from .sniff import LABELS

bp = Blueprint("documents_pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/documents/static")
EVENT_WORDS = {"document.attached": _l("Document attached"),
               "document.replaced": _l("Document replaced (the old file is kept)"),
               "document.waived": _l("Document marked not applicable")}

STATE_WORDS = {"present": _l("On file"), "on_record": _l("Held by the system"),
               "waived": _l("Not applicable"), "not_needed": _l("Not needed (step skipped)"),
               "missing": _l("Missing")}
STATE_SIGNS = {"present": "✔", "on_record": "✔", "waived": "—", "not_needed": "—",
               "missing": "✖"}
# Files that are not a flow's required document: what they are for.
CATEGORIES = {"photo": _l("Site photo"), "callback_evidence": _l("Callback evidence"),
              "followup_evidence": _l("Home-visit evidence"), "other": _l("Other")}

# Requests that carry a file may be larger than MAX_CONTENT_LENGTH (1 MB for JSON and forms).
UPLOAD_ENDPOINTS = frozenset({"documents.Attachments", "documents.SubjectAttachments",
                              "documents_pages.upload", "documents_pages.subject_upload"})
# Room for the multipart envelope and the form fields around the file.
MULTIPART_OVERHEAD = 64 * 1024


def allow_upload_size() -> None:
    """Uploads may be as large as TRACKER_ATTACHMENT_MAX_BYTES (plus the envelope)."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = settings().attachment_max_bytes + MULTIPART_OVERHEAD


@bp.record_once
def _first_of_all(state: BlueprintSetupState) -> None:
    """Installed when the factory registers this blueprint: before every other before-request
    function, since the input guard reads the form (and so the body) of every request."""
    app: Flask = state.app
    app.before_request_funcs.setdefault(None, []).insert(0, allow_upload_size)


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def kind_label(kind: str) -> str:
    return str(CATEGORIES.get(kind, kind or CATEGORIES["other"]))


def type_label(content_type: str) -> str:
    return LABELS.get(content_type, content_type)


def _upload_form(app: Application, formdata: Any = None) -> UploadForm:
    flow = flow_of(app)
    form = UploadForm(formdata=formdata) if formdata is not None else UploadForm(formdata=None)
    materials = queries.flow_materials(flow)
    form.kind.choices = options([(m, m) for m in materials]
                                + [(code, str(label)) for code, label in CATEGORIES.items()])
    form.replaces.choices = options([("", _("Nothing (a new file)"))] + [
        (str(a.id), f"{a.filename} · {kind_label(a.kind)}")
        for a in (_history(app) if formdata is None  # a page drawn: the section's read
                  else queries.attachments_of(app)) if a.current])
    return form


def _history(app: Application) -> list:
    """queries.page_attachments(app) (attachments_of as plain rows), read once per request
    and application: the section, its upload form and the step hooks all show them (the
    current ones are those not replaced, in the same order)."""
    cache = g.setdefault("documents_history", {})
    if app.id not in cache:
        cache[app.id] = queries.page_attachments(app)
    return cache[app.id]


def _documents(app: Application) -> dict[str, list[queries.MaterialState]]:
    """Per request and application (the step hooks and the section ask for the same)."""
    cache = g.setdefault("documents_by_step", {})
    if app.id not in cache:
        cache[app.id] = queries.documents_by_step(app, _history(app))
    return cache[app.id]


def application_section(app: Application, upload_form: UploadForm | None = None,
                        upload_error: str | None = None) -> Markup:
    flow = flow_of(app)
    lang = current_language()
    history = _history(app)
    materials = set(queries.flow_materials(flow))
    others = [a for a in history if a.current and a.kind not in materials]
    writer = can_write()
    return draw_section(
        app=app, by_step=_documents(app), history=history, others=others, writer=writer,
        # Translated once, as the template printed the lazy words (markup, not escaped): each
        # document translated its word twice (escape's __html__ probe, then the call).
        state_words={state: Markup(word(text)) for state, text in STATE_WORDS.items()},
        step_names={s.code: pick(s.name_zh, s.name_en, lang) for s in flow.steps},
        # The waiver forms' CSRF field is the upload form's: the same field, the request's one
        # token (a WaiveForm built only to draw it cost ~0.1 ms). A reader (an auditor) sees
        # neither: no form is built for them.
        upload_form=(upload := upload_form or (_upload_form(app) if writer else None)),
        waive_form=upload,
        upload_error=upload_error, kind_label=kind_label, type_label=type_label,
        max_mb=commands.megabytes(settings().attachment_max_bytes), filesize=filesize)


def step_documents(app: Application, step: dict[str, Any]) -> Markup | None:
    """The step's documents as a line of signs (documents/_step_documents.html's HTML, built
    here: a template render per step cost more than the line itself, 7 on a page)."""
    states = _documents(app).get(step["code"])
    if not states:
        return None
    links = Markup("").join(_STEP_LINK % (s.state, STATE_SIGNS[s.state], s.material)
                            for s in states)
    return _STEP_LINE % (_("Documents"), links)


_STEP_LINK = Markup('<a href="#documents" class="doc-state %s">%s %s</a>')
_STEP_LINE = Markup('<p class="step-docs"><span class="muted">%s:</span>\n%s</p>')


def print_links(app: Application) -> Markup:
    """The print views' links (the HTML the template _print_links.html drew, built here: a
    template render for four links cost more than the links; issue 15)."""
    def links(*pairs: tuple[str, str]) -> Markup:
        # As the template wrote them: the translation as markup (a template's _() does not
        # escape it), the URL escaped.
        return Markup("").join(_PRINT_LINK % (url_for(endpoint, number=app.number),
                                              Markup(words)) for endpoint, words in pairs)

    missing = Markup("")
    if app.missing_materials:  # the template's {% if %} line left its indentation twice
        missing = links(
            ("documents_pages.missing_notice", _("One-time notice of missing documents")),
            ("documents_pages.missing_notice_pdf", _("One-time notice (PDF)"))) + Markup("\n    ")
    return _PRINT_LINKS % (Markup(_("Print")), links(
        ("documents_pages.acceptance_notice", _("Acceptance notice")),
        ("documents_pages.acceptance_notice_pdf", _("Acceptance notice (PDF)"))), missing)


_PRINT_LINK = Markup('\n    <a href="%s">%s</a>')
_PRINT_LINKS = Markup('<section class="card" id="printing">\n  <h2>%s</h2>\n'
                      '  <div class="print-links">%s\n    %s\n  </div>\n</section>')


def subject_section(subject_type: str, subject_id: int, stage: str = "") -> Markup:
    return Markup(render_template(
        "documents/_subject_section.html",
        files=queries.subject_attachments(subject_type, subject_id),
        subject_type=subject_type, subject_id=subject_id, stage=stage, writer=can_write(),
        form=FlaskForm(formdata=None)))


def _uploaded_file() -> commands.Upload | None:
    """The first non-empty file field named `file` (camera or file picker)."""
    for item in request.files.getlist("file"):
        if item and item.filename:
            return commands.Upload(item.stream, item.filename)
    return None


# --- attaching ---------------------------------------------------------------------------------

@bp.route("/applications/<string:number>/attachments", methods=["POST"])
@writer_required
def upload(number: str) -> Any:
    app = get_application(number)
    form = _upload_form(app, request.form)
    file = _uploaded_file()
    if not form.validate_on_submit() or file is None:
        message = _("Choose a file to attach.") if file is None else _(
            "Please correct the marked fields.")
        return _refused(number, form, message)
    kind = form.kind.data or "other"
    try:
        subject_type, subject_id = queries.evidence_subject(app, kind)
        row = commands.attach(number, file, current_user, kind=kind, note=form.note.data or "",
                              step=queries.step_for_kind(app, kind),
                              subject_type=subject_type, subject_id=subject_id,
                              replaces=int(form.replaces.data) if form.replaces.data else None)
    except DomainError as exc:
        return _refused(number, form, translate(exc.message, exc.params), exc.status)
    flash(_("%(file)s attached (%(size)s).", file=row.filename, size=filesize(row.size)),
          "success")
    return redirect(url_for("application_pages.detail", number=number, _anchor="documents"))


def _refused(number: str, form: UploadForm, message: str, status: int = 422) -> Any:
    g.documents_upload = (form, message)  # the section shows the form as sent, with the message
    return render_detail(number, status=status, message=message)


@bp.route("/applications/<string:number>/documents/waive", methods=["POST"])
@writer_required
def waive(number: str) -> Any:
    form = WaiveForm()
    if not form.validate_on_submit():
        return render_detail(number, status=400, message=_("Please correct the marked fields."))
    try:
        commands.waive(number, form.material.data or "", form.reason.data or "", current_user)
    except DomainError as exc:
        return render_detail(number, status=exc.status, message=translate(exc.message, exc.params))
    flash(_("%(material)s marked not applicable.", material=form.material.data), "success")
    return redirect(url_for("application_pages.detail", number=number, _anchor="documents"))


@bp.route("/applications/<string:number>/attachments/<int:attachment_id>")
def download(number: str, attachment_id: int) -> Any:
    app = get_application(number)
    return file_response(queries.get_attachment(attachment_id, app),
                         download=request.args.get("download") == "1")


@bp.route("/documents/<string:subject_type>/<int:subject_id>/attachments", methods=["POST"])
@writer_required
def subject_upload(subject_type: str, subject_id: int) -> Any:
    file = _uploaded_file()
    back = request.referrer or url_for("auth.root")
    if not FlaskForm().validate_on_submit():
        flash(_("The form has expired; reload and try again."), "error")
    elif file is None:
        flash(_("Choose a file to attach."), "error")
    else:
        try:
            row = commands.attach_to_subject(subject_type, subject_id, file, current_user,
                                             stage=request.form.get("stage", ""),
                                             kind=request.form.get("kind", ""))
        except DomainError as exc:
            flash(translate(exc.message, exc.params), "error")
        else:
            flash(_("%(file)s attached (%(size)s).", file=row.filename,
                    size=filesize(row.size)), "success")
    return redirect(back), 303


@bp.route("/documents/attachments/<int:attachment_id>")
def subject_download(attachment_id: int) -> Any:
    return file_response(queries.get_attachment(attachment_id))


# --- printing ----------------------------------------------------------------------------------

@bp.route("/applications/<string:number>/acceptance-notice")
def acceptance_notice(number: str) -> Any:
    return render_template("documents/acceptance_notice.html", pdf=False,
                           **printed.acceptance_notice(get_application(number)))


@bp.route("/applications/<string:number>/acceptance-notice.pdf")
def acceptance_notice_pdf(number: str) -> Any:
    return responses.acceptance_notice_pdf(number)


@bp.route("/applications/<string:number>/missing-notice")
def missing_notice(number: str) -> Any:
    return render_template("documents/missing_notice.html", pdf=False,
                           **printed.missing_documents_notice(get_application(number)))


@bp.route("/applications/<string:number>/missing-notice.pdf")
def missing_notice_pdf(number: str) -> Any:
    return responses.missing_notice_pdf(number)


@bp.route("/reports/monthly/<string:month>.pdf")
def monthly_report_pdf(month: str) -> Any:
    return responses.monthly_report_pdf(month)


# --- template hooks and documents on record ----------------------------------------------------

def acceptance_notice_on_record(app: Application) -> dict[str, tuple[str, str]]:
    """Receiver of `signals.materials_on_record`: the 受理通知单 is made by the system from
    the application itself, so it is always on record."""
    path = f"/applications/{app.number}/acceptance-notice.pdf"
    if has_request_context():
        path = url_for("documents_pages.acceptance_notice_pdf", number=app.number)
    return {"受理通知单": (_("Acceptance notice (PDF)"), path)}


def on_template_hook(name: str, **kwargs: Any) -> Markup | None:
    """Receiver of `signals.template_hook`: the sections documents adds to other pages."""
    if name == "application-main":
        form, message = g.pop("documents_upload", (None, None))
        return application_section(kwargs["app"], form, message)
    if name == "application-step":
        return step_documents(kwargs["app"], kwargs["step"])
    if name == "application-side":
        return print_links(kwargs["app"])
    if name == "problem-main":
        problem_id = queries.problem_id(kwargs["number"])
        return subject_section("problem", problem_id, kwargs.get("stage", "")) \
            if problem_id else None
    if name == "report-downloads":
        url = url_for("documents_pages.monthly_report_pdf", month=kwargs["month"].label,
                      version=kwargs.get("version"), live=1 if kwargs.get("live") else None)
        return Markup('<a class="btn btn-small" href="%s">%s</a>') % (url, _("Download PDF"))
    return None
