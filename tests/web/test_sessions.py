"""A session ends on the server: a copy of the cookie taken before log-out, a password change
or disabling the account signs nobody in."""
from __future__ import annotations

import pytest

from tests.fixtures.web import PASSWORD, csrf_token, login, page_text


@pytest.fixture
def signed_in(app, client, make_user):
    """(the logged-in client, a second client holding a copy of its session cookie)."""
    make_user("clerk", "copied")
    assert login(client, "copied").status_code == 302
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/applications").status_code == 200  # the copy works like the original
    return client, copy


def _refused(client) -> bool:
    response = client.get("/applications")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_cookie_copied_before_log_out_no_longer_works(signed_in):
    client, copy = signed_in
    token = csrf_token(page_text(client.get("/work")))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert _refused(client) and _refused(copy)
    fetched = copy.get("/dashboard", headers={"X-Requested-With": "fetch"})
    assert fetched.status_code == 401


def test_a_new_password_ends_every_session(signed_in, runner):
    client, copy = signed_in
    result = runner.invoke(args=["users", "password", "copied"], input="another-secret-1\n")
    assert result.exit_code == 0, result.output
    assert _refused(client) and _refused(copy)
    assert login(copy, "copied").status_code == 401  # the old password is wrong now
    assert login(copy, "copied", "another-secret-1").status_code == 302
    assert copy.get("/applications").status_code == 200


def test_disabling_ends_every_session_even_once_enabled_again(app, signed_in, runner):
    from tracker.extensions import db
    from tracker.models import User

    client, copy = signed_in
    result = runner.invoke(args=["users", "disable", "copied"])
    assert result.exit_code == 0, result.output
    assert _refused(client) and _refused(copy)
    with app.app_context():
        user = db.session.query(User).filter_by(username="copied").one()
        user.active = True
        db.session.commit()
    assert _refused(copy)
    assert login(copy, "copied", PASSWORD).status_code == 302


def test_logging_out_elsewhere_keeps_nobody_signed_in_with_an_old_cookie(app, client, make_user):
    make_user("clerk", "two-browsers")
    assert login(client, "two-browsers").status_code == 302
    old = client.get_cookie("session").value
    token = csrf_token(page_text(client.get("/work")))
    client.post("/logout", data={"csrf_token": token})
    assert login(client, "two-browsers").status_code == 302  # a new session works
    assert client.get("/applications").status_code == 200
    replay = app.test_client()
    replay.set_cookie("session", old)
    assert _refused(replay)
