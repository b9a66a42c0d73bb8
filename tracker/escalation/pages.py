"""Escalation pages: the supervision notices (督办单: list, one notice with its answer form),
the levels that reach me, and what the feature adds to My work and the monthly report."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ..errors import translate
from ..i18n import current_language, pick
from ..services.app_clock import app_clock, now
from ..services.errors import Conflict, Forbidden, ValidationFailed
from ..services.pagination import page_count
from ..services.reference import departments
from ..services.work import Duty
from ..web.forms import attach_errors, page_number
from ..web.nav import NavItem
from . import commands, presenters, queries
from .forms import AnswerForm, LevelsForm
from .models import LEVELS

bp = Blueprint("escalation_pages", __name__, template_folder="templates")
NAV = [NavItem("escalation_pages.index", _l("Supervision notices"), 78)]
PER_PAGE = 50

EVENT_WORDS = {
    "escalation.yellow": _l("Yellow card (warning) reached"),
    "escalation.red": _l("Red card (overdue) reached"),
    "escalation.supervision": _l("Supervision (督办) reached"),
    "escalation.levels_chosen": _l("Escalation levels chosen"),
    "supervision.issued": _l("Supervision notice issued"),
    "supervision.answered": _l("Supervision notice answered"),
}


@bp.route("/supervision")
def index() -> Any:
    lang = current_language()
    known = departments()
    mine = current_user.department.code if current_user.department else None
    chosen = request.args.get("department", mine or "all")
    department = chosen if chosen in known else None
    if department is None:
        chosen = "all"
    status = request.args.get("status") if request.args.get("status") in ("open", "answered") \
        else None
    page = page_number()
    items, total = queries.list_notices(department, status, page, PER_PAGE)
    moment, clock = now(), app_clock()
    rows = [presenters.present_notice(n, moment, clock, lang) for n in items]
    options = [("all", None)] + [(code, pick(d.name_zh, d.name_en, lang))
                                 for code, d in known.items()]
    return render_template("escalation/list.html", rows=rows, total=total, page=page,
                           pages=page_count(total, PER_PAGE), chosen=chosen, status=status or "",
                           options=options, mine=mine)


def _may_answer(view: dict[str, Any]) -> bool:
    """The responsible department answers (a team lead or admin may answer for it)."""
    if not current_user.can_write:
        return False
    own = current_user.department.code if current_user.department else None
    return view["status"] == "open" and (own == view["department"] or current_user.is_manager)


def render_notice(number: str, form: AnswerForm | None = None, status: int = 200,
                  message: str | None = None) -> Any:
    notice = queries.get_notice(number)
    view = presenters.present_notice(notice, now(), app_clock(), current_language())
    if form is None:
        form = AnswerForm(formdata=None, version=notice.version_id)
    elif status == 409:
        form.version.data = notice.version_id
        form.version.raw_data = [str(notice.version_id)]
    return render_template("escalation/detail.html", view=view, form=form,
                           may_answer=_may_answer(view), message=message), status


@bp.route("/supervision/<string:number>")
def detail(number: str) -> Any:
    return render_notice(number)


@bp.route("/supervision/<string:number>/answer", methods=["POST"])
def answer(number: str) -> Any:
    form = AnswerForm()
    notice = queries.get_notice(number)
    if not _may_answer(presenters.present_notice(notice, now(), app_clock(),
                                                 current_language())):
        return render_notice(number, form, 403,
                             _("Only the responsible department answers this notice."))
    if not form.validate_on_submit():
        return render_notice(number, form, 422, _("Please correct the marked fields."))
    try:
        answered = commands.answer_notice(number, current_user, form.answer.data or "",
                                          expected_version=form.version.data)
    except ValidationFailed as exc:
        attach_errors(form, exc.fields)
        return render_notice(number, form, 422, translate(exc.message, exc.params))
    except (Conflict, Forbidden) as exc:
        return render_notice(number, form, exc.status, translate(exc.message, exc.params))
    flash(_("Answer recorded (late: the answer deadline had passed).") if answered.late
          else _("Answer recorded."), "success")
    return redirect(url_for(".detail", number=number))


@bp.route("/account/notifications", methods=["GET", "POST"])
def levels() -> Any:
    lang = current_language()
    form = LevelsForm() if request.method == "POST" else \
        LevelsForm(formdata=None, levels=queries.levels_of(current_user.id))
    form.set_choices([(code, pick(*names, lang)) for code, names in LEVELS.items()])
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                commands.choose_levels(current_user, form.levels.data or [], current_user)
            except ValidationFailed as exc:
                attach_errors(form, exc.fields)
            else:
                flash(_("Your notification levels are saved."), "success")
                return redirect(url_for(".levels"))
        return render_template("escalation/levels.html", form=form), 422
    return render_template("escalation/levels.html", form=form)


# --- My work and the monthly report -----------------------------------------------------------

def work_duties(kind: str, timers: list) -> dict[int, Duty] | None:
    """Receiver of `signals.work_duties`: the 督办单 awaiting their answer, one query a page."""
    if kind != "supervision":
        return None
    found = queries.notices_by_timer([timer.id for timer, _app in timers])
    result = {}
    for timer, app in timers:
        notice = found.get(timer.id)
        if notice is not None:
            result[timer.id] = Duty(
                kind=kind, number=app.number if app else notice.number,
                title=_("Supervision notice %(number)s · %(duty)s", number=notice.number,
                        duty=notice.duty_label),
                next_action=_("Answer the supervision notice in writing"),
                url=url_for("escalation_pages.detail", number=notice.number),
                customer=app.customer_name if app else "", address=app.address if app else "",
                phone=app.contact_phone if app else "")
    return result


def on_template_hook(name: str, **kwargs: Any) -> Markup | None:
    """Receiver of `signals.template_hook`: the 督办单 list of the monthly report's month."""
    if name != "report-sections":
        return None
    start, end = kwargs["month"].bounds
    moment, clock, lang = now(), app_clock(), current_language()
    rows = [presenters.present_notice(n, moment, clock, lang)
            for n in queries.notices_issued_between(start, end)]
    return Markup(render_template("escalation/_report_section.html", rows=rows,
                                  month=kwargs["month"]))
