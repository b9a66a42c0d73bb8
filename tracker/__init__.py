"""The water-connection application tracker (用水报装跟踪): a Flask application factory.

The core (applications, steps, timers, the clock: `models/`, `services/`, `api/`, `web/`,
`jobs/`, `sla/`, `steps/`) knows no feature. Each feature package (`reports/`, `intake/`,
`aftercare/`, `problems/`, `documents/`, `customer/`, `escalation/`) owns its models, services, API, pages,
templates, CLI and words; this factory is the one place that plugs them in.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import aftercare, assessment, customer, documents, escalation, intake, problems, reports
from .api import applications as applications_api
from .api import flows as flows_api
from .api import register_api
from .api import work as work_api
from .cli import CORE_COMMANDS
from .config import Config, ConfigError, config_for_environment
from .db_setup import install_sqlite_pragmas, keep_prepared_statements
from .demo import demo_cli
from .errors import register_error_handlers
from .extensions import api, babel, csrf, db, login_manager, migrate
from .i18n import select_locale, select_timezone
from .input_guard import install_converters, install_input_guard
from .jobs.scheduler import register_jobs
from .settings import install_settings
from .web import applications as application_pages
from .web import auth, calendar, dashboard, owners, register_web, users, work
from .web.labels import register_event_words
from .web.nav import CORE as CORE_NAV

# Every blueprint of the product, in one list each: the core's first, then each feature's.
API_BLUEPRINTS = [
    applications_api.blp, flows_api.blp, work_api.blp,
    reports.api.blp, intake.api.blp, aftercare.api.blp, problems.api.blp, documents.api.blp,
    escalation.api.blp, assessment.api.blp,
]
PAGE_BLUEPRINTS = [
    auth.bp, dashboard.bp, work.bp, owners.bp, application_pages.bp, calendar.bp, users.bp,
    reports.pages.bp, intake.pages.bp, aftercare.pages.bp, problems.pages.bp,
    documents.pages.bp, customer.pages.staff, escalation.pages.bp, assessment.pages.bp,
]
# Pages for the public, with no log-in: the customer's progress, appointment, procedures.
PUBLIC_BLUEPRINTS = [customer.pages.public]
NAV = [*CORE_NAV, *reports.pages.NAV, *intake.pages.NAV, *aftercare.pages.NAV,
       *problems.pages.NAV, *customer.pages.NAV, *escalation.pages.NAV, *assessment.pages.NAV]
COMMANDS = [*CORE_COMMANDS, demo_cli, reports.cli.report_cli, aftercare.cli.evaluations_cli]
JOBS = [*reports.JOBS, *escalation.JOBS]
EVENT_WORDS = {**intake.pages.EVENT_WORDS, **aftercare.pages.EVENT_WORDS,
               **documents.pages.EVENT_WORDS, **customer.pages.EVENT_WORDS,
               **escalation.pages.EVENT_WORDS, **assessment.pages.EVENT_WORDS}


def create_app(config: type[Config] | None = None, **overrides: Any) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers, commands. No side
    effects. Without `config`: production, unless TRACKER_ENV=development."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config or config_for_environment())
    _load_config_file(app)
    app.config.update(overrides)
    _resolve_database_url(app)
    install_settings(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def _load_config_file(app: Flask) -> None:
    """An optional Python config file named by TRACKER_CONFIG_FILE (or instance/tracker.cfg)."""
    path = os.environ.get("TRACKER_CONFIG_FILE") or str(Path(app.instance_path) / "tracker.cfg")
    if Path(path).is_file():
        app.config.from_pyfile(path)


def _postgresql_session_options(app: Flask) -> None:
    """TRACKER_POSTGRESQL_OPTIONS for the app's connections (libpq's startup options, so no
    round trip). By default PostgreSQL's JIT and parallel plans are off: the app runs short
    indexed statements, and at 1M applications the callbacks page's month count (10 ms of
    work, a cost estimate of 106,000) spent 24 ms compiling on every request, and My work's
    open duties (a few thousand timers) started two parallel workers per statement (My work
    36 -> 22 ms, callbacks 28 -> 22 ms without either). The monthly report reads the month by
    key (no plan of its needs either). A deployment's own `options` are kept before ours."""
    ours = app.config.get("TRACKER_POSTGRESQL_OPTIONS") or ""
    if not ours:
        return
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(engine_options.get("connect_args") or {})
    given = connect_args.get("options", "")
    connect_args["options"] = f"{ours} {given}".strip()  # the later -c wins
    engine_options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options


def _resolve_database_url(app: Flask) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'tracker.db'}"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship.
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("postgresql"):
        _postgresql_session_options(app)
    if not app.config.get("SECRET_KEY"):
        # A ConfigError stops the process with this sentence and no traceback: the one thing an
        # operator starting the service for the first time needs to read.
        raise ConfigError(
            "TRACKER_SECRET_KEY must be set in production: a long random value, e.g. the output "
            "of `python3 -c 'import secrets; print(secrets.token_hex(32))'`, the same for every "
            "worker and kept across restarts (or TRACKER_ENV=development for a trial)")


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    install_sqlite_pragmas(app)
    keep_prepared_statements(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True)
    api.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    login_manager.init_app(app)


def register_blueprints(app: Flask) -> None:
    install_converters(app)
    install_input_guard(app)
    register_api(app, API_BLUEPRINTS)
    register_event_words(app, EVENT_WORDS)
    register_web(app, PAGE_BLUEPRINTS, NAV, public=PUBLIC_BLUEPRINTS)


def register_errorhandlers(app: Flask) -> None:
    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    for group in COMMANDS:
        app.cli.add_command(group)
    register_jobs(app, JOBS)
