"""Bearer tokens and roles: 401 without a valid token, an auditor reads but never writes,
a platform machine token cannot read applications; the users and tokens commands."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from tests.fixtures.api import table_counts
from tests.fixtures.app import local

EN = {"Accept-Language": "en"}


@pytest.fixture
def number(api, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    return api.create("201")["number"]


def _writes(number: str) -> list[tuple[str, str, dict]]:
    """Every write the API offers, each with a body that would otherwise be accepted."""
    base = f"/api/v1/applications/{number}"
    return [
        ("post", "/api/v1/applications", {"flow": "201", "customer_name": "x"}),
        ("patch", base, {"address": "芜湖"}),
        ("post", f"{base}/cancel", {"reason": "客户撤回"}),
        ("post", f"{base}/steps/survey/complete", {}),
        ("post", f"{base}/steps/meter_install/start", {}),
        ("post", f"{base}/steps/municipal_approval/skip", {"note": "无需审批"}),
        ("post", f"{base}/pauses", {"reason": "missing_documents", "step": "survey"}),
        ("post", f"{base}/pauses/1/end", {}),
        ("post", f"{base}/materials/supplied", {}),
    ]


def _reads(number: str) -> list[str]:
    return ["/api/v1/applications", f"/api/v1/applications/{number}",
            f"/api/v1/applications/{number}/events", "/api/v1/flows", "/api/v1/pause-reasons"]


def test_no_token_is_401(client, number):
    for url in _reads(number):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.get_json()["message"] == \
            "需要认证：请在请求头中提供 Authorization: Bearer <令牌>。"
    for method, url, body in _writes(number):
        assert getattr(client, method)(url, json=body).status_code == 401, url


@pytest.mark.parametrize("header", ["Bearer wt_not-a-real-token", "Bearer ", "Basic abc:def",
                                    "wt_token-without-scheme", "Bearer " + "x" * 5000])
def test_an_invalid_token_is_401(client, number, header):
    response = client.get(f"/api/v1/applications/{number}",
                          headers={"Authorization": header, **EN})
    assert response.status_code == 401
    assert response.get_json()["code"] == 401


def test_a_revoked_token_is_401(app, client, make_user, runner):
    from tracker.extensions import db
    from tracker.models import ApiToken

    _, token = make_user("clerk", "revoked-clerk")
    headers = {"Authorization": f"Bearer {token}", **EN}
    assert client.get("/api/v1/flows", headers=headers).status_code == 200
    result = runner.invoke(args=["tokens", "revoke", token[:10]])
    assert result.exit_code == 0, result.output
    response = client.get("/api/v1/flows", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["message"] == "The token is unknown or revoked."
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.revoked_at)) is not None


def test_an_inactive_user_is_401(app, client, make_user):
    from tracker.extensions import db
    from tracker.models import User

    user_id, token = make_user("clerk")
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert client.get("/api/v1/flows", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401


def test_an_auditor_reads_everything_and_writes_nothing(app, api_as, number):
    auditor = api_as("auditor", department=None)
    for url in _reads(number):
        auditor.get(url)
    before = table_counts(app)
    for method, url, body in _writes(number):
        response = getattr(auditor.client, method)(url, json=body,
                                                   headers={**auditor.headers, **EN})
        assert response.status_code == 403, (url, response.get_data(True))
        assert response.get_json()["message"] == "Your role may not do this."
    assert table_counts(app) == before
    body = auditor.post(f"/api/v1/applications/{number}/steps/survey/complete", status=403)
    assert body["message"] == "您的角色无权执行此操作。"


def test_a_platform_token_cannot_read_applications(app, api_as, number):
    platform = api_as("platform", department=None)
    for url in _reads(number):
        assert platform.get(url, status=403)["code"] == 403
    before = table_counts(app)
    for method, url, body in _writes(number):
        response = getattr(platform.client, method)(url, json=body, headers=platform.headers)
        assert response.status_code == 403, url
    assert table_counts(app) == before


@pytest.mark.parametrize("role", ["clerk", "engineer", "team_lead", "admin"])
def test_staff_roles_read_and_write(api_as, number, role):
    staff = api_as(role, department="engineering")
    staff.get(f"/api/v1/applications/{number}")
    done = staff.step(number, "survey")
    assert next(s for s in done["steps"] if s["code"] == "survey")["status"] == "done"


def test_refused_requests_do_not_reveal_whether_an_application_exists(api_as, client):
    auditor = api_as("auditor", department=None)
    assert auditor.post("/api/v1/applications/201-2026-999999/cancel", {"reason": "x"},
                        status=403)["code"] == 403
    assert client.get("/api/v1/applications/201-2026-999999").status_code == 401


# --- the users and tokens commands -------------------------------------------------------

def test_users_create_reads_the_password_from_stdin_and_tokens_create_issues_a_token(
        app, runner, client):
    from tracker.extensions import db
    from tracker.models import ApiToken, User

    result = runner.invoke(args=["users", "create", "wang.gong", "--role", "engineer",
                                 "--department", "engineering", "--name", "王工"],
                           input="long-enough-secret\n")
    assert result.exit_code == 0, result.output
    assert "wang.gong" in result.output
    result = runner.invoke(args=["tokens", "create", "wang.gong", "--name", "tablet"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("wt_") and len(token) > 30

    # the token authenticates as that user
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/flows", headers=headers).status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "wang.gong"))
        assert user.role.value == "engineer"
        assert user.department.code == "engineering"
        assert user.display_name == "王工"
        assert user.check_password("long-enough-secret")
        assert "long-enough-secret" not in user.password_hash
        # only the token's hash is stored: nowhere does the token itself appear
        row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.name == "tablet"
        stored = db.session.execute(sa.select(ApiToken.__table__)).all()
        assert not any(token in str(value) for stored_row in stored for value in stored_row)


@pytest.mark.parametrize("args, stdin, message", [
    (["users", "create", "x1", "--role", "clerk", "--department", "nowhere"], "long-enough-1\n",
     "Unknown department 'nowhere'"),
    (["users", "create", "x2", "--role", "wizard"], "long-enough-1\n", "Invalid value"),
    (["users", "create", "x3", "--role", "clerk"], "short\n", "at least 8 characters"),
    (["tokens", "create", "nobody"], "", "No user 'nobody'"),
])
def test_the_commands_refuse_bad_input(app, runner, args, stdin, message):
    before = table_counts(app)
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert table_counts(app) == before


def test_users_create_refuses_a_duplicate(app, runner):
    args = ["users", "create", "li.si", "--role", "clerk", "--department", "connection_team"]
    assert runner.invoke(args=args, input="long-enough-1\n").exit_code == 0
    result = runner.invoke(args=args, input="long-enough-2\n")
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_a_platform_account_needs_no_password(app, runner, client):
    result = runner.invoke(args=["users", "create", "gongai", "--role", "platform"])
    assert result.exit_code == 0, result.output
    token = runner.invoke(args=["tokens", "create", "gongai"]).output.strip().splitlines()[-1]
    response = client.get("/api/v1/applications", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403

