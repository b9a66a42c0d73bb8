"""Who may see and do what on the staff pages.

Every page blueprint is behind the log-in; a read-only role (the auditor) is refused any
state-changing request with 403 before the view runs, so a page module cannot forget it.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, redirect, request, url_for
from flask_login import current_user

from ..extensions import login_manager
from ..models import MANAGER_ROLES, WRITER_ROLES, Role
from ..services.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Reachable without logging in.
PUBLIC_ENDPOINTS = frozenset({"auth.root", "auth.login", "auth.language", "static"})
# State-changing requests any signed-in user may make (their own session only).
ANYONE_MAY_POST = frozenset({"auth.login", "auth.logout", "auth.language", "users.own_password"})


def can_write(user: Any = None) -> bool:
    """The user may record and change applications (not an auditor)."""
    user = user or current_user
    return bool(getattr(user, "is_authenticated", False)) and user.role in WRITER_ROLES


def can_manage(user: Any = None) -> bool:
    """The user may change the calendar's local closures (admin, team lead)."""
    user = user or current_user
    return bool(getattr(user, "is_authenticated", False)) and user.role in MANAGER_ROLES


def writer_required(view: Callable) -> Callable:
    """Refuse (403) anyone who may not change applications, for GET as well as POST."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not can_write():
            raise Forbidden("Your role may not do this.")
        return view(*args, **kwargs)

    return wrapper


def manager_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not can_manage():
            raise Forbidden("Only an administrator or team lead may change the calendar.")
        return view(*args, **kwargs)

    return wrapper


def admin_required(view: Any) -> Any:
    """Refuse (403) anyone but an administrator, for GET as well as POST."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_admin():
            raise Forbidden("Only an administrator may manage users.")
        return view(*args, **kwargs)

    return wrapper


def is_admin() -> bool:
    return bool(getattr(current_user, "is_authenticated", False)) and current_user.role is Role.ADMIN


def install_guard(app: Flask, page_blueprints: set[str]) -> None:
    """Log-in for every page blueprint; 403 for a read-only user's state-changing request."""

    @app.before_request
    def _guard() -> Any:
        if request.blueprint not in page_blueprints or request.endpoint in PUBLIC_ENDPOINTS:
            return None
        if not current_user.is_authenticated:

            return login_manager.unauthorized()
        if request.method not in SAFE_METHODS and request.endpoint not in ANYONE_MAY_POST \
                and current_user.role not in WRITER_ROLES:
            raise Forbidden("Your role may not do this.")
        return None


def home_for(user: Any) -> str:
    """Where a user lands: the dashboard for leads and auditors, My work for the others."""
    if getattr(user, "role", None) in (Role.CLERK, Role.ENGINEER):
        return url_for("work.index")
    return url_for("dashboard.index")


def go_home() -> Any:
    return redirect(home_for(current_user))
