"""Log in and out: hashed passwords, CSRF on the form, session lifetime, the lock-out."""
from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.web import PASSWORD, csrf_token, login, page_text
from tracker.settings import reconfigure


def test_pages_need_a_log_in_and_the_form_is_chinese_by_default(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/dashboard")
    page = page_text(client.get("/login"))
    assert "登录" in page and "用户名" in page and "密码" in page
    assert 'lang="zh-CN"' in page


def test_log_in_lands_on_the_role_s_page_and_log_out_ends_the_session(client, make_user):
    make_user("team_lead", "lead")
    make_user("clerk", "clerk1")
    response = login(client, "lead")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    assert client.get("/logout").status_code == 405  # only a POST with the token logs out
    token = csrf_token(page_text(client.get("/dashboard")))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302

    assert login(client, "clerk1").headers["Location"] == "/work"


def test_the_password_is_stored_hashed(app, make_user):
    make_user("clerk", "clerk1")
    from tracker.extensions import db
    from tracker.models import User

    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.username == "clerk1"))
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_a_log_in_without_the_csrf_token_is_refused(client, make_user):
    make_user("clerk", "clerk1")
    response = client.post("/login", data={"username": "clerk1", "password": PASSWORD})
    assert response.status_code == 400
    assert "表单已过期" in page_text(response)
    assert client.get("/dashboard").status_code == 302


def test_the_session_expires_after_the_configured_lifetime(app, client, make_user, frozen):
    frozen(local(2026, 10, 12, 10, 0))
    make_user("clerk", "clerk1")
    response = login(client, "clerk1")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    expires = parsedate_to_datetime(cookie.split("Expires=", 1)[1].split(";", 1)[0])
    assert expires == local(2026, 10, 12, 10, 0) + app.config["PERMANENT_SESSION_LIFETIME"]
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)


def test_wrong_passwords_lock_the_account_for_the_configured_time(app, client, make_user, frozen):
    clock = frozen(local(2026, 10, 12, 10, 0))
    make_user("clerk", "clerk1")
    assert app.config["TRACKER_LOGIN_MAX_FAILURES"] == 5
    for _ in range(4):
        response = login(client, "clerk1", "wrong-password")
        assert response.status_code == 401
        assert "用户名或密码错误" in page_text(response)
        assert 'value="clerk1"' in page_text(response)  # the name typed stays in the form
    response = login(client, "clerk1", "wrong-password")
    assert response.status_code == 401
    assert "已锁定至 10:15" in page_text(response)
    # Locked: the right password is refused too, with the same clear message.
    response = login(client, "clerk1")
    assert response.status_code == 401 and "已锁定至 10:15" in page_text(response)
    clock.move_to(local(2026, 10, 12, 10, 16))
    assert login(client, "clerk1").status_code == 302

    from tracker.extensions import db
    from tracker.models import Event, User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "clerk1"))
        assert (user.failed_logins, user.locked_until) == (0, None)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)
                                 .where(Event.action == "user.locked")) == 1


def test_lock_out_settings_come_from_the_configuration(app, client, make_user, frozen):
    frozen(local(2026, 10, 12, 10, 0))
    reconfigure(app, TRACKER_LOGIN_MAX_FAILURES=2, TRACKER_LOGIN_LOCK_MINUTES=30)
    make_user("clerk", "clerk1")
    login(client, "clerk1", "nope-nope")
    response = login(client, "clerk1", "nope-nope")
    assert "已锁定至 10:30" in page_text(response) and "约 30 分钟" in page_text(response)


def test_unknown_users_disabled_and_machine_accounts_cannot_log_in(app, client, make_user):
    make_user("clerk", "gone")
    make_user("platform", "gongai", department=None)
    from tracker.extensions import db
    from tracker.models import User

    with app.app_context():
        db.session.scalar(sa.select(User).where(User.username == "gone")).active = False
        db.session.commit()
    assert "用户名或密码错误" in page_text(login(client, "nobody"))
    assert "账号已停用" in page_text(login(client, "gone"))
    assert "用户名或密码错误" in page_text(login(client, "gongai"))


def test_after_log_in_only_a_local_next_page_is_followed(client, make_user):
    make_user("team_lead", "lead")
    page = client.get("/login")
    response = client.post("/login?next=https://evil.example/x",
                           data={"username": "lead", "password": PASSWORD,
                                 "csrf_token": csrf_token(page_text(page))})
    assert response.headers["Location"] == "/dashboard"
    client.post("/logout", data={"csrf_token": csrf_token(page_text(client.get("/work")))})
    page = client.get("/login")
    response = client.post("/login?next=/calendar", data={
        "username": "lead", "password": PASSWORD, "csrf_token": csrf_token(page_text(page))})
    assert response.headers["Location"] == "/calendar"


def test_the_language_switch_is_kept_in_the_session(client, make_user):
    response = client.get("/language/en?next=/login")
    assert response.headers["Location"] == "/login"
    page = page_text(client.get("/login"))
    assert "Log in" in page and "User name" in page and 'lang="en"' in page
    make_user("team_lead", "lead")
    login(client, "lead")  # a new session keeps the chosen language
    assert "Connection team dashboard" in page_text(client.get("/dashboard"))
    client.get("/language/zh")
    assert "营商报装专班看板" in page_text(client.get("/dashboard"))
    assert client.get("/language/fr").status_code == 404


def test_parallel_wrong_passwords_on_two_workers_get_no_more_tries_than_the_limit(
        app, other_app, make_user):
    """16 wrong passwords at once, half to each of two app instances on one database: only
    TRACKER_LOGIN_MAX_FAILURES of them are checked (the last of those locks the account)."""
    import requests

    from tests.fixtures.api import fire_at_once, serving
    from tracker.extensions import db
    from tracker.models import Event, User

    make_user("clerk", "target")
    tries, limit = 16, app.config["TRACKER_LOGIN_MAX_FAILURES"]
    with serving(app) as first, serving(other_app()) as second:
        servers = [first, second]
        forms = []  # each try's own session cookie and CSRF token, fetched beforehand
        for index in range(tries):
            with requests.Session() as browser:
                page = browser.get(f"{servers[index % 2]}/login", timeout=60)
                forms.append((browser.cookies.get_dict(), csrf_token(page.text)))

        def wrong(session, index):
            cookies, token = forms[index]
            session.cookies.update(cookies)
            return session.post(f"{servers[index % 2]}/login", timeout=120,
                                data={"username": "target", "password": "wrong-password",
                                      "csrf_token": token}, allow_redirects=False)

        answers = fire_at_once(tries, wrong)
    assert {answer.status_code for answer in answers} == {401}
    refused = sum("用户名或密码错误" in answer.text for answer in answers)
    locked = sum("已锁定至" in answer.text for answer in answers)
    assert (refused, locked) == (limit - 1, tries - limit + 1)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "target"))
        assert user.locked_until is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)
                                 .where(Event.action == "user.locked")) == 1
