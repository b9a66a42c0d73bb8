"""The water-connection application tracker (用水报装跟踪): a Flask application factory."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from .config import Config, DevelopmentConfig


def create_app(config: type[Config] | None = None, **overrides: Any) -> Flask:
    """Build the app: extensions, blueprints, error handlers, commands. No side effects."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config or DevelopmentConfig)
    _load_config_file(app)
    app.config.update(overrides)
    _resolve_database_url(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def _load_config_file(app: Flask) -> None:
    """An optional Python config file named by TRACKER_CONFIG_FILE (or instance/tracker.cfg)."""
    import os

    path = os.environ.get("TRACKER_CONFIG_FILE") or str(Path(app.instance_path) / "tracker.cfg")
    if Path(path).is_file():
        app.config.from_pyfile(path)


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
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("TRACKER_SECRET_KEY must be set in production")


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (tables known to Alembic and create_all)
    from .db_setup import install_sqlite_pragmas
    from .extensions import api, babel, csrf, db, login_manager, migrate
    from .i18n import select_locale, select_timezone

    db.init_app(app)
    install_sqlite_pragmas(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True)
    api.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    login_manager.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .api import register_api
    from .input_guard import install_converters, install_input_guard
    from .web import register_web

    install_converters(app)
    install_input_guard(app)
    register_api(app)
    register_web(app)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register_error_handlers

    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from .cli import register_cli

    register_cli(app)
