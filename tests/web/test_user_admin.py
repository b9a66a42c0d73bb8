"""User administration (issue 13): an administrator creates, edits, disables and enables
accounts, resets a password (a one-time password shown once), unlocks a locked account and
revokes API tokens; everyone changes their own password; the log-in says how many tries are
left; the same in `flask users`."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.fixtures.web import PASSWORD, csrf_token, form_post, login, page_text


def _user(app, username: str) -> dict:
    from tracker.extensions import db

    with app.app_context():
        row = db.session.execute(sa.text("SELECT * FROM users WHERE username = :u"),
                                 {"u": username}).mappings().one()
        db.session.remove()
        return dict(row)


@pytest.fixture
def admin(app, make_user):
    """A second client signed in as an administrator."""
    make_user("admin", "root1", department=None)
    browser = app.test_client()
    assert login(browser, "root1").status_code == 302
    return browser


def _lock(client, username: str) -> str:
    """Fail the log-in until the account locks; the last refusal's page."""
    page = ""
    for _ in range(5):
        page = page_text(login(client, username, "wrong-password"))
    return page


def test_the_log_in_says_how_many_tries_are_left(client, make_user):
    make_user("clerk", "counted")
    assert "再错 4 次，账户将被锁定" in page_text(login(client, "counted", "wrong-password"))
    assert "再错 3 次" in page_text(login(client, "counted", "wrong-password"))
    client.get("/language/en")
    assert "2 attempts left before the account is locked" in page_text(
        login(client, "counted", "wrong-password"))


def test_an_admin_unlocks_a_locked_user_who_then_logs_in(app, client, admin, make_user):
    user_id, _ = make_user("clerk", "locked1")
    assert "锁定" in _lock(client, "locked1")
    assert login(client, "locked1").status_code == 401  # the right password, still locked
    page = page_text(admin.get(f"/users/{user_id}"))
    assert "因多次登录失败已锁定" in page
    done = admin.post(f"/users/{user_id}/unlock", data={"csrf_token": csrf_token(page)})
    assert done.status_code == 302
    assert "账户已解锁" in page_text(admin.get(done.location))
    assert _user(app, "locked1")["failed_logins"] == 0
    assert login(client, "locked1").status_code == 302


def test_a_disabled_users_open_session_is_refused_on_its_next_request(app, client, admin,
                                                                       make_user):
    user_id, token = make_user("clerk", "gone1")
    assert login(client, "gone1").status_code == 302
    assert client.get("/applications").status_code == 200
    page = page_text(admin.get(f"/users/{user_id}"))
    assert admin.post(f"/users/{user_id}/disable",
                      data={"csrf_token": csrf_token(page)}).status_code == 302
    refused = client.get("/applications")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert app.test_client().get("/api/v1/flows", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401
    assert login(client, "gone1").status_code == 401
    page = page_text(admin.get(f"/users/{user_id}"))
    assert "已停用" in page
    admin.post(f"/users/{user_id}/enable", data={"csrf_token": csrf_token(page)})
    assert login(client, "gone1").status_code == 302


def test_a_non_admin_gets_403_on_the_user_pages(client, web_login, make_user):
    other_id, _ = make_user("clerk", "someone")
    web_login("team_lead", "lead1")
    for url in ("/users", "/users/new", f"/users/{other_id}"):
        assert client.get(url).status_code == 403
    token = csrf_token(page_text(client.get("/work")))
    for action in ("disable", "unlock", "reset-password"):
        assert client.post(f"/users/{other_id}/{action}",
                           data={"csrf_token": token}).status_code == 403
    assert "/users" not in re.findall(r'href="(/users)"', page_text(client.get("/work")))


def test_a_reset_password_works_once_shown(app, client, admin, make_user):
    user_id, _ = make_user("engineer", "reset1", department="engineering")
    assert login(client, "reset1").status_code == 302
    page = page_text(admin.get(f"/users/{user_id}"))
    shown = admin.post(f"/users/{user_id}/reset-password", data={"csrf_token": csrf_token(page)})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    password = re.search(r'class="one-time-password"><code>([^<]+)</code>',
                         page_text(shown)).group(1)
    assert password not in page_text(admin.get(f"/users/{user_id}"))  # shown once only
    refused = client.get("/work")  # the user's session ended with the reset
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert login(client, "reset1").status_code == 401  # the old password is gone
    first = login(client, "reset1", password)
    assert first.status_code == 302 and first.headers["Location"] == "/account/password"
    changed = form_post(client, "/account/password", "/account/password",
                        {"old_password": password, "new_password": "mine-at-last-7",
                         "again": "mine-at-last-7"})
    assert changed.status_code == 302
    assert client.get("/work").status_code == 200  # this session goes on
    assert _user(app, "reset1")["must_change_password"] in (0, False)


def test_own_password_change_checks_the_old_one_and_the_repeat(app, client, web_login):
    web_login("auditor", "own1", department=None)  # a read-only role may change its own
    before = _user(app, "own1")
    wrong = form_post(client, "/account/password", "/account/password",
                      {"old_password": "not-it", "new_password": "brand-new-pass",
                       "again": "brand-new-pass"})
    assert wrong.status_code == 422 and "当前密码不正确" in page_text(wrong)
    differ = form_post(client, "/account/password", "/account/password",
                       {"old_password": PASSWORD, "new_password": "brand-new-pass",
                        "again": "brand-new-pasz"})
    assert differ.status_code == 422 and "两次输入的新密码不一致" in page_text(differ)
    assert _user(app, "own1")["password_hash"] == before["password_hash"]
    done = form_post(client, "/account/password", "/account/password",
                     {"old_password": PASSWORD, "new_password": "brand-new-pass",
                      "again": "brand-new-pass"})
    assert done.status_code == 302
    assert client.get("/work").status_code == 200
    other = app.test_client()
    assert login(other, "own1").status_code == 401
    assert login(other, "own1", "brand-new-pass").status_code == 302


def test_an_admin_creates_and_edits_an_account_and_revokes_a_token(app, admin, make_user):
    page = form_post(admin, "/users/new", "/users/new",
                     {"username": "bad name", "role": "clerk", "department": "",
                      "phone": "12", "email": "x"})
    assert page.status_code == 422 and "不含空格" in page_text(page)
    assert "不是有效的电子邮箱地址" in page_text(page)
    created = form_post(admin, "/users/new", "/users/new",
                        {"username": "newbie", "display_name": "小王", "role": "engineer",
                         "department": "engineering", "phone": "139 0553 1111",
                         "email": "wang@example.cn"})
    assert created.status_code == 200 and "one-time-password" in page_text(created)
    row = _user(app, "newbie")
    assert (row["role"], row["phone"], row["email"]) == ("engineer", "139 0553 1111",
                                                         "wang@example.cn")
    url = f"/users/{row['id']}"
    saved = form_post(admin, url, url, {"display_name": "王工", "role": "team_lead",
                                         "department": "connection_team", "phone": "",
                                         "email": ""})
    assert saved.status_code == 302
    assert (_user(app, "newbie")["role"], _user(app, "newbie")["display_name"]) == (
        "team_lead", "王工")
    user_id, token = make_user("clerk", "tokened")
    page = page_text(admin.get(f"/users/{user_id}"))
    token_id = re.search(r'id="token-(\d+)"', page).group(1)
    assert admin.post(f"/users/{user_id}/tokens/{token_id}/revoke",
                      data={"csrf_token": csrf_token(page)}).status_code == 302
    assert app.test_client().get("/api/v1/flows", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401
    assert "已于" in page_text(admin.get(f"/users/{user_id}"))


def test_the_users_commands(app, runner, client, make_user):
    make_user("clerk", "cli1")
    _lock(client, "cli1")
    listed = runner.invoke(args=["users", "list"])
    assert listed.exit_code == 0 and re.search(r"cli1\tclerk\tconnection_team\tlocked",
                                               listed.output)
    assert runner.invoke(args=["users", "unlock", "cli1"]).exit_code == 0
    assert login(client, "cli1").status_code == 302
    assert runner.invoke(args=["users", "disable", "cli1"]).exit_code == 0
    assert "cli1\tclerk\tconnection_team\tdisabled" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "enable", "cli1"]).exit_code == 0
    reset = runner.invoke(args=["users", "reset-password", "cli1"])
    assert reset.exit_code == 0
    assert login(app.test_client(), "cli1", reset.output.strip()).status_code == 302
    missing = runner.invoke(args=["users", "unlock", "nobody"])
    assert missing.exit_code != 0 and "nobody" in missing.output
