"""Who may see and do what on the staff pages.

Every page blueprint is behind the log-in; a read-only role (the auditor) is refused any
state-changing request with 403 before the view runs, so a page module cannot forget it.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, redirect, request, url_for
from flask_login import current_user

from ..extensions import login_manager
from ..models import ASSESSOR_ROLES, MANAGER_ROLES, WRITER_ROLES, Role
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


def is_admin(user: Any = None) -> bool:
    """The user may manage accounts (an administrator)."""
    user = user or current_user
    return bool(getattr(user, "is_authenticated", False)) and user.role is Role.ADMIN


def can_assess(user: Any = None) -> bool:
    """The user reviews, issues and decides appeals on the monthly assessment (an assessor)."""
    user = user or current_user
    return bool(getattr(user, "is_authenticated", False)) and user.role in ASSESSOR_ROLES


def may_post(blueprint: Blueprint, *roles: Role) -> Blueprint:
    """Let `roles` besides the writers make state-changing requests to `blueprint`'s pages
    (the assessor, who completes no step, on the report and assessment pages); each view
    still checks what that role may do."""
    blueprint.posting_roles = frozenset(roles)  # type: ignore[attr-defined]
    return blueprint


def _posting_roles(app: Flask) -> frozenset[Role]:
    """The roles that may post to the requested blueprint: the writers, and any it names."""
    blueprint = app.blueprints.get(request.blueprint or "")
    return WRITER_ROLES | getattr(blueprint, "posting_roles", frozenset())


def _refusing(allowed: Callable[[], bool], message: str) -> Callable[[Callable], Callable]:
    """A view decorator: 403 with `message` (a msgid) unless `allowed()`, for GET too."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not allowed():
                raise Forbidden(message)
            return view(*args, **kwargs)

        return wrapper

    return decorate


# Refuse anyone who may not change applications / the calendar / accounts.
writer_required = _refusing(can_write, "Your role may not do this.")
manager_required = _refusing(can_manage,
                             "Only an administrator or team lead may change the calendar.")
admin_required = _refusing(is_admin, "Only an administrator may manage users.")


def install_guard(app: Flask, page_blueprints: set[str]) -> None:
    """Log-in for every page blueprint; 403 for a read-only user's state-changing request."""

    @app.before_request
    def _guard() -> Any:
        if request.blueprint not in page_blueprints or request.endpoint in PUBLIC_ENDPOINTS:
            return None
        if not current_user.is_authenticated:

            return login_manager.unauthorized()
        if request.method not in SAFE_METHODS and request.endpoint not in ANYONE_MAY_POST \
                and current_user.role not in _posting_roles(app):
            raise Forbidden("Your role may not do this.")
        return None


def home_for(user: Any) -> str:
    """Where a user lands: the dashboard for leads, auditors and assessors, My work for the
    others."""
    if getattr(user, "role", None) in (Role.CLERK, Role.ENGINEER):
        return url_for("work.index")
    return url_for("dashboard.index")


def go_home() -> Any:
    return redirect(home_for(current_user))
