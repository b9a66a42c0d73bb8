"""Extension objects, created unbound; the factory binds them to an app."""
from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints from the first migration on: SQLite batch migrations cannot
# drop or alter a constraint that has no name (the team's notes on pitfalls).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TrackerApi(Api):
    """No catch-all "default" answer in the OpenAPI document: every status an operation can
    give is named (api/openapi.py), so a client and the fuzz test can hold us to it."""

    DEFAULT_ERROR_RESPONSE_NAME = None


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = TrackerApi()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
