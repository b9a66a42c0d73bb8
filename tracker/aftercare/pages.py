"""After-care pages: callbacks (回访) with their result form, the monthly callback and satisfaction
rates, the 好差评 CSV upload, and home-visit follow-ups (上门回访)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape

from ..errors import translate
from ..i18n import current_language
from ..services.app_clock import now
from ..services.errors import Conflict, Forbidden, ValidationFailed
from ..services.months import Month, parse_month
from ..services.pagination import page_count
from ..services.reference import departments
from ..services.work import Duty, application_duty
from ..web import cells
from ..web.access import can_manage
from ..web.formatting import pattern
from ..web.forms import RowForms, attach_errors, kept_drawing, options, page_number
from ..web.nav import NavItem
from . import commands, importer, presenters, queries, rates
from .forms import AssignForm, CallbackResultForm, FollowUpCloseForm, ImportForm

bp = Blueprint("aftercare_pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/aftercare/static")
NAV = [NavItem("aftercare_pages.index", _l("Callbacks"), 60),
       NavItem("aftercare_pages.follow_ups", _l("Follow-ups"), 65)]
# The event log's words for this feature's events.
EVENT_WORDS = {
    "callback.opened": _l("Callback opened"),
    "callback.done": _l("Callback done"),
    "callback.attempt": _l("Callback attempted, customer not reached"),
    "callback.assigned": _l("Callback assigned to a department (责成相关部门处理)"),
    "followup.opened": _l("Home-visit follow-up opened"),
    "followup.closed": _l("Home-visit follow-up closed"),
    "evaluation.imported": _l("Evaluation imported"),
}
PER_PAGE = 50

CALLBACK_STATUSES = {"open": _l("To call"), "done": _l("Done"), "all": _l("All")}
FOLLOW_UP_STATUSES = {"open": _l("Open"), "closed": _l("Closed")}
ORIGINS = {"callback": _l("Callback"), "evaluation": _l("好差评 evaluation")}
YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


def _water_on() -> Month | None:
    """?water_on=2026-10: the callbacks of the applications whose water went on that month
    (the dashboard's callback-rate tile links here); None for every callback."""
    try:
        return parse_month(request.args["water_on"])
    except (KeyError, ValidationFailed):
        return None


def _month() -> tuple[int, int]:
    """?month=2026-10 (or the list's ?water_on=), or the current month in local time."""
    chosen = _water_on()
    if chosen is None:
        try:
            chosen = parse_month(request.args["month"])
        except (KeyError, ValidationFailed):
            chosen = Month.containing(now())
    return chosen.year, chosen.month


def _open_row_forms(rows: list[dict[str, Any]], form_class: type[FlaskForm], prefix: str,
                    failed: dict[int, Any] | None, status: int) -> dict[int, Any]:
    """A form for each open row: the one posted and refused, as typed (its version brought
    up to date after a 409, so a second try can succeed), or a fresh one."""
    forms = {}
    for row in rows:
        if row["status"] != "open":
            continue
        form = (failed or {}).get(row["id"])
        if form is None:
            form = form_class(formdata=None, prefix=f"{prefix}{row['id']}", version=row["version"])
        elif status == 409:
            form.version.data = row["version"]
            form.version.raw_data = [str(row["version"])]
        forms[row["id"]] = form
    return forms


class CallbackTable:
    """The callbacks table's rows (callbacks.html's <tbody>), each drawn by one format of its
    markup in Python: the template's row took ~20 us of Jinja per row (an attribute read, an
    escape and a call per cell) on top of building its cells. What every row shares is made
    once per page: the URLs' patterns (web.cells.RowUrl), the words, the time-left sentences
    (web.cells.Remaining), a badge per state, each row form's drawing (web.forms.RowForms).
    Every value is escaped as the template's `{{ }}` escaped it; the whitespace is the
    template's own, so the page is byte for byte what the template drew
    (tests/web/test_pages_same_html.py; tests/aftercare/test_callback_table.py keeps the
    template's row as the reference for every kind of row)."""

    def __init__(self, rows: list[dict[str, Any]], shown: str, forms: RowForms,
                 assign_forms: RowForms) -> None:
        self.rows, self.forms, self.assign_forms = rows, forms, assign_forms
        self.detail_url = cells.RowUrl("application_pages.detail", "number")
        self.result_url = cells.RowUrl("aftercare_pages.record_result", "callback_id",
                                       status=shown)
        self.assign_url = cells.RowUrl("aftercare_pages.assign", "callback_id", status=shown)
        self.remaining = cells.Remaining()
        self.badges: dict[str, Markup] = {}

    def html(self, writer: bool, result_fields: Any, assign_fields: Any) -> Markup:
        """The rows; `result_fields` and `assign_fields` the template's macros of the forms."""
        # As the template's _() gives them (Jinja's newstyle gettext: the translation as
        # markup, formatted with the values, escaped)
        words = {name: Markup(pattern(msgid)) % {} for name, msgid in (
            ("satisfied", "Satisfied"), ("not_satisfied", "Not satisfied"),
            ("department", "Responsible department"), ("awaiting", "awaiting assignment"))}
        attempts = Markup(pattern("%(n)s unanswered calls"))
        return Markup("".join(self._row(row, writer, result_fields, assign_fields, words,
                                        attempts) for row in self.rows))

    def _row(self, row: dict[str, Any], writer: bool, result_fields: Any, assign_fields: Any,
             words: dict[str, Any], attempts: Markup) -> str:
        sla, key = row["sla"], row["id"]
        state = sla["state"]
        badge = self.badges.get(state)
        if badge is None:
            badge = self.badges[state] = cells.state_badge(state)
        if row["status"] == "done":
            verdict = f'<span class="tag tag-ok">{words["satisfied"]}</span>' if row["satisfied"] \
                else f'<span class="tag tag-warn">{words["not_satisfied"]}</span>'
            assigned = ""
            if key in self.assign_forms:
                form = ""
                if writer:
                    form = (f'\n          \n          <form method="post" '
                            f'action="{html(self.assign_url(key))}" '
                            f'class="inline-form assign-form">\n            '
                            f'{self.assign_forms.html(key, assign_fields)}\n          </form>'
                            f'\n          ')
                assigned = (f'\n          <br><small>{words["department"]}: '
                            f'{html(row["assigned_department_name"] or words["awaiting"])}'
                            f'</small>\n          {form}\n          ')
            result = (f'\n          {verdict}\n          {html(row["comment"])}<br><small '
                      f'class="muted">{cells.dt_text(row["done_at"])} · '
                      f'{html(row["done_by"] or "—")}</small>\n          {assigned}\n        ')
        else:
            calls = f'<small class="muted">{attempts % {"n": row["attempts"]}}</small>' \
                if row["attempts"] else ""
            form = ""
            if writer:
                form = (f'\n          \n          <form method="post" '
                        f'action="{html(self.result_url(key))}" class="callback-form" '
                        f'novalidate>\n            {self.forms.html(key, result_fields)}'
                        f'\n          </form>\n          ')
            result = f"\n          {calls}\n          {form}\n        "
        number = row["application_number"]
        return (f'\n    <tr class="row-{html(state)}" id="callback-{html(key)}">\n'
                f'      <td>{badge}</td>\n'
                f'      <td class="nowrap"><a href="{html(self.detail_url(number))}">'
                f'{html(number)}</a></td>\n'
                f'      <td>{html(row["customer_name"])}<br><small class="muted">'
                f'{html(row["contact_name"])} {html(row["contact_phone"])}</small></td>\n'
                f'      <td class="nowrap">{cells.dt_text(row["completed_at"])}</td>\n'
                f'      <td class="nowrap">{cells.dt_text(sla["due_at"])}<br><small>'
                f'{self.remaining(sla)}</small></td>\n'
                f'      <td>\n        {result}\n      </td>\n    </tr>\n  ')


def html(value: Any) -> str:
    """`{{ value }}` of a row's value as a str: cells.text for a str (markupsafe's
    replacements without a Markup object per cell), markupsafe.escape for anything else (a
    number, None, markup)."""
    return cells.text(value) if value.__class__ is str else str(escape(value))


def render_callbacks(failed: dict[int, CallbackResultForm] | None = None,
                     import_form: ImportForm | None = None, report: Any = None,
                     status: int = 200, message: str | None = None) -> Any:
    shown = request.args.get("status", "open")
    if shown not in CALLBACK_STATUSES:
        shown = "open"
    page = page_number()
    water_on = _water_on()
    items, total = queries.list_callback_rows(
        status=None if shown == "all" else shown, page=page, per_page=PER_PAGE,
        water_on=water_on.bounds if water_on else None)
    # The page shows no 代办 acts: not read.
    rows = presenters.present_callback_rows(items, current_language(), proxies=False)
    lang = current_language()
    # The forms' drawings kept across requests (RowForms' `kept`): what the macros show
    # besides the form is the language and, in the result form, whether a 代办 reason is
    # asked (can_manage); in the assignment form the departments offered.
    forms = RowForms(CallbackResultForm, "cb",
                     {row["id"]: row["version"] for row in rows if row["status"] == "open"},
                     failed=failed, conflict=status == 409, kept=(lang, can_manage()))
    offered = tuple((code, d.name_en if lang == "en" else d.name_zh)
                    for code, d in departments().items())
    choices = options(offered)
    unsatisfied = [row for row in rows if row["status"] == "done" and row["satisfied"] is False]
    assign_forms = RowForms(
        AssignForm, "as", {row["id"]: row["version"] for row in unsatisfied},
        values={row["id"]: {"department": row["assigned_department"]} for row in unsatisfied},
        setup=lambda form: setattr(form.department, "choices", choices),
        kept=(lang, offered))
    year, month = _month()
    month_rates = rates.callback_rates(year, month)
    return render_template(
        "aftercare/callbacks.html", rows=rows,
        table=CallbackTable(rows, shown, forms, assign_forms), forms=forms, assign_forms=assign_forms,
        total=total, shown=shown,
        statuses=CALLBACK_STATUSES, page=page, pages=page_count(total, PER_PAGE),
        args={"status": shown, **({"water_on": water_on.label} if water_on else {})},
        water_on=water_on.label if water_on else None, rates=month_rates,
        month=f"{year}-{month:02d}",
        import_drawing=_import_drawing(import_form, lang), report=report,
        message=message), status


def _import_drawing(form: ImportForm | None, lang: str) -> Any:
    """What callbacks.html calls with its import_fields macro: the upload form refused (as
    posted), or a fresh one, whose drawing is kept per language (web.forms.kept_drawing:
    building and drawing it was ~0.8 ms of every page a writer sees)."""
    if form is not None:
        return lambda macro: macro(form)
    return lambda macro: kept_drawing((ImportForm, "import", lang),
                                      lambda: ImportForm(formdata=None), macro)


@bp.route("/callbacks")
def index() -> Any:
    return render_callbacks()


@bp.route("/callbacks/<int:callback_id>/result", methods=["POST"])
def record_result(callback_id: int) -> Any:
    form = CallbackResultForm(prefix=f"cb{callback_id}")
    if not form.validate_on_submit():
        return render_callbacks({callback_id: form}, status=422,
                                message=_("Please correct the marked fields."))
    satisfied = {"yes": True, "no": False}.get(form.satisfied.data or "")
    reached = form.reached.data == "yes"
    try:
        callback = commands.record_callback_result(
            callback_id, current_user, reached=reached, satisfied=satisfied,
            comment=form.comment.data or "", expected_version=form.version.data,
            proxy_reason=form.proxy_reason.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.fields)
        return render_callbacks({callback_id: form}, status=422,
                                message=translate(exc.message, exc.params))
    except (Conflict, Forbidden) as exc:
        return render_callbacks({callback_id: form}, status=exc.status,
                                message=translate(exc.message, exc.params))
    if not reached:
        flash(_("Attempt logged; the callback stays open."), "info")
    elif callback.satisfied:
        flash(_("Callback recorded."), "success")
    else:
        flash(_("Callback recorded; a home-visit follow-up was opened."), "success")
    return redirect(url_for(".index", status=request.args.get("status", "open")))


@bp.route("/callbacks/<int:callback_id>/assignment", methods=["POST"])
def assign(callback_id: int) -> Any:
    """责成相关部门处理: customer service names the department a complaint is charged to."""
    form = AssignForm(prefix=f"as{callback_id}")
    form.department.choices = options([(code, code) for code in departments()])
    back = redirect(url_for(".index", status=request.args.get("status", "done")))
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return back
    try:
        commands.assign_callback(callback_id, current_user, department=form.department.data,
                                 expected_version=form.version.data)
    except (ValidationFailed, Conflict) as exc:
        flash(translate(exc.message, exc.params), "error")
        return back
    flash(_("The department responsible is recorded."), "success")
    return back


@bp.route("/callbacks/import", methods=["POST"])
def import_evaluations() -> Any:
    form = ImportForm()
    if not form.validate_on_submit():
        return render_callbacks(import_form=form, status=422,
                                message=_("Please correct the marked fields."))
    try:
        report = importer.import_evaluations(form.file.data.read(), current_user,
                                             source=form.source.data or "haochaping")
    except ValidationFailed as exc:
        attach_errors(form, exc.fields)
        return render_callbacks(import_form=form, status=422,
                                message=translate(exc.message, exc.params))
    rows = [{"line": e.line, "message": translate(e.message, e.params)} for e in report.errors]
    return render_callbacks(report={"imported": report.imported,
                                    "already_imported": report.already_imported,
                                    "follow_ups_opened": report.follow_ups_opened,
                                    "errors": rows})


# --- follow-ups ---------------------------------------------------------------------------

def render_follow_ups(failed: dict[int, FollowUpCloseForm] | None = None, status: int = 200,
                      message: str | None = None) -> Any:
    shown = request.args.get("status", "open")
    if shown not in FOLLOW_UP_STATUSES:
        shown = "open"
    page = page_number()
    items, total = queries.list_follow_ups(status=shown, page=page, per_page=PER_PAGE)
    rows = presenters.present_follow_ups(items, current_language())
    forms = _open_row_forms(rows, FollowUpCloseForm, "fu", failed, status)
    return render_template(
        "aftercare/follow_ups.html", rows=rows, forms=forms, total=total, shown=shown,
        statuses=FOLLOW_UP_STATUSES, origins=ORIGINS, page=page,
        pages=page_count(total, PER_PAGE), args={"status": shown},
        message=message), status


@bp.route("/follow-ups")
def follow_ups() -> Any:
    return render_follow_ups()


@bp.route("/follow-ups/<int:follow_up_id>/close", methods=["POST"])
def close_follow_up(follow_up_id: int) -> Any:
    form = FollowUpCloseForm(prefix=f"fu{follow_up_id}")
    if not form.validate_on_submit():
        return render_follow_ups({follow_up_id: form}, 422,
                                 _("Please correct the marked fields."))
    try:
        commands.close_follow_up(follow_up_id, current_user, action_taken=form.action_taken.data,
                                evidence=form.evidence.data or "",
                                expected_version=form.version.data,
                                proxy_reason=form.proxy_reason.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.fields)
        return render_follow_ups({follow_up_id: form}, 422, translate(exc.message, exc.params))
    except (Conflict, Forbidden) as exc:
        return render_follow_ups({follow_up_id: form}, exc.status,
                                 translate(exc.message, exc.params))
    flash(_("Follow-up closed."), "success")
    return redirect(url_for(".follow_ups"))


# --- My work ----------------------------------------------------------------------------------

def work_duties(kind: str, timers: list) -> dict[int, Duty] | None:
    """Receiver of `signals.work_duties`: callbacks (回访) and home visits (上门回访)."""
    # The words and the page's URL once for the page, not per row (issue 15); the anchor
    # (letters, a dash and the row's id) is one url_for would write as it is.
    if kind == "callback":
        title, action = _("Callback"), _("Call the customer and record the result")
        base = url_for("aftercare_pages.index")
        return {timer.id: application_duty(
            kind, app, title, action, f"{base}#callback-{int(timer.subject_id)}")
            for timer, app in timers}
    if kind == "followup":
        title, action = _("Home-visit follow-up"), _("Visit the customer and record what was done")
        base = url_for("aftercare_pages.follow_ups")
        return {timer.id: application_duty(
            kind, app, timer.label or title, action, f"{base}#follow-up-{int(timer.subject_id)}")
            for timer, app in timers}
    return None
