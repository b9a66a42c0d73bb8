"""Server-rendered staff pages: log-in, applications, My work, the dashboard, the calendar.
The feature packages bring their own page blueprints; the factory lists them all and
DEVELOPERS-NOTES.md says how to add one."""
from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Flask, flash, jsonify, redirect, request, url_for
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from jinja2 import FileSystemBytecodeCache
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import configure_mappers

from ..errors import DATABASE_DOWN, RETRY_AFTER_SECONDS, outage_line
from ..extensions import db, login_manager
from ..i18n import SUPPORTED
from ..services.app_clock import app_clock
from ..services.auth_web import load_user
from ..services.reference import departments, pause_reasons
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
    # Compiled templates kept between starts (Jinja's own per-user folder under the temporary
    # directory, made private; an entry is keyed by the template's source, so an edited
    # template is compiled again): a worker's start-up (warm_templates) does not compile them.
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache()


def warm_templates(app: Flask) -> int:
    """What a process's first request would otherwise pay for, done where it starts (wsgi.py):
    every page template loaded (compiled, or read from the bytecode cache), the mappers
    configured, the reference files and both languages' catalogs read, and the working clock built (the holiday
    files and stored closures; a database not migrated yet is left to the first request).
    Returns how many templates were loaded. Issue 15: the first request within 10x the
    log-in page."""
    names = [name for name in app.jinja_env.list_templates(extensions=("html",))]
    for name in names:
        app.jinja_env.get_template(name)
    configure_mappers()
    departments(), pause_reasons()  # the reference files, read once per process
    for lang in SUPPORTED:
        with app.test_request_context(f"/?lang={lang}"):
            get_translations()
    with app.app_context():
        try:
            app_clock()
        except SQLAlchemyError as exc:
            db.session.rollback()
            app.logger.warning("warm start: no clock yet (%s)", outage_line(exc))
        finally:
            db.session.remove()
    return len(names)


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
