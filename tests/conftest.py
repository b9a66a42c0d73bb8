"""Fixtures: an app per database backend (SQLite always; PostgreSQL under CI or when
TRACKER_TEST_DATABASE_URL is set), a clean schema per test, users with tokens, frozen time."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tracker import create_app
from tracker.config import TestingConfig

LOCAL = ZoneInfo("Asia/Shanghai")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get("TRACKER_TEST_DATABASE_URL") or (
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres" if IN_CI else "")


def local(*args: int) -> datetime:
    """An aware Beijing-time instant: local(2026, 9, 30, 16, 0)."""
    return datetime(*args, tzinfo=LOCAL)


def _pg_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def backends() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if PG_ADMIN_URL:
        params.append(pytest.param("postgresql", id="pg", marks=pytest.mark.postgres))
    return params


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards. Fails (never skips) when
    the server is unreachable: under CI PostgreSQL is part of the suite."""
    admin = sa.create_engine(_pg_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"tracker_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {exc}")
    url = sa.engine.make_url(_pg_url(PG_ADMIN_URL)).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


_migrated: set[str] = set()
_sqlite_urls: list[str] = []


def _make_app(url: str, **overrides):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, **overrides)
    return app


def _migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def _wipe(app) -> None:
    from tracker.extensions import db

    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                     + " RESTART IDENTITY CASCADE"))
            else:
                # applications and sla_timers point at each other: check keys at commit.
                conn.execute(sa.text("PRAGMA defer_foreign_keys=ON"))
                for table in tables:
                    conn.execute(sa.text(f'DELETE FROM "{table}"'))
        db.session.remove()
        from tracker.services import flows

        flows._synced.clear()


@pytest.fixture(params=backends())
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path_factory) -> str:
    if backend == "postgresql":
        return request.getfixturevalue("pg_database")
    if not _sqlite_urls:
        path = Path(tmp_path_factory.mktemp("sqlite")) / "tracker.db"
        _sqlite_urls.append(f"sqlite:///{path}")
    return _sqlite_urls[0]


@pytest.fixture
def app(database_url):
    app = _make_app(database_url)
    if database_url not in _migrated:
        _migrate(app)
        _migrated.add(database_url)
    _wipe(app)
    with app.app_context():
        from tracker.services.reference import ensure_departments

        ensure_departments()
    yield app
    with app.app_context():
        from tracker.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def make_user(app):
    """create_user(role, username=None, department=None) → (user id, token)."""
    from tracker.extensions import db
    from tracker.models import ApiToken, Department, Role, User

    def create(role: str = "clerk", username: str | None = None,
               department: str | None = "connection_team", password: str = "correct-horse-9"):
        with app.app_context():
            dept = db.session.scalar(sa.select(Department).where(Department.code == department)) \
                if department else None
            user = User(username=username or f"{role}-{uuid.uuid4().hex[:6]}", role=Role(role),
                        department=dept, display_name=username or role)
            user.set_password(password)
            token_row, plain = ApiToken.issue(user, "test")
            db.session.add_all([user, token_row])
            db.session.commit()
            return user.id, plain

    return create


@pytest.fixture
def clerk(make_user):
    return make_user("clerk", "clerk1")


@pytest.fixture
def auth(clerk):
    """Authorization headers of a clerk."""
    return {"Authorization": f"Bearer {clerk[1]}"}


@pytest.fixture
def frozen(request):
    """Freeze time: frozen(local(2026, 10, 8, 9, 0)); moves with .move_to()."""
    import time_machine

    travellers = []

    def freeze(instant: datetime, tick: bool = False):
        traveller = time_machine.travel(instant, tick=tick)
        travellers.append(traveller)
        return traveller.start()

    yield freeze
    for traveller in reversed(travellers):
        traveller.stop()
