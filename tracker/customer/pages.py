"""The customer's pages (public, no log-in): progress (/progress), online appointment
(/appointment), published procedures (/procedures); and the connection team's appointment
list (staff, behind the log-in)."""
from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..errors import translate
from ..i18n import current_language, pick
from ..localtime import LOCAL
from ..models import Application
from ..services.app_clock import app_clock, now
from ..services.errors import DomainError
from ..services.flows import current_versions, definition_of
from ..services.timers import describe
from ..services.work import Duty
from ..settings import settings
from ..web.access import writer_required
from ..web.formatting import limit_text
from ..web.forms import attach_errors, options
from ..web.nav import NavItem
from . import commands, procedures, progress, queries
from .forms import PERIODS, PURPOSES, AcceptForm, AppointmentForm, DeclineForm, ProgressForm
from .ratelimit import TooManyLookups

# The public pages: no log-in (the factory lists them in PUBLIC_BLUEPRINTS); forms carry CSRF.
public = Blueprint("customer", __name__, template_folder="templates", static_folder="static",
                   static_url_path="/customer/static")
# The connection team's list of appointments: behind the log-in like every staff page.
staff = Blueprint("customer_staff", __name__, template_folder="templates")
NAV = [NavItem("customer_staff.index", _l("Appointments"), 45)]
EVENT_WORDS = {"appointment.received": _l("Online appointment received"),
               "appointment.accepted": _l("Online appointment accepted"),
               "appointment.declined": _l("Online appointment declined")}
PERIOD_HOURS = {"morning": time(9, 0), "afternoon": time(14, 0)}


@public.context_processor
def _utility() -> dict[str, Any]:
    """The utility's name and hotline in the public pages' frame."""
    return {"utility": {"name": settings().utility_name, "phone": settings().utility_phone}}


def client_address() -> str:
    """The customer's address as this server sees it (behind a proxy: configure ProxyFix)."""
    return request.remote_addr or "unknown"


# --- public ------------------------------------------------------------------------------------

@public.route("/progress")
def progress_page() -> Any:
    form = ProgressForm(request.args)
    asked = bool(request.args.get("number") and request.args.get("phone"))
    found, status, message = None, 200, None
    if asked and form.validate():
        try:
            found = progress.find(form.number.data, form.phone.data, client_address(),
                                  current_language())
        except TooManyLookups as exc:
            status, message = 429, translate(exc.message, exc.params)
        else:
            if found is None:
                # The same words whether the number or the phone is wrong.
                status, message = 404, _("No application matches this number and phone. "
                                         "Check both and try again.")
    elif asked:
        status, message = 422, _("Enter the application number and the last four digits "
                                 "of the contact phone.")
    return render_template("customer/progress.html", form=form, found=found,
                           message=message), status


@public.route("/appointment", methods=["GET", "POST"])
def appointment_page() -> Any:
    form = AppointmentForm()
    status, message = 200, None
    if form.validate_on_submit():
        try:
            row = _submit(form)
        except DomainError as exc:
            status = exc.status
            message = " ".join([translate(exc.message, exc.params)] + attach_errors(
                form, exc.fields, {"preferred_at": "preferred_day"}))
        else:
            flash(_("Appointment %(number)s received. We will contact you within %(limit)s.",
                    number=row.number, limit=_limit_words()), "success")
            return redirect(url_for(".appointment_page", done=row.number))
    elif request.method == "POST":
        status, message = 422, _("Please correct the marked fields.")
    return render_template("customer/appointment.html", form=form, message=message,
                           done=request.args.get("done"), limit=_limit_words()), status


def _submit(form: AppointmentForm) -> Any:
    preferred = None
    if form.preferred_day.data:
        hour = PERIOD_HOURS.get(form.preferred_period.data or "morning", time(9, 0))
        preferred = datetime.combine(form.preferred_day.data, hour, tzinfo=LOCAL)
    return commands.submit_online(commands.AppointmentRequest(
        customer_type=form.customer_type.data, customer_name=form.customer_name.data or "",
        contact_name=form.contact_name.data or "", contact_phone=form.contact_phone.data or "",
        address=form.address.data or "", purpose=form.purpose.data, preferred_at=preferred,
        note=form.note.data or ""), client_address())


def _limit_words() -> str:
    return limit_text(queries.answer_limit())


@public.route("/procedures")
def procedures_page() -> Any:
    return render_template("customer/procedures.html",
                           flows=procedures.published_flows(current_language()))


# --- staff: the team's appointment list --------------------------------------------------------

def _flow_choices() -> list[tuple[str, str]]:
    lang = current_language()
    flows = [definition_of(r) for r in current_versions().values()]
    return [(f.code, f"{f.code} · {pick(f.name_zh, f.name_en, lang)}") for f in flows
            if f.whole_clock_starts != "requested"]


def _accept_form(row: Any, formdata: Any = None) -> AcceptForm:
    form = AcceptForm(formdata=formdata, prefix=f"accept-{row.id}", version=row.version_id)
    form.flow.choices = options(_flow_choices())
    return form


@staff.route("/appointments")
def index(failed: dict[int, Any] | None = None, status: int = 200,
          message: str | None = None) -> Any:
    moment, clock = now(), app_clock()
    rows = []
    for row in queries.pending():
        state = describe(row.timer, moment, clock) if row.timer else None
        forms = (failed or {}).get(row.id) or {
            "accept": _accept_form(row),
            "decline": DeclineForm(formdata=None, prefix=f"decline-{row.id}",
                                   version=row.version_id)}
        rows.append({"row": row, "state": state, **forms})
    answered = queries.recent()
    numbers = queries.application_numbers(answered)
    return render_template("customer/appointments.html", rows=rows, answered=answered,
                           numbers=numbers, purposes=PURPOSES, periods=PERIODS,
                           message=message), status


@staff.route("/appointments/<int:appointment_id>/accept", methods=["POST"])
@writer_required
def accept(appointment_id: int) -> Any:
    row = queries.get_appointment(appointment_id)
    form = _accept_form(row, request.form)
    if not form.validate_on_submit():
        return index({row.id: {"accept": form, "decline": DeclineForm(
            formdata=None, prefix=f"decline-{row.id}")}}, 422,
            _("Please correct the marked fields."))
    try:
        # A flow's attributes take their defaults; one without a default is asked for by the
        # service's refusal (the application page corrects it).
        app = commands.accept(row.id, form.flow.data, current_user, attributes={},
                              expected_version=_int(form.version.data))
    except DomainError as exc:
        return index(None, exc.status, translate(exc.message, exc.params))
    flash(_("Appointment %(number)s accepted as application %(application)s.",
            number=row.number, application=app.number), "success")
    return redirect(url_for("application_pages.detail", number=app.number))


@staff.route("/appointments/<int:appointment_id>/decline", methods=["POST"])
@writer_required
def decline(appointment_id: int) -> Any:
    row = queries.get_appointment(appointment_id)
    form = DeclineForm(prefix=f"decline-{row.id}")
    if not form.validate_on_submit():
        return index({row.id: {"accept": _accept_form(row), "decline": form}}, 422,
                     _("Please correct the marked fields."))
    try:
        commands.decline(row.id, form.reason.data or "", current_user,
                         expected_version=_int(form.version.data))
    except DomainError as exc:
        return index(None, exc.status, translate(exc.message, exc.params))
    flash(_("Appointment %(number)s declined.", number=row.number), "success")
    return redirect(url_for(".index"))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- documents on record and My work ----------------------------------------------------

def appointment_on_record(app: Application) -> dict[str, tuple[str, str]] | None:
    """Receiver of `signals.materials_on_record`: 客户预约报装信息 (the archive's first
    document, the Wuhu action plan 四(四)3) is what the customer typed in the appointment."""
    row = queries.appointment_of(app)
    if row is None:
        return None
    return {"客户预约报装信息": (_("Online appointment %(number)s", number=row.number),
                               f"/appointments#appointment-{row.id}")}


def work_duties(kind: str, timers: list) -> dict[int, Duty] | None:
    """Receiver of `signals.work_duties`: the online appointments to answer."""
    if kind != "appointment":
        return None
    found = queries.appointments_by_id([timer.subject_id for timer, _app in timers])
    return {timer.id: Duty(kind=kind, number=a.number, title=a.customer_name,
                           next_action=_("Answer the online appointment"),
                           url=url_for("customer_staff.index", _anchor=f"appointment-{a.id}"),
                           customer=a.contact_name, address=a.address, phone=a.contact_phone)
            for timer, _app in timers if (a := found.get(timer.subject_id)) is not None}
