"""The working-day calendar: a year at a glance, and local closures with their effect."""
from __future__ import annotations

import calendar as month_grid
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..errors import translate
from ..extensions import db
from ..i18n import current_language
from ..models import Application
from ..services import calendar_admin
from ..services.app_clock import app_clock, now
from ..services.errors import Conflict, ValidationFailed
from ..services.flows import current_versions, definition_of
from ..settings import settings
from ..sla import FIRST_YEAR, LAST_YEAR
from .access import manager_required
from .applications import attach_errors
from .event_log import moved_subject
from .forms import ClosureForm, PostForm

bp = Blueprint("calendar_pages", __name__)


def year_grid(year: int) -> list[dict[str, Any]]:
    """Twelve months of weeks (Monday first); each day with its kind and name."""
    cal = app_clock().calendar
    months = []
    for month in range(1, 13):
        weeks = []
        for week in month_grid.Calendar().monthdatescalendar(year, month):
            weeks.append([{"date": d, "kind": cal.day_kind(d), "name": cal.describe(d) or ""}
                          if d.month == month else None for d in week])
        working = sum(1 for d in range(1, month_grid.monthrange(year, month)[1] + 1)
                      if cal.is_working_day(date(year, month, d)))
        months.append({"month": month, "weeks": weeks, "working_days": working})
    return months


def _year() -> int:
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        year = now().astimezone(app_clock().tz).year
    return min(max(year, FIRST_YEAR), LAST_YEAR)


def render_year(year: int, form: ClosureForm | None = None, status: int = 200,
                message: str | None = None) -> Any:
    year = min(max(year, FIRST_YEAR), LAST_YEAR)
    clock = app_clock()
    cal = clock.calendar
    configured = settings().closures
    return render_template(
        "calendar/year.html", year=year, months=year_grid(year),
        provisional=cal.is_provisional_year(year), source=cal.source_of(year),
        closures=calendar_admin.closures(), configured=configured,
        changes=calendar_admin.recent_changes(), form=form or ClosureForm(formdata=None),
        remove_form=PostForm(formdata=None), today=now().astimezone(clock.tz).date(),
        message=message, first_year=FIRST_YEAR, last_year=LAST_YEAR), status


@bp.route("/calendar")
def year() -> Any:
    return render_year(_year())


@bp.route("/calendar/closures", methods=["POST"])
@manager_required
def add_closure() -> Any:
    form = ClosureForm()
    year = form.day.data.year if form.day.data else _year()
    if not form.validate_on_submit():
        return render_year(year, form, 422, _("Please correct the marked fields."))
    try:
        change = calendar_admin.add_closure(form.day.data, form.reason.data, current_user,
                                            working=form.kind.data == "work",
                                            start=form.start.data, end=form.end.data)
    except ValidationFailed as exc:
        extra = attach_errors(form, exc.fields)
        return render_year(year, form, 422, " ".join([translate(exc.message, exc.params)] + extra))
    except Conflict as exc:
        return render_year(year, form, 409, translate(exc.message, exc.params))
    flash(_("Closure saved: %(moved)s of %(checked)s open deadlines moved.",
            moved=len(change.moved), checked=change.checked), "success")
    return redirect(url_for(".change", event_id=change.event_id))


@bp.route("/calendar/closures/<int:closure_id>/remove", methods=["POST"])
@manager_required
def remove_closure(closure_id: int) -> Any:
    form = PostForm()
    if not form.validate_on_submit():
        return render_year(_year(), None, 400, _("The form has expired; reload and try again."))
    try:
        change = calendar_admin.remove_closure(closure_id, current_user)
    except Conflict as exc:
        return render_year(_year(), None, 409, translate(exc.message, exc.params))
    flash(_("Closure removed: %(moved)s of %(checked)s open deadlines moved.",
            moved=len(change.moved), checked=change.checked), "success")
    return redirect(url_for(".change", event_id=change.event_id))


@bp.route("/calendar/changes/<int:event_id>")
def change(event_id: int) -> Any:
    """What one closure change did: every deadline it moved, from → to."""
    event, moved = calendar_admin.change_details(event_id)
    ids = {e.application_id for e in moved if e.application_id}
    numbers = dict(db.session.execute(select(Application.id, Application.number)
                                      .where(Application.id.in_(ids))).all()) if ids else {}
    lang = current_language()
    flows = {code: definition_of(row) for code, row in current_versions().items()}

    def what(e: Any) -> str:
        flow = flows.get(e.data.get("flow") or "")
        return moved_subject(flow, e.data, lang) if flow else e.data.get("label", "")

    return render_template("calendar/change.html", event=event, moved=moved, numbers=numbers,
                           what=what)
