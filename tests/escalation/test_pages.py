"""The 督办单 pages and API: list, one notice, the written answer (its version, its
department), my levels, and the monthly report's list."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.escalation.helpers import issued_problem
from tests.fixtures.app import local
from tests.fixtures.web import form_post, page_text, version_in
from tracker.escalation.models import EscalationOptOut, SupervisionNotice
from tracker.extensions import db
from tracker.models import User
from tracker.settings import reconfigure

LEVELS = {"problem": [{"level": "supervision", "over_hours": 4, "notify": ["team_lead"]}],
          "*": []}


@pytest.fixture
def notice(app, make_user, frozen) -> str:
    """A 督办单 to engineering, issued Tue 13 Oct 2026 14:30, answer due Thu 15 Oct 14:30;
    the clock then stands at Wed 14 Oct 10:00."""
    from tracker.escalation.jobs import run_escalation
    reconfigure(app, TRACKER_ESCALATION_LEVELS=LEVELS, TRACKER_PROBLEM_VERIFY_DAYS=5.0)
    user_id, _ = make_user("engineer", "reporter", department="engineering")
    with app.app_context():
        frozen(local(2026, 9, 30, 9, 0))
        issued_problem(db.session.get(User, user_id))
        run_escalation(local(2026, 10, 13, 14, 30))
        number = db.session.scalar(select(SupervisionNotice.number))
        db.session.remove()
    frozen(local(2026, 10, 14, 10, 0))
    return number


def test_the_department_answers_a_notice_on_its_page(client, web_login, notice, app):
    web_login("engineer", "eng1", department="engineering")
    listing = page_text(client.get("/supervision"))
    assert notice in listing and "待答复" in listing
    page = client.get(f"/supervision/{notice}")
    html = page_text(page)
    assert page.status_code == 200 and "书面答复" in html and "2026-10-15 14:30" in html
    empty = form_post(client, f"/supervision/{notice}", f"/supervision/{notice}/answer",
                      {"answer": "", "version": version_in(html)})
    assert empty.status_code == 422
    done = form_post(client, f"/supervision/{notice}", f"/supervision/{notice}/answer",
                     {"answer": "原因：人手不足。措施：增派人员。", "version": version_in(html)},
                     follow_redirects=True)
    text = page_text(done)
    assert done.status_code == 200 and "答复已记录" in text and "增派人员" in text
    with app.app_context():
        row = db.session.scalar(select(SupervisionNotice))
        assert (row.status, row.late) == ("answered", False)


def test_another_department_cannot_answer(client, web_login, notice, app):
    web_login("clerk", "hall1", department="business_hall")
    html = page_text(client.get(f"/supervision/{notice}"))
    assert "等待责任部门答复" in html
    refused = form_post(client, f"/supervision/{notice}", f"/supervision/{notice}/answer",
                        {"answer": "不是我们的", "version": "1"})
    assert refused.status_code == 403 and "只有责任部门" in page_text(refused)
    with app.app_context():
        assert db.session.scalar(select(SupervisionNotice.status)) == "open"


def test_a_user_chooses_the_levels_that_reach_them(client, web_login, app):
    user_id = web_login("engineer", "eng2", department="engineering")
    html = page_text(client.get("/account/notifications"))
    assert html.count('checked') == 3  # every level by default
    saved = form_post(client, "/account/notifications", "/account/notifications",
                      {"levels": ["yellow", "supervision"]}, follow_redirects=True)
    assert "提醒级别已保存" in page_text(saved)
    with app.app_context():
        assert set(db.session.scalars(select(EscalationOptOut.level).where(
            EscalationOptOut.user_id == user_id))) == {"red"}


def test_the_api_answers_from_the_version_read(client, api_as, notice, app):
    api = api_as("engineer", "eng3", department="engineering")
    listing = api.get("/api/v1/supervision?department=engineering")
    assert [item["number"] for item in listing["items"]] == [notice]
    assert listing["items"][0]["state"] == "open"
    response = client.get(f"/api/v1/supervision/{notice}", headers=api.headers)
    etag = response.headers["ETag"]
    api.post(f"/api/v1/supervision/{notice}/answer", {"answer": "已整改"}, status=428)
    api.post(f"/api/v1/supervision/{notice}/answer", {"answer": "已整改"}, status=412,
             headers={"If-Match": '"99"'})
    other = api_as("clerk", "hall2", department="business_hall")
    other.post(f"/api/v1/supervision/{notice}/answer", {"answer": "x"}, status=403,
               headers={"If-Match": etag})
    answered = api.post(f"/api/v1/supervision/{notice}/answer", {"answer": "已整改"},
                        headers={"If-Match": etag})
    assert (answered["state"], answered["answered_by"], answered["late"]) == \
        ("answered", "eng3", False)
    assert api.get("/api/v1/escalation/my-levels") == {
        "levels": ["yellow", "red", "supervision"]}
    assert client.put("/api/v1/escalation/my-levels", json={"levels": ["supervision"]},
                      headers=api.headers).get_json() == {"levels": ["supervision"]}
    assert client.put("/api/v1/escalation/my-levels", json={"levels": ["purple"]},
                      headers=api.headers).status_code == 422


def test_the_monthly_report_lists_the_months_notices(client, web_login, notice):
    web_login("team_lead", "lead1", department="connection_team")
    html = page_text(client.get("/reports/monthly?month=2026-10&live=1"))
    assert "2026-10 发出的督办单" in html and notice in html
    september = page_text(client.get("/reports/monthly?month=2026-09&live=1"))
    assert "本月未发出督办单" in september
