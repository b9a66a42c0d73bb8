"""Server-rendered staff pages: log-in, applications, My work, the dashboard, the calendar.
The feature packages bring their own page blueprints; the factory lists them all and
DEVELOPERS-NOTES.md says how to add one."""
from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Flask, flash, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from ..errors import DATABASE_DOWN, RETRY_AFTER_SECONDS, outage_line
from ..extensions import db, login_manager
from ..services.auth_web import load_user
from . import access
from .context import register_context
from .formatting import register_filters
from .headers import install_security_headers
from .nav import NavItem


def register_web(app: Flask, blueprints: Iterable[Blueprint], nav: Iterable[NavItem],
                 public: Iterable[Blueprint] = ()) -> None:
    """Register the page blueprints and menu entries the factory lists; every route of them
    is behind the log-in. `public` blueprints (the customer's pages) need no log-in."""
    @app.get("/healthz")
    def healthz():
        """Readiness for load balancers, as JSON: 200 when the database answers, else 503
        naming what is down."""
        try:
            db.session.execute(text("SELECT 1"))
        except DATABASE_DOWN as exc:
            app.logger.error("healthz: database down: %s", outage_line(exc))
            response = jsonify(status="unavailable", database="down")
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return jsonify(status="ok", database="ok")

    _configure_login(app)
    install_security_headers(app)
    blueprints = list(blueprints)
    app.extensions.setdefault("tracker_nav", []).extend(nav)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    for blueprint in public:
        app.register_blueprint(blueprint)
    access.install_guard(app, {bp.name for bp in blueprints})
    register_filters(app)
    register_context(app)


def _configure_login(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    # A new session on every log-in, and the session is dropped if the browser changes.
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.headers.get("X-Requested-With") == "fetch":
            return jsonify(status=401, message="log in again"), 401
        if request.method == "GET":
            flash(str(login_manager.login_message), "info")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("auth.login"))
