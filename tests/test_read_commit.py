"""PostgreSQL: a transaction that only read ends with COMMIT, so psycopg keeps the statements
it prepared (tracker/db_setup.keep_prepared_statements: a ROLLBACK clears them, and every
request's session ends with one); a transaction that wrote anything is rolled back as before,
so nothing a request left uncommitted is ever kept."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.fixtures.web import login

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(backend, other_app):
    """A new app (one pooled connection, nothing prepared yet) on the test's database."""
    if backend != "postgresql":
        pytest.skip("psycopg's prepared statements: PostgreSQL only")
    return other_app()


def _prepared_on_server(app) -> int:
    """How many prepared statements the app's (one) pooled connection holds on the server."""
    from tracker.extensions import db

    with app.app_context():
        try:
            return int(db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements")))
        finally:
            db.session.remove()


def test_pages_keep_their_prepared_statements_from_request_to_request(pg_app, make_user,
                                                                      new_application):
    make_user("team_lead", "lead")
    number = new_application("201")
    client = pg_app.test_client()
    assert login(client, "lead").status_code == 302
    for _ in range(8):  # psycopg prepares a statement at its sixth execution on a connection
        assert client.get(f"/applications/{number}").status_code == 200
    assert _prepared_on_server(pg_app) >= 5  # a ROLLBACK after each request left none


def _rows(app, number: str) -> int:
    from tracker.extensions import db
    from tracker.models import Application

    with app.app_context():
        try:
            return db.session.scalar(sa.select(sa.func.count()).select_from(Application)
                                     .where(Application.customer_name == number))
        finally:
            db.session.remove()


def test_what_a_session_wrote_and_did_not_commit_is_rolled_back(pg_app, new_application):
    from tracker.extensions import db
    from tracker.models import Application

    number = new_application("201")
    with pg_app.app_context():
        db.session.execute(sa.update(Application).where(Application.number == number)
                           .values(customer_name="未提交的改动"))
        db.session.scalar(sa.select(sa.func.count()).select_from(Application))  # reads after
        db.session.remove()  # closed without a commit
    assert _rows(pg_app, "未提交的改动") == 0
    with pg_app.app_context():
        db.session.execute(sa.text("UPDATE applications SET customer_name = '文本改动'"))
        db.session.remove()
    assert _rows(pg_app, "文本改动") == 0


def test_a_read_that_failed_is_rolled_back_and_the_connection_serves_on(pg_app, new_application):
    from tracker.extensions import db

    new_application("201")
    with pg_app.app_context():
        with pytest.raises(sa.exc.DataError):
            db.session.execute(sa.text("SELECT 1 / 0"))
        db.session.remove()  # a transaction in error: rolled back, not committed
        assert db.session.scalar(sa.text("SELECT 2")) == 2
        db.session.remove()


def test_a_transaction_that_only_read_keeps_them_and_one_that_wrote_does_not(pg_app):
    """At the connection: a statement prepared in a transaction that only read survives the
    rollback asked for (committed instead); after a transaction that ran anything else (a
    SET here), psycopg's ROLLBACK forgets them as before."""
    from tracker.extensions import db

    count = sa.text("SELECT count(*) FROM pg_prepared_statements")
    with pg_app.app_context():
        engine = db.engine
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        conn.execute(sa.text("SELECT 1"))
        raw.execute("SELECT 42", prepare=True)
        conn.rollback()  # only read: committed, the prepared statement kept
        assert conn.execute(count).scalar() >= 1
        conn.rollback()
        conn.execute(sa.text("SET LOCAL statement_timeout = '5s'"))
        raw.execute("SELECT 43", prepare=True)
        conn.rollback()  # not only SELECTs: a real ROLLBACK, which clears psycopg's cache
        assert conn.execute(count).scalar() == 0
