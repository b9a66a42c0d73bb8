"""Owners and assignees from the pages: a team lead hands an application on; a member of a
department takes a duty of My work (我来办) or a team lead gives it to someone
(services.owners does the checks and the logging)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import translate
from ..i18n import current_language
from ..services import owners
from ..services.errors import DomainError
from ..services.staff import staff_names
from .forms import AssignForm, OwnerForm, options

bp = Blueprint("owners", __name__)


def owner_choices(lang: str | None = None) -> list[Any]:
    """Every member of staff an application can be handed to, with their department."""
    return options((username, f"{label} · {'—' if department is None else department}")
                   for username, label, department in staff_names(lang or current_language()))


def _refused(exc: DomainError) -> None:
    extra = [translate(m) for messages in exc.fields.values() for m in messages]
    flash(" ".join([translate(exc.message, exc.params)] + extra), "error")


@bp.route("/applications/<string:number>/owner", methods=["POST"])
def change_owner(number: str) -> Any:
    form = OwnerForm()
    form.owner.choices = owner_choices()
    target = url_for("application_pages.detail", number=number, _anchor="owner")
    if not form.validate_on_submit():
        flash(_("Choose the new owner."), "error")
        return redirect(target)
    try:
        app = owners.set_owner(number, form.owner.data, current_user,
                               expected_version=form.version.data)
    except DomainError as exc:
        _refused(exc)
        return redirect(target)
    flash(_("%(number)s is now owned by %(owner)s.", number=number, owner=app.owner.label),
          "success")
    return redirect(target)


@bp.route("/work/duties/<int:duty_id>/assignee", methods=["POST"])
def assign(duty_id: int) -> Any:
    form = AssignForm()
    tab = form.tab.data if form.tab.data in ("mine", "department") else "department"
    back = url_for("work.index", tab=tab, department=form.department.data or None)
    if not form.validate_on_submit():
        flash(_("The form has expired; try again."), "error")
        return redirect(back)
    try:
        timer = owners.assign_duty(duty_id, form.assignee.data or None, current_user,
                                   expected_version=form.version.data)
    except DomainError as exc:
        _refused(exc)
        return redirect(back)
    who = owners.assignee_of(timer)
    flash(_("The duty is now %(who)s's.", who=who) if who
          else _("The duty is back with its department."), "success")
    return redirect(back)
