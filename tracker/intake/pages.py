"""Platform intake pages: the screening queue (甄别), one pushed record with the decision, and the
rejected-push log for administrators."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..errors import translate
from ..i18n import current_language
from ..models import Role
from ..services.errors import Conflict, Forbidden, ValidationFailed
from ..services.pagination import page_count
from ..services.work import Duty
from ..web.forms import page_number
from ..web.nav import NavItem
from . import commands, presenters, queries
from .forms import ScreenForm

bp = Blueprint("intake_pages", __name__, template_folder="templates")
NAV = [NavItem("intake_pages.index", _l("Platform intake"), 50)]
# The event log's words for this feature's events.
EVENT_WORDS = {
    "intake.received": _l("Platform record received"),
    "intake.screened": _l("Platform record screened"),
}
PER_PAGE = 50

STATUSES = {"pending": _l("Waiting for screening"), "needs_water": _l("Needs water"),
            "no_need": _l("No need for water")}
KINDS = {"project": _l("Construction project"), "company": _l("New company")}


@bp.route("/intake")
def index() -> Any:
    status = request.args.get("status", "pending")
    if status not in (*STATUSES, "all"):
        status = "pending"
    page = page_number()
    items, total = queries.list_records(status=None if status == "all" else status,
                                        page=page, per_page=PER_PAGE)
    lang = current_language()
    rows = [presenters.present_record(r, lang) for r in items]
    counts = queries.status_counts()
    return render_template("intake/index.html", rows=rows, total=total, status=status,
                           statuses=STATUSES, kinds=KINDS, counts=counts, page=page,
                           pages=page_count(total, PER_PAGE),
                           args={"status": status},
                           is_admin=current_user.role is Role.ADMIN)


def render_record(record_id: int, form: ScreenForm | None = None, status: int = 200,
                  message: str | None = None) -> Any:
    record = queries.get_record(record_id)
    view = presenters.present_record(record, current_language())
    if form is None:
        form = ScreenForm(formdata=None, version=record.version_id)
    elif status == 409:
        # The page now shows the record as it stands; a deliberate retry may go on.
        form.version.data = record.version_id
        form.version.raw_data = [str(record.version_id)]
    return render_template("intake/detail.html", view=view, form=form, statuses=STATUSES,
                           kinds=KINDS, message=message), status


@bp.route("/intake/<int:record_id>")
def detail(record_id: int) -> Any:
    return render_record(record_id)


@bp.route("/intake/<int:record_id>/screen", methods=["POST"])
def screen(record_id: int) -> Any:
    form = ScreenForm()
    if not form.validate_on_submit():
        return render_record(record_id, form, 422, _("Please correct the marked fields."))
    try:
        _record, app = commands.screen(record_id, form.decision.data, current_user,
                                     reason=form.reason.data or "",
                                     requested_at=form.requested_at.data,
                                     expected_version=form.version.data)
    except ValidationFailed as exc:
        for name, messages in exc.fields.items():
            target = getattr(form, name, None)
            if target is not None:
                target.errors = list(target.errors) + [translate(m) for m in messages]
        return render_record(record_id, form, 422, translate(exc.message, exc.params))
    except Conflict as exc:
        return render_record(record_id, form, 409, translate(exc.message, exc.params))
    if app is not None:
        flash(_("Screened: application %(number)s created.", number=app.number), "success")
        return redirect(url_for("application_pages.detail", number=app.number))
    flash(_("Screened: no need for water."), "success")
    return redirect(url_for(".index"))


@bp.route("/intake/rejected")
def rejected() -> Any:
    if current_user.role is not Role.ADMIN:
        raise Forbidden("Only an administrator may read the rejected pushes.")
    page = page_number()
    items, total = queries.list_rejected(page, PER_PAGE)
    return render_template("intake/rejected.html",
                           rows=[presenters.present_rejected(r) for r in items], total=total,
                           page=page, pages=page_count(total, PER_PAGE), args={})


# --- My work ----------------------------------------------------------------------------------

def work_duties(kind: str, timers: list) -> dict[int, Duty] | None:
    """Receiver of `signals.work_duties`: the pushes to screen (甄别), one query for the page."""
    if kind != "screening":
        return None
    records = queries.records_by_id([timer.subject_id for timer, _app in timers])
    result = {}
    for timer, _app in timers:
        record = records.get(timer.subject_id)
        if record is not None:
            result[timer.id] = Duty(
                kind=kind, title=record.project_name,
                next_action=_("Screen the push: open an application or close it as no need"),
                url=url_for("intake_pages.detail", record_id=record.id), customer=record.contact_name,
                address=record.address, phone=record.contact_phone)
    return result
