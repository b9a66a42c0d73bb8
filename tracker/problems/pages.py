"""Problem-library pages (问题库): the list with filters, registering a problem, and one problem
with the form of its current stage (verify, rectified, re-check)."""
from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from ..csvfile import BOM, SafeWriter
from ..errors import translate
from ..i18n import current_language, pick
from ..models import Role
from ..services.app_clock import app_clock, now
from ..services.duties import is_assessment_office
from ..services.errors import Conflict, Forbidden, ValidationFailed
from ..services.pagination import page_count
from ..services.reference import departments
from ..services.work import Duty
from ..sla import FIRST_YEAR, LAST_YEAR
from ..web.access import may_post, writer_required
from ..web.forms import attach_errors, options, page_number
from ..web.nav import NavItem, can_write
from . import commands, models, presenters, queries
from .forms import (
    STAGE_FORMS,
    AdjustForm,
    FindingForm,
    IssueForm,
    NewProblemForm,
    RecheckForm,
    RectifiedForm,
    VerifyForm,
)

# The assessment office (an assessor, no writer) posts 下达, adjustments and sanctions here;
# each command checks who may do what (services.duties).
bp = may_post(Blueprint("problem_pages", __name__, template_folder="templates"), Role.ASSESSOR)
NAV = [NavItem("problem_pages.index", _l("Problems"), 70),
       NavItem("problem_pages.new", _l("New problem"), 75, can_write),
       NavItem("problem_pages.sanctions", _l("Problem sanctions"), 76)]
PER_PAGE = 50


STAGE_ACTIONS = {"registered": "problem_pages.issue", "verifying": "problem_pages.verify", "rectifying": "problem_pages.rectified",
                 "rechecking": "problem_pages.recheck"}
EVENTS = {
    "problem.created": _l("Registered"), "problem.verified": _l("Verified: to rectify"),
    "problem.not_problem": _l("Verified: not a problem"),
    "problem.rectified": _l("Rectification reported"),
    "problem.sent_back": _l("Re-check not passed: sent back"),
    "problem.closed": _l("Re-check passed: closed"),
    "problem.issued": _l("Issued to the department (下达)"),
    "problem.adjusted": _l("Adjusted by the assessment office"),
    "problem.sanctioned": _l("Sanction recorded (annual assessment)"),
}


def _choices(lang: str) -> tuple[list, list]:
    sources = [(code, presenters.name_of(models.SOURCES, code, lang)) for code in models.SOURCES]
    depts = [(code, pick(d.name_zh, d.name_en, lang)) for code, d in departments().items()]
    return sources, depts


@bp.route("/problems")
def index() -> Any:
    lang = current_language()
    sources, depts = _choices(lang)
    args = {key: request.args.get(key, "") for key in ("status", "source", "department",
                                                       "overdue", "text")}
    flt = queries.ProblemFilter(
        status=args["status"] if args["status"] in ("open", *models.STATUSES) else None,
        source=args["source"] if args["source"] in models.SOURCES else None,
        department=args["department"] if args["department"] in departments() else None,
        overdue={"yes": True, "no": False}.get(args["overdue"]),
        text=args["text"].strip()[:100] or None)
    page = page_number()
    moment, clock = now(), app_clock()
    items, total = queries.list_problems(flt, moment, page, PER_PAGE)
    rows = [presenters.present_problem(p, moment, clock, lang) for p in items]
    statuses = [("open", _("Open")),
                *[(code, presenters.name_of(models.STATUSES, code, lang)) for code in models.STATUSES]]
    return render_template("problems/list.html", rows=rows, total=total, page=page,
                           pages=page_count(total, PER_PAGE),
                           args={k: v for k, v in args.items() if v}, chosen=args,
                           sources=sources, departments=depts, statuses=statuses,
                           stages=models.STAGES, lang=lang)


@bp.route("/problems/new", methods=["GET", "POST"])
@writer_required
def new() -> Any:
    lang = current_language()
    form = NewProblemForm()
    sources, depts = _choices(lang)
    form.source.choices, form.department.choices = options(sources), options(depts)
    status, message = 200, None
    if form.validate_on_submit():
        try:
            problem = commands.create_problem(commands.NewProblem(
                source=form.source.data, description=form.description.data or "",
                department=form.department.data, location=form.location.data or "",
                reported_at=form.reported_at.data), current_user)
        except ValidationFailed as exc:
            attach_errors(form, exc.fields)
            status, message = 422, translate(exc.message, exc.params)
        else:
            flash(_("Problem %(number)s registered.", number=problem.number), "success")
            return redirect(url_for(".detail", number=problem.number))
    elif request.method == "POST":
        status, message = 422, _("Please correct the marked fields.")
    return render_template("problems/new.html", form=form, message=message), status


def render_problem(number: str, form: FlaskForm | None = None, status: int = 200,
                   message: str | None = None, extra: FlaskForm | None = None) -> Any:
    """The problem page; `form` is the stage form as posted, `extra` an office form."""
    problem = queries.get_problem(number)
    lang = current_language()
    view = presenters.present_problem(problem, now(), app_clock(), lang, detail=True)
    form_class = STAGE_FORMS.get(problem.status)
    if problem.status == "registered":
        form_class = IssueForm if is_assessment_office(current_user) else None
    if form is None and form_class is not None:
        form = form_class(formdata=None, version=problem.version_id)
    elif form is not None and status == 409:
        form.version.data = problem.version_id
        form.version.raw_data = [str(problem.version_id)]
    if form is not None and not isinstance(form, form_class or ()):
        form = None  # the stage moved on: the old stage's form no longer applies
    office = is_assessment_office(current_user)
    adjust_form = finding_form = None
    if office and problem.status == "rectifying":
        adjust_form = extra if isinstance(extra, AdjustForm) else AdjustForm(
            formdata=None, prefix="adjust", version=problem.version_id,
            department=problem.department_code, description=problem.description)
        adjust_form.department.choices = options(_choices(lang)[1])
        if isinstance(extra, AdjustForm) and status == 409:
            adjust_form.version.data = problem.version_id
            adjust_form.version.raw_data = [str(problem.version_id)]
    if office and problem.status != "registered":
        finding_form = extra if isinstance(extra, FindingForm) else FindingForm(
            formdata=None, prefix="finding")
    return render_template("problems/detail.html", view=view, form=form,
                           action=STAGE_ACTIONS.get(problem.status), events=EVENTS,
                           message=message, adjust_form=adjust_form, office=office,
                           finding_form=finding_form), status


@bp.route("/problems/<string:number>")
def detail(number: str) -> Any:
    return render_problem(number)


def _act(number: str, form: FlaskForm, action: Any, done: str, *, extra: bool = False) -> Any:
    """Run a stage (or, with `extra`, an office) form's command; a refusal re-renders the page
    with the message and the form as typed, and the status of the refusal."""

    def again(status: int, message: str) -> Any:
        if extra:
            return render_problem(number, None, status, message, extra=form)
        return render_problem(number, form, status, message)

    if not form.validate_on_submit():
        return again(422, _("Please correct the marked fields."))
    try:
        action()
    except ValidationFailed as exc:
        attach_errors(form, exc.fields)
        return again(422, translate(exc.message, exc.params))
    except Conflict as exc:
        return again(409, translate(exc.message, exc.params))
    except Forbidden as exc:
        return again(403, translate(exc.message, exc.params))
    flash(done, "success")
    return redirect(url_for(".detail", number=number))


@bp.route("/problems/<string:number>/verify", methods=["POST"])
def verify(number: str) -> Any:
    form = VerifyForm()
    return _act(number, form, lambda: commands.verify(
        number, current_user, is_problem=form.outcome.data == "rectify",
        note=form.note.data or "", rectify_due_at=form.rectify_due_on.data,
        expected_version=form.version.data, proxy_reason=form.proxy_reason.data),
        _("Verification recorded."))


@bp.route("/problems/<string:number>/rectified", methods=["POST"])
def rectified(number: str) -> Any:
    form = RectifiedForm()
    return _act(number, form, lambda: commands.report_rectified(
        number, current_user, note=form.note.data or "", expected_version=form.version.data,
        proxy_reason=form.proxy_reason.data),
        _("Rectification reported; the re-check has started."))


@bp.route("/problems/<string:number>/recheck", methods=["POST"])
def recheck(number: str) -> Any:
    form = RecheckForm()
    return _act(number, form, lambda: commands.recheck(
        number, current_user, passed=form.outcome.data == "passed", note=form.note.data or "",
        rectify_due_at=form.rectify_due_on.data, expected_version=form.version.data,
        proxy_reason=form.proxy_reason.data), _("Re-check recorded."))


@bp.route("/problems/<string:number>/issue", methods=["POST"])
def issue(number: str) -> Any:
    form = IssueForm()
    return _act(number, form, lambda: commands.issue(
        number, current_user, at=form.at.data, expected_version=form.version.data),
        _("Issued to the department; the verification clock has started."))


@bp.route("/problems/<string:number>/adjust", methods=["POST"])
def adjust(number: str) -> Any:
    form = AdjustForm(prefix="adjust")
    form.department.choices = options(_choices(current_language())[1])
    return _act(number, form, lambda: commands.adjust(
        number, current_user, reason=form.reason.data or "", department=form.department.data,
        description=form.description.data, rectify_due_at=form.rectify_due_on.data,
        expected_version=form.version.data), _("Problem adjusted."), extra=True)


@bp.route("/problems/<string:number>/findings", methods=["POST"])
def finding(number: str) -> Any:
    form = FindingForm(prefix="finding")
    return _act(number, form, lambda: commands.record_finding(
        number, current_user, points=float(form.points.data or 0),
        reason=form.reason.data or "", year=form.year.data),
        _("Sanction recorded."), extra=True)


def _year_asked() -> int:
    """The year in ?year= (this year when absent or out of range)."""
    this_year = now().astimezone(app_clock().tz).year
    year = request.args.get("year", type=int)
    return year if year is not None and FIRST_YEAR <= year <= LAST_YEAR else this_year


@bp.route("/problems/sanctions")
def sanctions() -> Any:
    """The annual roll-up of sanction findings per department (年度考核扣分)."""
    year = _year_asked()
    rollup = presenters.annual_rollup(year, queries.annual_findings(year), current_language())
    return render_template("problems/sanctions.html", rollup=rollup, year=year)


@bp.route("/problems/sanctions.csv")
def sanctions_csv() -> Any:
    """The roll-up as CSV: one row per finding, with the department's total."""
    year = _year_asked()
    rollup = presenters.annual_rollup(year, queries.annual_findings(year), current_language())
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = SafeWriter(buffer)
    writer.writerow([_("Year"), _("Department"), _("Problem"), _("Points deducted"),
                     _("Finding"), _("Recorded at"), _("Recorded by"), _("Department total")])
    for row in rollup["departments"]:
        for item in row["items"]:
            writer.writerow([year, row["department_name"], item["number"], item["points"],
                             item["reason"], item["recorded_at"].strftime("%Y-%m-%d %H:%M"),
                             item["recorded_by"] or "", row["points"]])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="problem-sanctions-{year}.csv"'
    return response


# --- My work ----------------------------------------------------------------------------------

STAGE_NEXT = {"verify": _l("Verify the problem and report what was found"),
              "rectify": _l("Rectify the problem and report what was done"),
              "recheck": _l("Re-check the rectification")}


def work_duties(kind: str, timers: list) -> dict[int, Duty] | None:
    """Receiver of `signals.work_duties`: the problem stages, one query for the page."""
    if kind != "problem":
        return None
    found = queries.problems_by_id([timer.subject_id for timer, _app in timers])
    lang = current_language()
    result = {}
    for timer, _app in timers:
        problem = found.get(timer.subject_id)
        if problem is not None:
            stage = models.STAGES.get(timer.stage, (timer.stage, timer.stage))
            result[timer.id] = Duty(
                kind=kind, number=problem.number,
                title=f"{pick(stage[0], stage[1], lang)} · {problem.description[:80]}",
                next_action=str(STAGE_NEXT.get(timer.stage, "")),
                url=url_for("problem_pages.detail", number=problem.number), address=problem.location)
    return result
