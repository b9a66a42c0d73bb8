"""The app's PostgreSQL sessions run with JIT and parallel plans off (tracker/__init__.py
_postgresql_session_options): a short indexed statement costed above jit_above_cost spent
more time compiling than running, and parallel workers cost more to start than they saved."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.fixtures.app import dispose, make_app

pytestmark = pytest.mark.postgres


def _shown(app, *names: str) -> tuple[str, ...]:
    from tracker.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return tuple(conn.execute(sa.text(f"SHOW {name}")).scalar() for name in names)


def test_jit_and_parallel_plans_are_off_and_a_deployment_may_change_them(backend,
                                                                         database_url):
    if backend != "postgresql":
        pytest.skip("PostgreSQL's session settings")
    default = make_app(database_url)
    try:
        assert _shown(default, "jit", "max_parallel_workers_per_gather") == ("off", "0")
    finally:
        dispose(default)
    # A deployment's own startup options are kept, and win where both set one.
    own = make_app(database_url, SQLALCHEMY_ENGINE_OPTIONS={
        "pool_pre_ping": True,
        "connect_args": {"options": "-c jit=on -c statement_timeout=55s"}})
    try:
        assert _shown(own, "jit", "statement_timeout", "max_parallel_workers_per_gather") == (
            "on", "55s", "0")
    finally:
        dispose(own)
    # "" leaves the server's settings.
    server = make_app(database_url, TRACKER_POSTGRESQL_OPTIONS="")
    try:
        assert _shown(server, "max_parallel_workers_per_gather") != ("0",)
    finally:
        dispose(server)
