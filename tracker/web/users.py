"""User administration (用户管理) for administrators, and every user's own password."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from ..errors import translate
from ..i18n import current_language, pick
from ..models import Role
from ..services import users as service
from ..services.app_clock import now
from ..services.errors import DomainError, Forbidden, ValidationFailed
from ..services.reference import departments
from . import labels
from .access import admin_required
from .forms import AccountForm, OwnPasswordForm, PostForm, attach_errors, options

bp = Blueprint("users", __name__)


def _account_form(**kwargs: Any) -> AccountForm:
    form = AccountForm(**kwargs)
    form.role.choices = options((r.value, labels.label(labels.ROLES, r.value)) for r in Role)
    lang = current_language()
    form.department.choices = options([("", "—")] + [(code, pick(d.name_zh, d.name_en, lang))
                                                      for code, d in departments().items()])
    return form


def _account(form: AccountForm) -> service.Account:
    return service.Account(role=form.role.data, department=form.department.data or None,
                           display_name=form.display_name.data or "",
                           phone=form.phone.data or "", email=form.email.data or "")


@bp.route("/users")
@admin_required
def index() -> Any:
    return render_template("users/list.html", users=service.all_users(), now=now())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new() -> Any:
    form = _account_form()
    status = 200
    if form.validate_on_submit():
        try:
            user, password = service.create_user(form.username.data or "", _account(form),
                                                 current_user)
        except ValidationFailed as exc:
            attach_errors(form, exc.fields)
            status = 422
        else:
            return _show_password(user, password)
    elif form.is_submitted():
        status = 422
        judged = {name for name, field in form._fields.items() if field.errors}
        attach_errors(form, {name: messages for name, messages in service.new_account_errors(
            form.username.data or "", _account(form)).items() if name not in judged})
    return render_template("users/edit.html", form=form, user=None), status


def _show_password(user: Any, password: str) -> Any:
    """The one-time password, in this answer only (never in a flash: the cookie keeps those)."""
    return render_template("users/password_shown.html", user=user, password=password), 200, {
        "Cache-Control": "no-store"}


def _detail(user_id: int, form: AccountForm | None = None, status: int = 200) -> Any:
    user = service.get_user(user_id)
    if form is None:
        form = _account_form(formdata=None, obj=user)
        form.role.data = user.role.value
        form.department.data = user.department.code if user.department else ""
    return render_template("users/edit.html", form=form, user=user, post=PostForm(),
                           tokens=service.tokens_of(user), now=now()), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit(user_id: int) -> Any:
    form = _account_form()
    if not form.is_submitted():
        return _detail(user_id)
    if form.validate():
        try:
            service.update_user(user_id, _account(form), current_user)
        except ValidationFailed as exc:
            attach_errors(form, exc.fields)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".edit", user_id=user_id))
    return _detail(user_id, form, 422)


def _action(user_id: int, run: Any, done: str) -> Any:
    if not PostForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for(".edit", user_id=user_id))
    try:
        run()
    except DomainError as exc:
        flash(translate(exc.message, exc.params), "error")
    else:
        flash(done, "success")
    return redirect(url_for(".edit", user_id=user_id))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@admin_required
def disable(user_id: int) -> Any:
    if user_id == current_user.id:
        raise Forbidden("You cannot disable your own account.")
    return _action(user_id, lambda: service.set_active(user_id, False, current_user),
                   _("The account is disabled and its sessions have ended."))


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@admin_required
def enable(user_id: int) -> Any:
    return _action(user_id, lambda: service.set_active(user_id, True, current_user),
                   _("The account is enabled."))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@admin_required
def unlock(user_id: int) -> Any:
    return _action(user_id, lambda: service.unlock(user_id, current_user),
                   _("The account is unlocked."))


@bp.route("/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@admin_required
def revoke(user_id: int, token_id: int) -> Any:
    return _action(user_id, lambda: service.revoke_token(user_id, token_id, current_user),
                   _("The token is revoked."))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@admin_required
def reset_password(user_id: int) -> Any:
    if not PostForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for(".edit", user_id=user_id))
    password = service.reset_password(user_id, current_user)
    return _show_password(service.get_user(user_id), password)


@bp.route("/account/password", methods=["GET", "POST"])
def own_password() -> Any:
    form = OwnPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = service.change_own_password(current_user, form.old_password.data,
                                               form.new_password.data, form.again.data)
        except ValidationFailed as exc:
            attach_errors(form, exc.fields)
            status = 422
        else:
            login_user(user)  # this session goes on under the new generation; the others end
            flash(_("Your password is changed; your other sessions have ended."), "success")
            return redirect(url_for("work.index"))
    elif form.is_submitted():
        status = 422
    return render_template("users/own_password.html", form=form), status
