"""The assessment office's role (issue 11, seed 003 五(六)/(七): 人力资源中心/督查办 assess the
departments): an assessor reads everything, issues the monthly report, completes no step;
administrators create assessor accounts; the demo has one; the migration keeps old rows."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.api import table_counts
from tests.fixtures.web import csrf_token, form_post, login, page_text


def _role(app, username: str) -> str:
    from tracker.extensions import db

    with app.app_context():
        role = db.session.scalar(sa.text("SELECT role FROM users WHERE username = :u"),
                                 {"u": username})
        db.session.remove()
    return role


def test_an_assessor_reads_and_issues_but_completes_no_step(app, api_as, new_application):
    number = new_application("201")
    assessor = api_as("assessor", "kaohe", department="human_resources")
    assert assessor.get(f"/api/v1/applications/{number}")["number"] == number
    assert assessor.get("/api/v1/reports/monthly/2026-09")["month"] == "2026-09"
    before = table_counts(app)
    refused = assessor.post(f"/api/v1/applications/{number}/steps/survey/complete",
                            {"version": 1}, status=403)
    assert refused["message"] == "您的角色无权执行此操作。"
    assert table_counts(app) == before
    issued = assessor.post("/api/v1/reports/monthly/2026-09/issue", status=201)
    assert (issued["version"], issued["issued_by"]) == (1, "kaohe")


def test_on_the_pages_an_assessor_issues_the_report_and_cannot_touch_an_application(
        app, client, web_login, new_application):
    number = new_application("201")
    web_login("assessor", "kaohe2", department="inspection_office")
    page = page_text(client.get(f"/applications/{number}"))
    assert number in page and "/steps/" not in page
    refused = client.post(f"/applications/{number}/steps/survey/complete",
                          data={"csrf_token": csrf_token(page)})
    assert refused.status_code == 403 and "无权" in page_text(refused)
    report = page_text(client.get("/reports/monthly?month=2026-09"))
    assert "签发新版本" in report
    issued = client.post("/reports/monthly/2026-09/issue", data={"csrf_token": csrf_token(report)})
    assert issued.status_code == 302
    assert "已签发为第 1 版" in page_text(client.get(issued.headers["Location"]))


def test_a_clerk_still_may_not_issue(app, client, web_login):
    web_login("clerk", "clerk-x")
    html = page_text(client.get("/reports/monthly?month=2026-09"))
    refused = client.post("/reports/monthly/2026-09/issue", data={"csrf_token": csrf_token(html)})
    assert refused.status_code == 403
    assert "考核部门" in page_text(refused)


def test_an_admin_creates_an_assessor_account(app, client, make_user):
    make_user("admin", "root-a", department=None)
    assert login(client, "root-a").status_code == 302
    form = page_text(client.get("/users/new"))
    assert 'value="assessor"' in form and "考核员（人力资源中心/督查办）" in form
    created = form_post(client, "/users/new", "/users/new",
                        {"username": "hr1", "display_name": "孙考核", "role": "assessor",
                         "department": "human_resources", "phone": "", "email": ""})
    assert created.status_code == 200, page_text(created)[:500]
    assert _role(app, "hr1") == "assessor"


def test_the_demo_has_an_assessor(app):
    from tracker.demo import DEMO_USERS
    from tracker.models import Role

    assert [(u, d) for u, role, d, *_ in DEMO_USERS if role is Role.ASSESSOR] == [
        ("assessor", "human_resources")]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "logins"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.split()[0] == "assessor")
    assert "demo-assessor-2026" in line
    assert "考核员（人力资源中心/督查办） / Assessor (assessment office)" in line


def test_the_migration_allows_the_role_and_its_downgrade_keeps_the_account(app):
    from flask_migrate import downgrade, upgrade

    from tracker.extensions import db
    from tracker.models import Role, User

    with app.app_context():
        db.session.add(User(username="hr-m", role=Role.ASSESSOR, display_name="hr"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="0009_work")  # an assessor is kept, as a read-only auditor
        assert db.session.scalar(sa.text("SELECT role FROM users WHERE username = 'hr-m'")) \
            == "auditor"
        db.session.remove()
        upgrade()
        db.session.execute(sa.text("UPDATE users SET role = 'assessor' WHERE username = 'hr-m'"))
        db.session.commit()
        assert db.session.scalar(sa.select(User.role).where(User.username == "hr-m")) \
            is Role.ASSESSOR
        db.session.remove()
