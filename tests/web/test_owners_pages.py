"""Owners and assignees on the pages (issue 13): My work's two tabs ("mine" and "my
department's"), 我来办 and a team lead's assignment, the owner on the application page and
in the list, handed on by a team lead only."""
from __future__ import annotations

import re

from tests.fixtures.app import local
from tests.fixtures.web import csrf_token, form_post, login, page_text, rows_of, step_done


def _meter_install(app, new_application, make_user) -> str:
    make_user("clerk", "clerk1")
    number = new_application("201", by="clerk1", address="芜湖市弋江区花津南路 18 号")
    step_done(app, number, "survey")
    step_done(app, number, "municipal_approval", skip=True)
    return number


def _row(client, number: str, tab: str = "department") -> str | None:
    rows = [r for r in rows_of(page_text(client.get(f"/work?tab={tab}")))
            if f"/applications/{number}#step-meter_install" in r]
    assert len(rows) <= 1
    return rows[0] if rows else None


def _log_out(client) -> None:
    form_post(client, "/work", "/logout", {})


def test_an_engineer_sees_a_201_meter_install_once_the_survey_is_done_with_its_owner(
        client, web_login, app, new_application, frozen, make_user):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    make_user("clerk", "clerk1")
    number = new_application("201", by="clerk1")
    web_login("engineer", "eng1", department="engineering")
    assert _row(client, number) is None
    step_done(app, number, "survey")
    step_done(app, number, "municipal_approval", skip=True)
    row = _row(client, number)
    assert "负责人: clerk1" in row and "尚无人承办" in row and "我来办" in row
    client.get("/language/en")
    row = _row(client, number)
    assert "Owner: clerk1" in row and "nobody yet" in row and "I'll do it" in row


def test_a_duty_taken_by_one_engineer_is_under_mine_for_that_engineer_only(
        client, web_login, app, new_application, frozen, make_user):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    number = _meter_install(app, new_application, make_user)
    make_user("engineer", "eng3", department="engineering")
    web_login("engineer", "eng2", department="engineering")
    assert _row(client, number, "mine") is None
    row = _row(client, number)
    duty = re.search(r'id="task-(\d+)"', row).group(1)
    taken = client.post(f"/work/duties/{duty}/assignee", data={
        "csrf_token": csrf_token(row), "assignee": "eng2", "version": re.search(
            r'name="version" value="(\d+)"', row).group(1), "tab": "department"})
    assert taken.status_code == 302
    page = page_text(client.get(taken.location))
    assert "这项待办已由 eng2 承办。" in page
    assert "承办人: eng2" in _row(client, number, "mine")
    _log_out(client)
    assert login(client, "eng3").status_code == 302
    assert _row(client, number, "mine") is None
    assert "承办人: eng2" in _row(client, number)  # still on the department's tab
    assert "我来办" not in _row(client, number)  # taken: nobody else picks it up


def test_a_team_lead_gives_a_duty_within_its_department_only(client, web_login, app,
                                                             new_application, frozen,
                                                             make_user):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    number = _meter_install(app, new_application, make_user)
    make_user("engineer", "eng4", department="engineering")
    make_user("clerk", "cs4", department="customer_service")
    web_login("team_lead", "lead4", department="connection_team")
    page = page_text(client.get("/work?department=engineering"))
    (row,) = [r for r in rows_of(page) if f"/applications/{number}#step-meter_install" in r]
    assert '<option value="eng4">eng4</option>' in row and "cs4" not in row
    duty = re.search(r'id="task-(\d+)"', row).group(1)
    version = re.search(r'name="version" value="(\d+)"', row).group(1)
    refused = client.post(f"/work/duties/{duty}/assignee", data={
        "csrf_token": csrf_token(page), "assignee": "cs4", "version": version,
        "tab": "department", "department": "engineering"}, follow_redirects=True)
    text = page_text(refused)
    assert "cs4 不属于工程部（这项待办所属的部门）。" in text
    given = client.post(f"/work/duties/{duty}/assignee", data={
        "csrf_token": csrf_token(page), "assignee": "eng4", "version": version,
        "tab": "department", "department": "engineering"}, follow_redirects=True)
    assert "这项待办已由 eng4 承办。" in page_text(given)
    detail = page_text(client.get(f"/applications/{number}"))
    assert "分派待办" in detail and "挂表通水; 无人 → eng4" in detail


def test_the_owner_shows_on_the_page_and_list_and_only_a_team_lead_hands_it_on(
        client, web_login, app, new_application, frozen, make_user):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    make_user("clerk", "clerk1")
    make_user("clerk", "clerk2")
    number = new_application("201", by="clerk1")
    web_login("clerk", "clerk5")
    detail = page_text(client.get(f"/applications/{number}"))
    assert re.search(r'class="owner-name">clerk1', detail) and "更换负责人" not in detail
    listing = page_text(client.get("/applications"))
    assert '<td class="hide-narrow owner">clerk1</td>' in listing
    refused = client.post(f"/applications/{number}/owner", data={
        "csrf_token": csrf_token(detail), "owner": "clerk2"}, follow_redirects=True)
    assert "只有组长或管理员可以更换申请的负责人。" in page_text(refused)
    _log_out(client)
    web_login("team_lead", "lead5")
    detail = page_text(client.get(f"/applications/{number}"))
    assert "更换负责人" in detail
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"|'
                        r'name="version" type="hidden" value="(\d+)"', detail)
    changed = client.post(f"/applications/{number}/owner", data={
        "csrf_token": csrf_token(detail), "owner": "clerk2",
        "version": next(g for g in version.groups() if g)}, follow_redirects=True)
    text = page_text(changed)
    assert f"{number} 的负责人已改为 clerk2。" in text
    assert re.search(r'class="owner-name">clerk2', text)
    assert "更换负责人" in text and "clerk1 → clerk2" in text  # the event log


def test_the_new_application_form_lets_the_clerk_name_another_owner(client, web_login, app,
                                                                    make_user, frozen):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    make_user("clerk", "clerk6")
    web_login("clerk", "clerk7")
    page = page_text(client.get("/applications/new"))
    assert '<option value="clerk6">' in page and "我（登记人）" in page
    created = client.post("/applications/new", data={
        "csrf_token": csrf_token(page), "flow": "211", "customer_type": "company",
        "customer_name": "胶州某置业有限公司", "channel": "window", "owner": "clerk6"})
    assert created.status_code == 302, page_text(created)[:3000]
    detail = page_text(client.get(created.location))
    assert re.search(r'class="owner-name">clerk6', detail)
