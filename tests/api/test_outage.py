"""A database outage answers 503 with Retry-After and the usual error body (JSON for the
API, a short page in the user's language for the pages), logs one line per request without
a traceback, and /healthz says, as JSON, that the database is down."""
from __future__ import annotations

import logging

import pytest

from tests.fixtures.app import make_app

UNREACHABLE = {
    # nothing listens on port 1: the connection is refused at once
    "pg": "postgresql+psycopg://postgres@127.0.0.1:1/tracker?connect_timeout=5",
    # a file in a folder that does not exist cannot be opened
    "sqlite": "sqlite:////nonexistent-tracker-folder/missing/tracker.db",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_app(request):
    from tracker.extensions import db

    app = make_app(UNREACHABLE[request.param])
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _no_tracebacks(caplog) -> list[logging.LogRecord]:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, "the outage is logged"
    assert all(r.exc_info is None and "Traceback" not in r.getMessage() for r in errors), \
        [r.getMessage() for r in errors]
    return errors


def test_the_api_answers_503_with_retry_after_in_the_users_language(down_app, caplog):
    client = down_app.test_client()
    headers = {"Authorization": "Bearer some-token"}
    response = client.get("/api/v1/applications", headers=headers)
    assert response.status_code == 503, response.get_data(True)
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json() == {"code": 503, "status": "服务暂不可用",
                                   "message": "数据库暂时无法访问，请稍后再试。"}
    created = client.post("/api/v1/applications", json={"flow": "201", "customer_name": "x"},
                          headers={**headers, "Accept-Language": "en"})
    assert created.status_code == 503
    assert created.get_json()["message"] == "The database is unavailable; try again in a moment."
    assert len(_no_tracebacks(caplog)) == 2  # one line per request


def test_a_page_answers_a_short_503_page_in_the_users_language(down_app, caplog):
    client = down_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1.0"  # a logged-in clerk ("<id>.<generation>"): the page must read the user
        session["lang"] = "en"
    response = client.get("/applications")
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert "Retry-After" in response.headers
    html = response.get_data(True)
    assert "The database is unavailable; try again in a moment." in html
    assert '<html lang="en">' in html
    _no_tracebacks(caplog)
    with client.session_transaction() as session:
        session["lang"] = "zh"
    assert "数据库暂时无法访问" in client.get("/applications").get_data(True)


def test_healthz_names_the_database_as_down(down_app, caplog):
    response = down_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "down"}
    assert "Retry-After" in response.headers
    _no_tracebacks(caplog)


def test_healthz_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
