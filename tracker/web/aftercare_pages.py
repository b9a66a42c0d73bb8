"""After-care pages: callbacks (回访) with their result form, the monthly callback and satisfaction
rates, the 好差评 CSV upload, and home-visit follow-ups (上门回访)."""
from __future__ import annotations

import math
import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..errors import translate
from ..extensions import db
from ..i18n import current_language
from ..services import aftercare as service
from ..services.clock import now
from ..services.errors import Conflict, ValidationFailed
from .forms import options
from .nav import NavItem

bp = Blueprint("aftercare_pages", __name__)
NAV = [NavItem("aftercare_pages.follow_ups", _l("Follow-ups"), 65)]
PER_PAGE = 50

CALLBACK_STATUSES = {"open": _l("To call"), "done": _l("Done")}
FOLLOW_UP_STATUSES = {"open": _l("Open"), "closed": _l("Closed")}
ORIGINS = {"callback": _l("Callback"), "evaluation": _l("好差评 evaluation")}
YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


class CallbackResultForm(FlaskForm):
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    reached = RadioField(_l("Customer reached?"), choices=options(YES_NO),
                         validators=[InputRequired()])
    satisfied = RadioField(_l("Satisfied?"), choices=options(YES_NO), validators=[Optional()])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)])


class FollowUpCloseForm(FlaskForm):
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    action_taken = TextAreaField(_l("What was done"),
                                 validators=[DataRequired(), Length(max=4000)])
    evidence = TextAreaField(_l("Evidence (photos, signed form, …)"),
                             validators=[Length(max=4000)])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file (UTF-8)"), validators=[FileRequired()])


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 100000))
    except ValueError:
        return 1


def _month() -> tuple[int, int]:
    """?month=2026-10, or the current month in Beijing time."""
    match = re.fullmatch(r"(20\d\d)-(\d\d)", request.args.get("month", ""))
    if match and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    today = now().astimezone(service.LOCAL)
    return today.year, today.month


def render_callbacks(failed: dict[int, CallbackResultForm] | None = None,
                     import_form: ImportForm | None = None, report: Any = None,
                     status: int = 200, message: str | None = None) -> Any:
    db.session.expire_all()
    shown = request.args.get("status", "open")
    if shown not in CALLBACK_STATUSES:
        shown = "open"
    page = _page_number()
    items, total = service.list_callbacks(status=shown, page=page, per_page=PER_PAGE)
    rows = service.present_callbacks(items, current_language())
    forms: dict[int, CallbackResultForm] = {}
    for row in rows:
        if row["status"] == "open":
            form = (failed or {}).get(row["id"])
            if form is None:
                form = CallbackResultForm(formdata=None, prefix=f"cb{row['id']}",
                                          version=row["version"])
            elif status == 409:
                form.version.data = row["version"]
                form.version.raw_data = [str(row["version"])]
            forms[row["id"]] = form
    year, month = _month()
    rates = service.callback_rates(year, month)
    return render_template(
        "aftercare/callbacks.html", rows=rows, forms=forms, total=total, shown=shown,
        statuses=CALLBACK_STATUSES, page=page, pages=math.ceil(total / PER_PAGE) if total else 0,
        args={"status": shown}, rates=rates, month=f"{year}-{month:02d}",
        import_form=import_form or ImportForm(formdata=None), report=report,
        message=message), status


@bp.route("/callbacks")
def index() -> Any:
    return render_callbacks()


def _field_errors(form: FlaskForm, fields: dict[str, list[str]]) -> None:
    for name, messages in fields.items():
        target = getattr(form, name, None)
        if target is not None:
            target.errors = list(target.errors) + [translate(m) for m in messages]


@bp.route("/callbacks/<int:callback_id>/result", methods=["POST"])
def record_result(callback_id: int) -> Any:
    form = CallbackResultForm(prefix=f"cb{callback_id}")
    if not form.validate_on_submit():
        return render_callbacks({callback_id: form}, status=422,
                                message=_("Please correct the marked fields."))
    satisfied = {"yes": True, "no": False}.get(form.satisfied.data or "")
    reached = form.reached.data == "yes"
    try:
        callback = service.record_callback_result(
            callback_id, current_user, reached=reached, satisfied=satisfied,
            comment=form.comment.data or "", expected_version=form.version.data)
    except ValidationFailed as exc:
        db.session.rollback()
        _field_errors(form, exc.fields)
        return render_callbacks({callback_id: form}, status=422,
                                message=translate(exc.message, exc.params))
    except Conflict as exc:
        db.session.rollback()
        return render_callbacks({callback_id: form}, status=409,
                                message=translate(exc.message, exc.params))
    if not reached:
        flash(_("Attempt logged; the callback stays open."), "info")
    elif callback.satisfied:
        flash(_("Callback recorded."), "success")
    else:
        flash(_("Callback recorded; a home-visit follow-up was opened."), "success")
    return redirect(url_for(".index", status=request.args.get("status", "open")))


@bp.route("/callbacks/import", methods=["POST"])
def import_evaluations() -> Any:
    form = ImportForm()
    if not form.validate_on_submit():
        return render_callbacks(import_form=form, status=422,
                                message=_("Please correct the marked fields."))
    try:
        report = service.import_evaluations(form.file.data.read(), current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        _field_errors(form, exc.fields)
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
    db.session.expire_all()
    shown = request.args.get("status", "open")
    if shown not in FOLLOW_UP_STATUSES:
        shown = "open"
    page = _page_number()
    items, total = service.list_follow_ups(status=shown, page=page, per_page=PER_PAGE)
    rows = service.present_follow_ups(items, current_language())
    forms: dict[int, FollowUpCloseForm] = {}
    for row in rows:
        if row["status"] == "open":
            form = (failed or {}).get(row["id"])
            if form is None:
                form = FollowUpCloseForm(formdata=None, prefix=f"fu{row['id']}",
                                         version=row["version"])
            elif status == 409:
                form.version.data = row["version"]
                form.version.raw_data = [str(row["version"])]
            forms[row["id"]] = form
    return render_template(
        "aftercare/follow_ups.html", rows=rows, forms=forms, total=total, shown=shown,
        statuses=FOLLOW_UP_STATUSES, origins=ORIGINS, page=page,
        pages=math.ceil(total / PER_PAGE) if total else 0, args={"status": shown},
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
        service.close_follow_up(follow_up_id, current_user, action_taken=form.action_taken.data,
                                evidence=form.evidence.data or "",
                                expected_version=form.version.data)
    except ValidationFailed as exc:
        db.session.rollback()
        _field_errors(form, exc.fields)
        return render_follow_ups({follow_up_id: form}, 422, translate(exc.message, exc.params))
    except Conflict as exc:
        db.session.rollback()
        return render_follow_ups({follow_up_id: form}, 409, translate(exc.message, exc.params))
    flash(_("Follow-up closed."), "success")
    return redirect(url_for(".follow_ups"))
