"""Problem-library pages (问题库): the list with filters, registering a problem, and one problem
with the form of its current stage (verify, rectified, re-check)."""
from __future__ import annotations

import math
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..errors import translate
from ..extensions import db
from ..i18n import current_language
from ..services import problems as service
from ..services.clock import app_clock, now
from ..services.errors import Conflict, ValidationFailed
from ..services.reference import departments
from .access import writer_required
from .forms import _in_clock_range as in_clock_range
from .forms import options
from .nav import NavItem, can_write

bp = Blueprint("problem_pages", __name__)
NAV = [NavItem("problem_pages.new", _l("New problem"), 75, can_write)]
LOCAL = ZoneInfo("Asia/Shanghai")
PER_PAGE = 50


def _version() -> IntegerField:
    return IntegerField(widget=HiddenField.widget, validators=[Optional()])


class NewProblemForm(FlaskForm):
    source = SelectField(_l("Source"), choices=[], validators=[DataRequired()])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=4000)])
    location = StringField(_l("Where it was found"), validators=[Length(max=300)])
    department = SelectField(_l("Responsible department"), choices=[],
                             validators=[DataRequired()])
    reported_at = DateTimeLocalField(_l("Reported at"), validators=[Optional(), in_clock_range],
                                     tz=LOCAL,
                                     description=_l("Leave blank for now; the verification "
                                                    "clock starts here."))


class VerifyForm(FlaskForm):
    version = _version()
    outcome = RadioField(_l("Verification result"), validators=[InputRequired()],
                         choices=options([("rectify", _l("A problem: rectify by the deadline")),
                                          ("not_problem", _l("Not a problem"))]))
    rectify_due_on = DateField(_l("Rectify by (close of office that day)"),
                               validators=[Optional(), in_clock_range])
    note = TextAreaField(_l("Findings (the reason when not a problem)"),
                         validators=[Length(max=4000)])


class RectifiedForm(FlaskForm):
    version = _version()
    note = TextAreaField(_l("What was rectified"), validators=[DataRequired(), Length(max=4000)])


class RecheckForm(FlaskForm):
    version = _version()
    outcome = RadioField(_l("Re-check result"), validators=[InputRequired()],
                         choices=options([("passed", _l("Passed: close the problem (销号)")),
                                          ("failed", _l("Not passed: back to rectification"))]))
    rectify_due_on = DateField(_l("New deadline when sent back"),
                               validators=[Optional(), in_clock_range])
    note = TextAreaField(_l("Note (the reason when not passed)"), validators=[Length(max=4000)])


STAGE_FORMS = {"verifying": VerifyForm, "rectifying": RectifiedForm, "rechecking": RecheckForm}
STAGE_ACTIONS = {"verifying": "problem_pages.verify", "rectifying": "problem_pages.rectified",
                 "rechecking": "problem_pages.recheck"}
EVENTS = {
    "problem.created": _l("Registered"), "problem.verified": _l("Verified: to rectify"),
    "problem.not_problem": _l("Verified: not a problem"),
    "problem.rectified": _l("Rectification reported"),
    "problem.sent_back": _l("Re-check not passed: sent back"),
    "problem.closed": _l("Re-check passed: closed"),
}


def _choices(lang: str) -> tuple[list, list]:
    sources = [(code, service.label(service.SOURCES, code, lang)) for code in service.SOURCES]
    depts = [(code, d.name_en if lang == "en" else d.name_zh) for code, d in departments().items()]
    return sources, depts


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 100000))
    except ValueError:
        return 1


@bp.route("/problems")
def index() -> Any:
    lang = current_language()
    sources, depts = _choices(lang)
    args = {key: request.args.get(key, "") for key in ("status", "source", "department",
                                                       "overdue", "text")}
    flt = service.ProblemFilter(
        status=args["status"] if args["status"] in ("open", *service.STATUSES) else None,
        source=args["source"] if args["source"] in service.SOURCES else None,
        department=args["department"] if args["department"] in departments() else None,
        overdue={"yes": True, "no": False}.get(args["overdue"]),
        text=args["text"].strip()[:100] or None)
    page = _page_number()
    moment, clock = now(), app_clock()
    items, total = service.list_problems(flt, moment, page, PER_PAGE)
    rows = [service.present_problem(p, moment, clock, lang) for p in items]
    statuses = [("open", _("Open")),
                *[(code, service.label(service.STATUSES, code, lang)) for code in service.STATUSES]]
    return render_template("problems/list.html", rows=rows, total=total, page=page,
                           pages=math.ceil(total / PER_PAGE) if total else 0,
                           args={k: v for k, v in args.items() if v}, chosen=args,
                           sources=sources, departments=depts, statuses=statuses,
                           stages=service.STAGES, lang=lang)


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
            problem = service.create_problem(service.NewProblem(
                source=form.source.data, description=form.description.data or "",
                department=form.department.data, location=form.location.data or "",
                reported_at=form.reported_at.data), current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            _field_errors(form, exc.fields)
            status, message = 422, translate(exc.message, exc.params)
        else:
            flash(_("Problem %(number)s registered.", number=problem.number), "success")
            return redirect(url_for(".detail", number=problem.number))
    elif request.method == "POST":
        status, message = 422, _("Please correct the marked fields.")
    return render_template("problems/new.html", form=form, message=message), status


def render_problem(number: str, form: FlaskForm | None = None, status: int = 200,
                   message: str | None = None) -> Any:
    db.session.expire_all()
    problem = service.get_problem(number)
    lang = current_language()
    view = service.present_problem(problem, now(), app_clock(), lang, detail=True)
    form_class = STAGE_FORMS.get(problem.status)
    if form is None and form_class is not None:
        form = form_class(formdata=None, version=problem.version_id)
    elif form is not None and status == 409:
        form.version.data = problem.version_id
        form.version.raw_data = [str(problem.version_id)]
    if form is not None and not isinstance(form, form_class or ()):
        form = None  # the stage moved on: the old stage's form no longer applies
    return render_template("problems/detail.html", view=view, form=form,
                           action=STAGE_ACTIONS.get(problem.status), events=EVENTS,
                           message=message), status


@bp.route("/problems/<string:number>")
def detail(number: str) -> Any:
    return render_problem(number)


def _field_errors(form: FlaskForm, fields: dict[str, list[str]]) -> None:
    aliases = {"rectify_due_at": "rectify_due_on"}
    for name, messages in fields.items():
        target = getattr(form, aliases.get(name, name), None)
        if target is not None:
            target.errors = list(target.errors) + [translate(m) for m in messages]


def _act(number: str, form: FlaskForm, action: Any, done: str) -> Any:
    if not form.validate_on_submit():
        return render_problem(number, form, 422, _("Please correct the marked fields."))
    try:
        action()
    except ValidationFailed as exc:
        db.session.rollback()
        _field_errors(form, exc.fields)
        return render_problem(number, form, 422, translate(exc.message, exc.params))
    except Conflict as exc:
        db.session.rollback()
        return render_problem(number, form, 409, translate(exc.message, exc.params))
    flash(done, "success")
    return redirect(url_for(".detail", number=number))


@bp.route("/problems/<string:number>/verify", methods=["POST"])
def verify(number: str) -> Any:
    form = VerifyForm()
    return _act(number, form, lambda: service.verify(
        number, current_user, is_problem=form.outcome.data == "rectify",
        note=form.note.data or "", rectify_due_at=form.rectify_due_on.data,
        expected_version=form.version.data), _("Verification recorded."))


@bp.route("/problems/<string:number>/rectified", methods=["POST"])
def rectified(number: str) -> Any:
    form = RectifiedForm()
    return _act(number, form, lambda: service.report_rectified(
        number, current_user, note=form.note.data or "", expected_version=form.version.data),
        _("Rectification reported; the re-check has started."))


@bp.route("/problems/<string:number>/recheck", methods=["POST"])
def recheck(number: str) -> Any:
    form = RecheckForm()
    return _act(number, form, lambda: service.recheck(
        number, current_user, passed=form.outcome.data == "passed", note=form.note.data or "",
        rectify_due_at=form.rectify_due_on.data, expected_version=form.version.data),
        _("Re-check recorded."))
