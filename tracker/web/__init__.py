"""Server-rendered staff pages: log-in, applications, My work, the dashboard, the calendar.

Other features add their page modules here (report_pages, intake_pages, aftercare_pages,
problem_pages): each is registered when its module exists; DEVELOPERS-NOTES.md says how.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from flask import Flask, jsonify

# Page modules other features add; each has a module-level `bp` (and optionally `NAV`).
OPTIONAL_PAGE_MODULES = ("report_pages", "intake_pages", "aftercare_pages", "problem_pages")


def register_web(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        """Liveness for load balancers: the app answers and the database is reachable."""
        from sqlalchemy import text

        from ..extensions import db

        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok")

    from . import access, applications, auth, calendar, dashboard, work
    from .context import register_context
    from .formatting import register_filters

    _configure_login(app)
    blueprints = [auth.bp, dashboard.bp, work.bp, applications.bp, calendar.bp]
    nav = app.extensions.setdefault("tracker_nav", [])
    for name in OPTIONAL_PAGE_MODULES:
        module = _optional(name)
        if module is not None:
            blueprints.append(module.bp)
            nav.extend(getattr(module, "NAV", []))
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    access.install_guard(app, {bp.name for bp in blueprints})
    register_filters(app)
    register_context(app)


def _configure_login(app: Flask) -> None:
    from flask import redirect, request, url_for
    from flask_babel import lazy_gettext as _l

    from ..extensions import login_manager
    from ..services.auth_web import load_user

    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    # A new session on every log-in, and the session is dropped if the browser changes.
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash

        if request.headers.get("X-Requested-With") == "fetch":
            return jsonify(status=401, message="log in again"), 401
        if request.method == "GET":
            flash(str(login_manager.login_message), "info")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("auth.login"))


def _optional(name: str) -> ModuleType | None:
    """A page module of another feature, if this build has it."""
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        return None
