"""The assessment's pages: the review of a month (totals per department, the items, waive or
confirm, issue), one item (its points, its appeals and their decision), adding an item; a
department's items in the issued version with the appeal form; the open appeals on My work."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ..errors import translate
from ..i18n import current_language, pick
from ..models import Role, SubjectType
from ..services.app_clock import now
from ..services.errors import Conflict, DomainError, NotFound
from ..services.months import Month, parse_month
from ..services.reference import departments
from ..services.work import Duty
from ..web.access import can_assess, may_post
from ..web.forms import attach_errors, options
from ..web.nav import NavItem
from . import commands, presenters, queries
from .forms import AppealForm, BackdatedForm, DecisionForm, IssueForm, ItemForm, PointsForm

# The assessment office posts here though it is no writer (it completes no step).
bp = may_post(Blueprint("assessment_pages", __name__, template_folder="templates",
                        static_folder="static", static_url_path="/assessment/static"),
              Role.ASSESSOR)
NAV = [NavItem("assessment_pages.index", _l("Assessment"), 85)]
EVENT_WORDS = {
    "assessment.points_set": _l("Assessment: points chosen"),
    "assessment.backdated_confirmed": _l("Assessment: back-dated lateness confirmed"),
    "assessment.backdated_waived": _l("Assessment: back-dated lateness waived"),
    "assessment.item_added": _l("Assessment: item added"),
    "assessment.issued": _l("Assessment issued"),
    "assessment.appealed": _l("Assessment: appeal filed"),
    "assessment.appeal_upheld": _l("Assessment: appeal upheld"),
    "assessment.appeal_rejected": _l("Assessment: appeal rejected"),
}
STATUSES = {"counted": _l("Counted"), "confirmed": _l("Confirmed"), "waived": _l("Waived"),
            "removed": _l("Removed on appeal"), "pending": _l("Back-dated: to confirm or waive")}
APPEAL_STATES = {"open": _l("Awaiting decision"), "upheld": _l("Upheld"), "rejected": _l("Rejected")}


def _month(text: str) -> Month:
    return parse_month(text)


def _refused(exc: DomainError) -> str:
    return translate(exc.message, exc.params)


def _fresh(form: Any, version: int) -> Any:
    """A form re-shown after a conflict carries the version now current."""
    form.version.data = version
    form.version.raw_data = [str(version)]
    return form


@bp.route("/assessment")
def index() -> Any:
    return redirect(url_for(".review", month=Month.containing(now()).previous().label))


def _review_page(month: Month, status: int = 200, message: str | None = None,
                 issue_form: IssueForm | None = None) -> Any:
    view = presenters.present_review(month, current_language())
    issue_form = issue_form or IssueForm(formdata=None, version=view["version"])
    if status == 409:
        _fresh(issue_form, view["version"])
    return render_template("assessment/review.html", view=view, month=month,
                           issue_form=issue_form, message=message, statuses=STATUSES,
                           appeal_states=APPEAL_STATES, assessor=can_assess(),
                           own_department=_own_department()), status


def _own_department() -> str:
    dept = getattr(current_user, "department", None)
    return dept.code if dept is not None else ""


@bp.route("/assessment/<month>")
def review(month: str) -> Any:
    return _review_page(_month(month))


def _item_page(month: Month, key: str, status: int = 200, message: str | None = None,
               points_form: PointsForm | None = None, backdated_form: BackdatedForm | None = None,
               decision_form: DecisionForm | None = None) -> Any:
    view = presenters.present_review(month, current_language())
    item = next((i for i in view["items"] if i["key"] == key), None)
    if item is None:
        abort(404)
    version = view["version"]
    shown = item["points"] if item["status"] not in ("waived", "removed") \
        else item["proposed_points"]
    points_form = points_form or PointsForm(formdata=None, version=version, key=key,
                                            points=Decimal(f"{shown:g}"))
    backdated_form = backdated_form or BackdatedForm(formdata=None, version=version, key=key)
    decision_form = decision_form or DecisionForm(formdata=None, version=version)
    if status == 409:
        for form in (points_form, backdated_form, decision_form):
            _fresh(form, version)
    return render_template("assessment/item.html", view=view, item=item, month=month,
                           points_form=points_form, backdated_form=backdated_form,
                           decision_form=decision_form, message=message, statuses=STATUSES,
                           appeal_states=APPEAL_STATES, assessor=can_assess()), status


@bp.route("/assessment/<month>/item")
def item(month: str) -> Any:
    return _item_page(_month(month), request.args.get("key", ""))


def _act(render: Any, form: Any, action: Any, done: str, after: str) -> Any:
    """Validate the form, run the service, redirect; a refusal re-renders with the form as
    typed and the service's errors at its fields."""
    if not form.validate_on_submit():
        return render(422, _("Please correct the marked fields."))
    try:
        action()
    except Conflict as exc:
        return render(409, _refused(exc))
    except NotFound:
        raise
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        attach_errors(form, exc.fields or {})
        return render(exc.status, _refused(exc))
    if done:
        flash(done, "success")
    return redirect(after)


@bp.route("/assessment/<month>/points", methods=["POST"])
def set_points(month: str) -> Any:
    parsed, form = _month(month), PointsForm()
    key = form.key.data or ""
    return _act(lambda status, message: _item_page(parsed, key, status, message,
                                                   points_form=form),
                form, lambda: commands.set_points(
                    parsed, key, form.points.data, form.reason.data or "", current_user,
                    expected_version=form.version.data),
                _("Points saved."), url_for(".review", month=parsed.label, _anchor="items"))


@bp.route("/assessment/<month>/backdated", methods=["POST"])
def backdated(month: str) -> Any:
    parsed, form = _month(month), BackdatedForm()
    key = form.key.data or ""
    return _act(lambda status, message: _item_page(parsed, key, status, message,
                                                   backdated_form=form),
                form, lambda: commands.decide_backdated(
                    parsed, key, form.outcome.data == "confirm", form.reason.data or "",
                    current_user, expected_version=form.version.data),
                _("Decision on the back-dated item saved."),
                url_for(".review", month=parsed.label, _anchor="items"))


def _item_form(month: Month, formdata: Any = None) -> tuple[ItemForm, int]:
    lang = current_language()
    view = presenters.present_review(month, lang)
    form = ItemForm(formdata=formdata) if formdata is not None else \
        ItemForm(formdata=None, version=view["version"])
    form.department.choices = options(
        [("", _("Choose…"))] + [(code, pick(d.name_zh, d.name_en, lang))
                                for code, d in departments().items()])
    form.rule.choices = options(
        [("", _("Choose…"))] + [(r["code"], f'{r["name"]} ({r["range"][0]:g}–{r["range"][1]:g})')
                                for r in view["rules"]])
    return form, view["version"]


def _new_item_page(month: Month, form: ItemForm | None = None, status: int = 200,
                   message: str | None = None) -> Any:
    blank, version = _item_form(month)
    form = form or blank
    if status == 409:
        _fresh(form, version)
    return render_template("assessment/new_item.html", form=form, month=month,
                           message=message), status


@bp.route("/assessment/<month>/items/new")
def new_item(month: str) -> Any:
    if not can_assess():
        abort(403)
    return _new_item_page(_month(month))


@bp.route("/assessment/<month>/items", methods=["POST"])
def add_item(month: str) -> Any:
    parsed = _month(month)
    form, _version = _item_form(parsed, request.form)
    return _act(lambda status, message: _new_item_page(parsed, form, status, message), form,
                lambda: commands.add_item(parsed, form.department.data, form.rule.data,
                                          form.points.data, form.reason.data or "",
                                          form.evidence.data or "", current_user,
                                          expected_version=form.version.data),
                _("Item added."), url_for(".review", month=parsed.label, _anchor="items"))


@bp.route("/assessment/<month>/issue", methods=["POST"])
def issue(month: str) -> Any:
    parsed, form = _month(month), IssueForm()
    holder: dict[str, Any] = {}

    def run() -> None:
        holder["row"] = commands.issue(parsed, current_user, expected_version=form.version.data)

    answer = _act(lambda status, message: _review_page(parsed, status, message, form), form,
                  run, "", url_for(".review", month=parsed.label))
    if "row" in holder:
        flash(_("The %(month)s assessment was issued as version %(version)s.",
                month=parsed.label, version=holder["row"].version), "success")
    return answer


def _department_page(month: Month) -> Any:
    department = _own_department()
    view = presenters.present_issued_for(month, department, current_language())
    return render_template("assessment/department.html", view=view, month=month,
                           statuses=STATUSES, appeal_states=APPEAL_STATES,
                           department=department)


@bp.route("/assessment/<month>/department")
def department(month: str) -> Any:
    return _department_page(_month(month))


def _appeal_page(month: Month, key: str, status: int = 200, message: str | None = None,
                 form: AppealForm | None = None) -> Any:
    view = presenters.present_issued_for(month, _own_department(), current_language())
    item = next((i for i in view["items"] if i["key"] == key), None)
    if item is None:
        abort(404)
    form = form or AppealForm(formdata=None, version=view["version"], key=key)
    if status == 409:
        _fresh(form, view["version"])
    return render_template("assessment/appeal.html", view=view, item=item, month=month,
                           form=form, message=message, statuses=STATUSES,
                           appeal_states=APPEAL_STATES), status


@bp.route("/assessment/<month>/appeal")
def appeal_form(month: str) -> Any:
    return _appeal_page(_month(month), request.args.get("key", ""))


@bp.route("/assessment/<month>/appeals", methods=["POST"])
def appeal(month: str) -> Any:
    parsed, form = _month(month), AppealForm()
    key = form.key.data or ""
    return _act(lambda status, message: _appeal_page(parsed, key, status, message, form), form,
                lambda: commands.file_appeal(parsed, key, form.reason.data or "",
                                             current_user, expected_version=form.version.data),
                _("Your appeal was filed; the assessment office decides it."),
                url_for(".department", month=parsed.label))


@bp.route("/assessment/<month>/appeals/<int:appeal_id>/decision", methods=["POST"])
def decide(month: str, appeal_id: int) -> Any:
    parsed, form = _month(month), DecisionForm()
    key = request.args.get("key", "")
    return _act(lambda status, message: _item_page(parsed, key, status, message,
                                                   decision_form=form),
                form, lambda: commands.decide_appeal(
                    parsed, appeal_id, form.outcome.data == "upheld", form.reason.data or "",
                    current_user, points=form.points.data, expected_version=form.version.data),
                _("The appeal was decided; issue the month again for the new version."),
                url_for(".review", month=parsed.label, _anchor="appeals"))


# --- My work ----------------------------------------------------------------------------------

def work_duties(kind: str, timers: list) -> dict[int, Duty] | None:
    """Receiver of `signals.work_duties`: the appeals the assessment office must decide (its
    timers, `SubjectType.APPEAL`), one query a page; My work and /api/v1/me/work list them
    with their deadline like any duty."""
    if kind != SubjectType.APPEAL.value:
        return None
    found = queries.appeals_by_timer([timer.id for timer, _app in timers])
    lang = current_language()
    result = {}
    for timer_id, (appeal, month) in found.items():
        zh, en = queries.department_names(appeal.department_code)
        result[timer_id] = Duty(
            kind=kind, number=month,
            title=_("Appeal of %(department)s against %(key)s", department=pick(zh, en, lang),
                    key=appeal.item_key),
            next_action=_("Decide the appeal: uphold or reject it, with the reason"),
            url=url_for("assessment_pages.item", month=month, key=appeal.item_key))
    return result


def work_extra(name: str, **kwargs: Any) -> Markup | None:
    """Receiver of `signals.template_hook`: on My work, a department's own open appeals (the
    appealing department waits for the decision; the assessment office's duty to decide
    them is a duty of its own, `work_duties`)."""
    if name != "work-extra" or not getattr(current_user, "is_authenticated", False):
        return None
    if can_assess():
        return None
    department = kwargs.get("department")
    if department in (None, "", "all"):
        department = _own_department()
    if not department:
        return None
    rows = queries.open_appeals(department)
    appeals = [presenters.present_appeal(a, queries.month_of(a.review_id) or "", {})
               for a in rows]
    return Markup(render_template("assessment/_work_appeals.html", appeals=appeals,
                                  title=_("Our open appeals"), lang=current_language(),
                                  assessor=False))
