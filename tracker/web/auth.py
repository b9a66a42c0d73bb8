"""Log in, log out, and the language switch."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..errors import translate
from ..i18n import SUPPORTED
from ..services.auth_web import LoginRefused, authenticate_password, end_sessions
from .access import go_home, home_for
from .forms import LoginForm, PostForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """A local path to go back to, or None (never another site)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


@bp.route("/")
def root() -> Any:
    if current_user.is_authenticated:
        return go_home()
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated and request.method == "GET":
        return go_home()
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate_password(form.username.data, form.password.data)
        except LoginRefused as exc:
            form.password.errors.append(translate(exc.message, exc.params))
            status = exc.status
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session: nothing carried over from before the log-in
            if lang:
                session["lang"] = lang
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            login_user(user)
            if user.must_change_password:  # an administrator's one-time password
                return redirect(url_for("users.own_password"))
            return redirect(safe_next(request.args.get("next")) or home_for(user))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    form = PostForm()
    if not form.validate_on_submit():
        abort(400)
    lang = session.get("lang")
    if current_user.is_authenticated:
        end_sessions(current_user)  # a copy of this cookie must not sign anyone in either
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<lang>")
def language(lang: str) -> Any:
    """Switch the pages' language (kept in the session) and go back."""
    if lang not in SUPPORTED:
        abort(404)
    session["lang"] = lang
    return redirect(safe_next(request.args.get("next")) or url_for("auth.root"))
