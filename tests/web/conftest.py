"""Fixtures for the staff pages: log-in through the form (CSRF on), a live server for the
browser tests."""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

PASSWORD = "correct-horse-9"
_CSRF = re.compile(r'name="(?:[\w-]+-)?csrf_token"[^>]*?value="([^"]+)"|value="([^"]+)"[^>]*?name="(?:[\w-]+-)?csrf_token"')


def csrf_token(html: str) -> str:
    """The first CSRF token in a page."""
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def login(client, username: str, password: str = PASSWORD, follow: bool = False):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(page.get_data(as_text=True))},
                       follow_redirects=follow)


@pytest.fixture
def web_login(client, make_user) -> Callable[..., int]:
    """web_login(role, username=None, department=...) → the user's id, logged in on `client`."""

    def sign_in(role: str = "clerk", username: str | None = None,
                department: str | None = "connection_team") -> int:
        name = username or f"{role}-web"
        user_id, _ = make_user(role, name, department=department)
        response = login(client, name)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user_id

    return sign_in


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served by a threaded werkzeug server on a free port, in a thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def new_application(app):
    """new_application(flow="201", **fields) → the number of an application made by the service
    (as the user named `by`, default none)."""
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services.applications import NewApplication, create_application

    def create(flow: str = "201", by: str | None = None, **fields) -> str:
        fields.setdefault("customer_name", "芜湖某置业有限公司")
        with app.app_context():
            actor = db.session.scalar(sa.select(User).where(User.username == by)) if by else None
            number = create_application(NewApplication(flow=flow, **fields), actor).number
            db.session.remove()
            return number

    return create


@pytest.fixture
def in_app(app):
    """in_app(fn) → fn() run in an app context, its session removed afterwards."""
    from tracker.extensions import db

    def run(fn):
        with app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()

    return run


def page_text(response) -> str:
    return response.get_data(as_text=True)
