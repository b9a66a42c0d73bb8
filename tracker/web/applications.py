"""Application pages: register, the application with its steps and log, the list and CSV."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import Form

from ..errors import translate
from ..i18n import current_language, pick
from ..localtime import LOCAL
from ..models import ALL_STEPS, AppStatus, StepStatus
from ..services import applications as service
from ..services.app_clock import app_clock, now
from ..services.errors import Conflict, Forbidden, ValidationFailed
from ..services.explanations import page_explanations
from ..services.flows import current_definitions
from ..services.months import parse_month
from ..services.pagination import page_count
from ..services.presenters import present_application, present_list_rows
from ..services.queries import (
    ApplicationFilter,
    list_shown,
    open_duplicates,
)
from ..services.reference import departments, pause_reasons
from ..services.staff import staff
from . import detail_fields
from .access import can_manage, can_write, writer_required
from .detail_steps import StepItems
from .event_log import application_events
from .export import csv_response
from .formatting import limit_text
from .forms import (
    CancelForm,
    CustomerForm,
    FilterForm,
    OwnerForm,
    PauseForm,
    ResumeForm,
    SkipForm,
    StepActionForm,
    SupplyForm,
    attach_errors,
    attribute_field_name,
    new_application_form,
    options,
    page_number,
)
from .list_rows import application_rows
from .owners import owner_choices

bp = Blueprint("application_pages", __name__)
PER_PAGE = 50


def _flows() -> list:
    return current_definitions()


# --- new application ----------------------------------------------------------------------

@bp.route("/applications/new", methods=["GET", "POST"])
@writer_required
def new() -> Any:
    lang = current_language()
    flows = _flows()
    form = new_application_form(flows, lang, owners=[
        (u.username, f"{u.label} · {u.department.name(lang) if u.department else ''}")
        for u in staff() if u.id != current_user.id])
    if request.method == "GET" and request.args.get("flow") in {f.code for f in flows}:
        form.flow.data = request.args["flow"]
    status, message, duplicates = 200, None, []
    if request.method == "POST":
        valid = form.validate_on_submit()
        flow = next((f for f in flows if f.code == form.flow.data), None)
        data = _new_application(form, flow)
        # The service's checks in the same round as the form's: every mistake shown at once
        # (a field the form refused already has its error).
        aliases = {f"attributes.{a.code}": attribute_field_name(flow.code, a.code)
                   for a in (flow.attributes if flow else ())}
        problems = {name: messages
                    for name, messages in service.new_application_errors(data).items()
                    if not getattr(getattr(form, aliases.get(name, name), None), "errors", ())}
        extra = attach_errors(form, problems, aliases)
        duplicates = open_duplicates(data.customer_name, data.address)
        if not valid or problems:
            status = 422
            message = " ".join([_("Please correct the marked fields.")] + extra)
        elif duplicates and not form.create_anyway.data:
            message = _("Nothing is registered yet: check the open applications below.")
        else:
            try:
                app = service.create_application(data, current_user)
            except ValidationFailed as exc:
                extra = attach_errors(form, exc.fields, aliases)
                status, message = 422, " ".join([translate(exc.message, exc.params)] + extra)
            else:
                flash(_("Application %(number)s registered.", number=app.number), "success")
                return redirect(url_for(".detail", number=app.number))
    return render_template("applications/new.html", form=form, flows=flows,
                           message=message, duplicates=duplicates), status


def _new_application(form: Form, flow: Any) -> service.NewApplication:
    """What the clerk typed; a field the form refused counts as not given."""

    def given(field: Any, blank: Any = None) -> Any:
        return blank if field.errors else (field.data or blank)

    attributes = {a.code: getattr(form, attribute_field_name(flow.code, a.code)).data
                  for a in (flow.attributes if flow else ())}
    return service.NewApplication(
        flow=flow.code if flow else "", customer_name=given(form.customer_name, ""),
        customer_type=form.customer_type.data, contact_name=given(form.contact_name, ""),
        contact_phone=given(form.contact_phone, ""), address=given(form.address, ""),
        channel=form.channel.data, accepted_at=given(form.accepted_at),
        requested_at=given(form.requested_at), attributes=attributes,
        missing_materials=[] if form.missing_materials.errors else form.materials(),
        materials_promised_on=given(form.materials_promised_on), note=given(form.note, ""),
        owner=given(form.owner, ""))


# --- one application ----------------------------------------------------------------------

def _fresh_forms(app: Any, view: dict[str, Any]) -> dict[Any, Form]:
    """Unbound forms for every action the application allows now."""
    version = app.version_id
    forms: dict[Any, Form] = {}
    if app.status is AppStatus.CANCELLED:
        return forms
    for step in view["steps"]:
        code = step["code"]
        if step["status"] not in (StepStatus.READY.value, StepStatus.STARTED.value):
            continue
        if step["needs_start"] and step["status"] == StepStatus.READY.value:
            forms[("start", code)] = StepActionForm(formdata=None, prefix=f"start-{code}",
                                                    version=version)
        else:
            forms[("complete", code)] = StepActionForm(formdata=None, prefix=f"complete-{code}",
                                                       version=version)
        if step["skippable"]:
            forms[("skip", code)] = SkipForm(formdata=None, prefix=f"skip-{code}",
                                             version=version)
    if app.status is AppStatus.OPEN:
        # Pauses stop only what they concern: several may run at once (one per reason and step).
        forms["pause"] = PauseForm(formdata=None, prefix="pause", version=version)
        forms["cancel"] = CancelForm(formdata=None, prefix="cancel", version=version)
    for open_pause in (p for p in app.pauses if p.ended_at is None):
        forms[("resume", open_pause.id)] = ResumeForm(formdata=None, prefix=f"resume-{open_pause.id}",
                                                      version=version)
    forms["customer"] = CustomerForm(formdata=None, prefix="customer", obj=app, version=version)
    if app.missing_materials and app.materials_supplied_at is None:
        forms["supply"] = SupplyForm(formdata=None, prefix="supply", version=version)
    return forms


def render_detail(number: str, failed: dict[Any, Form] | None = None, status: int = 200,
                  message: str | None = None) -> Any:
    app = service.get_application(number)
    lang = current_language()
    clock, moment = app_clock(), now()
    view = present_application(app, moment, clock, lang)
    why, why_steps = page_explanations(app, clock, lang, limit_text)
    flow = service.flow_of(app)
    # A reader (an auditor) is shown no form (detail.html draws them only for a writer):
    # none is built.
    forms = _fresh_forms(app, view) if can_write() else {}
    for key, form in (failed or {}).items():
        if status == 409 and hasattr(form, "version"):
            # The page now shows the application as it stands; a deliberate retry may go on.
            form.version.data = app.version_id
            form.version.raw_data = [str(app.version_id)]
        forms[key] = form
    if "pause" in forms:
        _pause_choices(forms["pause"], app, flow, lang)
    return render_template(
        "applications/detail.html", app=app, view=view, flow=flow, forms=forms,
        events=application_events(app, flow, lang), message=message, now=moment,
        attribute_names=_attribute_names(flow, app.attributes, lang),
        step_items=StepItems(app, view, flow, forms, why_steps),
        pause_scopes=_pause_scopes(view, flow, lang), why=why, kept_field=detail_fields.field,
        owner_form=_owner_form(app) if can_manage() else None), status


def _owner_form(app: Any) -> OwnerForm:
    """A team lead's form to hand the application to another owner (web.owners)."""
    form = OwnerForm(formdata=None, version=app.version_id,
                     owner=app.owner.username if app.owner else None)
    form.owner.choices = owner_choices()
    return form


def _step_label(flow: Any, code: str, lang: str) -> str:
    try:
        step = flow.step(code)
    except ValueError:
        return code
    return pick(step.name_zh, step.name_en, lang)


def _pause_choices(form: PauseForm, app: Any, flow: Any, lang: str) -> None:
    """The flow's pause reasons, each saying what it stops, and the steps a pause may be on."""
    reasons = []
    for reason in pause_reasons().values():
        if not flow.offers_pause_reason(reason.code):
            continue
        name = pick(reason.name_zh, reason.name_en, lang)
        hint = _("choose the step") if reason.needs_step else _("no step needed")
        reasons.append((reason.code, pick(f"{name}（{hint}）", f"{name} ({hint})", lang)))
    form.reason.choices = options(reasons)
    steps = [("", _("— the whole application —"))]
    steps += [(s.code, _step_label(flow, s.code, lang)) for s in app.steps
              if s.status not in (StepStatus.DONE, StepStatus.SKIPPED)]
    form.step.choices = options(steps)


def _pause_scopes(view: dict[str, Any], flow: Any, lang: str) -> dict[int, str]:
    """What each pause stops, in words: 全程计时、市政联合审批."""
    scopes = {}
    for pause in view.get("pauses", []):
        parts = [_("the whole clock")] if pause["stops_application"] else []
        if ALL_STEPS in pause["stopped_steps"]:
            parts.append(_("every step"))
        else:
            parts += [_step_label(flow, code, lang) for code in pause["stopped_steps"]]
        scopes[pause["id"]] = pick("、", ", ", lang).join(parts)
    return scopes


def _attribute_names(flow: Any, values: dict[str, str], lang: str) -> list[tuple[str, str]]:
    shown = []
    for attribute in flow.attributes:
        value = values.get(attribute.code)
        text = next((pick(zh, en, lang) for v, zh, en in attribute.choices
                     if v == value), value or "—")
        shown.append((pick(attribute.name_zh, attribute.name_en, lang), text))
    return shown


@bp.route("/applications/<string:number>")
def detail(number: str) -> Any:
    return render_detail(number)


def _act(number: str, key: Any, form: Form, action: Callable[[], Any], done: str,
         anchor: str = "") -> Any:
    """Validate the form, run one service call, and answer: back to the page on success, the
    page with the form as entered and the message on a refusal."""
    if key == "pause":
        app = service.get_application(number)
        _pause_choices(form, app, service.flow_of(app), current_language())
    if not form.validate_on_submit():
        return render_detail(number, {key: form}, 422, _("Please correct the marked fields."))
    try:
        action()
    except ValidationFailed as exc:
        extra = attach_errors(form, exc.fields)
        return render_detail(number, {key: form}, 422,
                             " ".join([translate(exc.message, exc.params)] + extra))
    except Conflict as exc:
        return render_detail(number, {key: form}, 409, translate(exc.message, exc.params))
    except Forbidden as exc:  # another department's duty (services.duties)
        return render_detail(number, {key: form}, 403, translate(exc.message, exc.params))
    flash(done, "success")
    return redirect(url_for(".detail", number=number, _anchor=anchor or None))


def _step_name(number: str, code: str) -> str:
    app = service.get_application(number)
    return _step_label(service.flow_of(app), code, current_language())


@bp.route("/applications/<string:number>/steps/<string:code>/start", methods=["POST"])
@writer_required
def start_step(number: str, code: str) -> Any:
    form = StepActionForm(prefix=f"start-{code}")
    return _act(number, ("start", code), form, lambda: service.start_step(
        number, code, current_user, at=form.at.data, note=form.note.data or "",
        expected_version=form.version.data, proxy_reason=form.proxy_reason.data),
        _("Step %(step)s started.", step=_step_name(number, code)), f"step-{code}")


@bp.route("/applications/<string:number>/steps/<string:code>/complete", methods=["POST"])
@writer_required
def complete_step(number: str, code: str) -> Any:
    form = StepActionForm(prefix=f"complete-{code}")
    return _act(number, ("complete", code), form, lambda: service.complete_step(
        number, code, current_user, at=form.at.data, note=form.note.data or "",
        expected_version=form.version.data, proxy_reason=form.proxy_reason.data),
        _("Step %(step)s completed.", step=_step_name(number, code)), f"step-{code}")


@bp.route("/applications/<string:number>/steps/<string:code>/skip", methods=["POST"])
@writer_required
def skip_step(number: str, code: str) -> Any:
    form = SkipForm(prefix=f"skip-{code}")
    return _act(number, ("skip", code), form, lambda: service.skip_step(
        number, code, current_user, note=form.note.data or "",
        expected_version=form.version.data),
        _("Step %(step)s skipped.", step=_step_name(number, code)), f"step-{code}")


@bp.route("/applications/<string:number>/pauses", methods=["POST"])
@writer_required
def pause(number: str) -> Any:
    form = PauseForm(prefix="pause")
    return _act(number, "pause", form, lambda: service.add_pause(
        number, form.reason.data, current_user, note=form.note.data or "", at=form.at.data,
        step=form.step.data or None, expected_version=form.version.data),
        _("The clock is paused."), "pauses")


@bp.route("/applications/<string:number>/pauses/<int:pause_id>/end", methods=["POST"])
@writer_required
def resume(number: str, pause_id: int) -> Any:
    form = ResumeForm(prefix=f"resume-{pause_id}")
    return _act(number, ("resume", pause_id), form, lambda: service.end_pause(
        number, pause_id, current_user, at=form.at.data, expected_version=form.version.data),
        _("The clock is running again."), "pauses")


@bp.route("/applications/<string:number>/cancel", methods=["POST"])
@writer_required
def cancel(number: str) -> Any:
    form = CancelForm(prefix="cancel")
    return _act(number, "cancel", form, lambda: service.cancel_application(
        number, form.reason.data or "", current_user, expected_version=form.version.data),
        _("Application %(number)s cancelled.", number=number))


@bp.route("/applications/<string:number>/customer", methods=["POST"])
@writer_required
def edit_customer(number: str) -> Any:
    form = CustomerForm(prefix="customer")
    fields = ("customer_name", "contact_name", "contact_phone", "address", "note")

    def changes(typed_well: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = {name: getattr(form, name).data or "" for name in fields}
        app = service.get_application(number)
        if app.missing_materials or form.materials_promised_on.data:
            result["materials_promised_on"] = form.materials_promised_on.data
        if typed_well:  # only what the form took: a refused field has its error already
            result = {name: value for name, value in result.items()
                      if not getattr(form, name).errors}
        return result

    if not form.validate_on_submit():
        # The service's checks in the same round: every mistake shown at once.
        problems = service.update_errors(number, changes(typed_well=True))
        extra = attach_errors(form, problems)
        return render_detail(number, {"customer": form}, 422,
                             " ".join([_("Please correct the marked fields.")] + extra))
    return _act(number, "customer", form, lambda: service.update_application(
        number, changes(), current_user, expected_version=form.version.data),
        _("Customer details saved."), "customer")


@bp.route("/applications/<string:number>/materials", methods=["POST"])
@writer_required
def supply_materials(number: str) -> Any:
    form = SupplyForm(prefix="supply")
    return _act(number, "supply", form, lambda: service.supply_materials(
        number, current_user, at=form.at.data, expected_version=form.version.data),
        _("The missing materials are recorded as supplied."), "customer")


# --- the list and its CSV -----------------------------------------------------------------

def _filter_form() -> FilterForm:
    lang = current_language()
    form = FilterForm(request.args)
    form.flow.choices = options([("", _("Any"))] + [
        (f.code, f"{f.code} · {f.name_en if lang == 'en' else f.name_zh}") for f in _flows()])
    form.department.choices = options([("", _("Any"))] + [
        (d.code, pick(d.name_zh, d.name_en, lang)) for d in departments().values()])
    return form


def _application_filter(form: FilterForm) -> ApplicationFilter:
    due_before = None
    if form.due_before.data:
        due_before = datetime.combine(form.due_before.data, time(0), tzinfo=LOCAL)
    overdue = {"yes": True, "no": False}.get(form.overdue.data or "")
    completed = parse_month(form.completed.data).bounds if form.completed.data else (None, None)
    return ApplicationFilter(flow=form.flow.data or None, status=form.status.data or None,
                             overdue=overdue, due_before=due_before,
                             department=form.department.data or None,
                             step=(form.step.data or "").strip() or None,
                             text=(form.text.data or "").strip() or None,
                             due_today=form.due.data == "today",
                             completed_from=completed[0], completed_until=completed[1])


class _FilterHtml:
    """The list's filter fields as drawn, kept per process for the same language, query and
    choices of flow and department (everything the fields show: nine WTForms fields through
    macros.html's `field` cost more than the page's fifty rows; issue 15). Only a valid form's
    (no errors shown) is kept; at most KEPT of them, the oldest dropped first."""

    KEPT = 256
    _drawn: dict[tuple, Any] = {}

    def __init__(self, form: FilterForm | None) -> None:
        self.key = None if form is None else (
            current_language(), tuple(request.args.items(multi=True)),
            *(tuple((c.value, str(c.label)) for c in field.choices)
              for field in (form.flow, form.department)))
        self.html = None if self.key is None else self._drawn.get(self.key)

    def keep(self, drawn: Any) -> Any:
        if self.key is not None:
            while len(self._drawn) >= self.KEPT:
                self._drawn.pop(next(iter(self._drawn)), None)
            self._drawn[self.key] = drawn
        return drawn


@bp.route("/applications")
def index() -> Any:
    form = _filter_form()
    if not form.validate():
        return render_template("applications/list.html", form=form, rows=[], total=0, page=1,
                               pages=0, message=_("Please correct the marked fields."),
                               filters=_FilterHtml(None)), 422
    page = page_number()
    moment, clock, lang = now(), app_clock(), current_language()
    items, total = list_shown(_application_filter(form), moment, page, PER_PAGE)
    rows = present_list_rows(items, moment, clock, lang)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("applications/list.html", form=form, rows=rows,
                           body=application_rows(rows), total=total,
                           page=page, pages=page_count(total, PER_PAGE),
                           args=args, message=None, filters=_FilterHtml(form))


@bp.route("/applications.csv")
def export() -> Response:
    form = _filter_form()
    if not form.validate():
        return Response(_("Please correct the marked fields."), status=422,
                        mimetype="text/plain")
    return csv_response(_application_filter(form))
