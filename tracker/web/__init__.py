"""Server-rendered staff pages: log-in, applications, My work, the dashboard, the calendar,
and the feature page modules (reports, intake, after-care, problems); DEVELOPERS-NOTES.md
says how to add one."""
from __future__ import annotations

from flask import Flask, jsonify


def register_web(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        """Liveness for load balancers: the app answers and the database is reachable."""
        from sqlalchemy import text

        from ..extensions import db

        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok")

    from . import (
        access,
        aftercare_pages,
        applications,
        auth,
        calendar,
        dashboard,
        intake_pages,
        problem_pages,
        report_pages,
        work,
    )
    from .context import register_context
    from .formatting import register_filters

    _configure_login(app)
    blueprints = [auth.bp, dashboard.bp, work.bp, applications.bp, calendar.bp]
    nav = app.extensions.setdefault("tracker_nav", [])
    # Feature page modules: a module-level `bp`, and `NAV` entries for the menu.
    for module in (report_pages, intake_pages, aftercare_pages, problem_pages):
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
