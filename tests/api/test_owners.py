"""Owners (客户代表 / 首问负责人) and assignees through the API (issue 13): the owner is set at
registration and changed by a team lead only, logged; a duty goes to a person of its
department only; "mine" and "my department's" are two scopes of GET /api/v1/me/work."""
from __future__ import annotations

from tests.fixtures.api import ApiClient, table_counts
from tests.fixtures.app import local


def _duty(client: ApiClient, number: str, scope: str = "department") -> dict | None:
    items = client.get(f"/api/v1/me/work?scope={scope}&per_page=200")["items"]
    found = [item for item in items if item["number"] == number]
    assert len(found) <= 1, found
    return found[0] if found else None


def test_the_registering_clerk_owns_the_application_unless_another_is_named(api, api_as,
                                                                            app, frozen):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    api_as("clerk", "wang", department="connection_team")
    created = api.create("201")
    assert created["owner"] == "clerk1" and created["owner_name"] == "clerk1"
    named = api.create("201", owner="wang")
    assert named["owner"] == "wang"
    assert api.application(named["number"])["owner"] == "wang"
    listed = api.get("/api/v1/applications?per_page=10")["items"]
    assert {item["owner"] for item in listed} == {"clerk1", "wang"}
    events = api.get(f"/api/v1/applications/{named['number']}/events")
    assert events[0]["data"]["owner"] == "wang"


def test_an_unknown_or_machine_owner_is_refused_and_nothing_is_made(api, api_as, app, frozen):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    api_as("platform", "gov-platform", department=None)
    before = table_counts(app)
    answer = api.create("201", status=422, owner="nobody")
    assert answer["errors"]["owner"] == ["没有这个用户。"]
    answer = api.create("201", status=422, owner="gov-platform")
    assert "不能承担工作" in answer["errors"]["owner"][0]
    assert table_counts(app) == before


def test_owner_change_by_a_team_lead_is_logged_and_refused_for_a_clerk(api, api_as, app,
                                                                       frozen):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    lead = api_as("team_lead", "lead1")
    api_as("clerk", "li", department="connection_team")
    number = api.create("201")["number"]
    url = f"/api/v1/applications/{number}/owner"
    before = table_counts(app)
    refused = api.as_read(number).post(url, {"owner": "li"}, status=403)
    assert refused["message"] == "只有组长或管理员可以更换申请的负责人。"
    api.post(url, {"owner": "li"}, status=428)  # the version contract holds too
    assert table_counts(app) == before and api.application(number)["owner"] == "clerk1"

    version = api.version(number)
    changed = lead.as_read(number).post(url, {"owner": "li"})
    assert changed["owner"] == "li" and changed["version"] == version + 1
    stale = lead.post(url, {"owner": "clerk1", "version": version}, status=409)
    assert stale["current"]["owner"] == "li"
    (logged,) = [e for e in api.get(f"/api/v1/applications/{number}/events")
                 if e["action"] == "application.owner_changed"]
    assert logged["actor"] == "lead1"
    assert logged["data"] == {"number": number, "before": "clerk1", "after": "li"}


def test_a_duty_assigned_to_one_engineer_is_mine_for_that_engineer_only(api, api_as, app,
                                                                        frozen):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    zhang = api_as("engineer", "zhang", department="engineering")
    zhao = api_as("engineer", "zhao", department="engineering")
    number = api.create("201")["number"]
    api.step(number, "survey")
    api.step(number, "municipal_approval", action="skip", note="无需审批")
    duty = _duty(zhang, number)  # the meter install, the engineering department's
    assert duty["title"] == "挂表通水" and duty["owner"] == "clerk1" and duty["assignee"] == ""
    assert _duty(zhang, number, "mine") is None and _duty(zhao, number, "mine") is None

    url = f"/api/v1/duties/{duty['id']}/assignee"
    taken = zhang.post(url, {"assignee": "zhang", "version": duty["version"]})
    assert taken["assignee"] == "zhang" and taken["version"] == duty["version"] + 1
    mine = _duty(zhang, number, "mine")
    assert mine["assignee"] == "zhang" and mine["assignee_username"] == "zhang"
    assert _duty(zhao, number, "mine") is None
    assert _duty(zhao, number)["assignee"] == "zhang"  # still the department's to see
    # The owner chases what nobody has taken (procurement's meter entry, started beside the
    # install), not the meter install: that is zhang's now.
    owners = [d["title"] for d in api.get("/api/v1/me/work?scope=mine")["items"]]
    assert owners == ["水表出库录入"]

    # zhao cannot take it from zhang; a team lead can give it to him.
    refused = zhao.post(url, {"assignee": "zhao", "version": taken["version"]}, status=403)
    assert "只有组长或管理员" in refused["message"]
    lead = api_as("team_lead", "lead2", department="connection_team")
    given = lead.post(url, {"assignee": "zhao"}, status=200,
                      headers={"If-Match": f'"{taken["version"]}"'})
    assert given["assignee"] == "zhao"
    assert _duty(zhang, number, "mine") is None and _duty(zhao, number, "mine") is not None
    logged = [e for e in api.get(f"/api/v1/applications/{number}/events")
              if e["action"] == "duty.assigned"]
    assert [(e["actor"], e["data"]["before"], e["data"]["after"]) for e in logged] == [
        ("zhang", None, "zhang"), ("lead2", "zhang", "zhao")]


def test_a_person_of_another_department_is_refused_in_the_users_language(api, api_as, app,
                                                                         frozen):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    lead = api_as("team_lead", "lead3")
    api_as("clerk", "cs9", department="customer_service")
    number = api.create("201")["number"]
    duty = _duty(api, number)  # the survey: the connection team's
    url = f"/api/v1/duties/{duty['id']}/assignee"
    before = table_counts(app)
    answer = lead.post(url, {"assignee": "cs9", "version": duty["version"]}, status=422)
    assert answer["message"] == "cs9 不属于营商报装专班（这项待办所属的部门）。"
    assert answer["errors"]["assignee"] == ["不是这项待办所属部门的人员。"]
    english = lead.post(url, {"assignee": "cs9", "version": duty["version"]}, status=422,
                        headers={"Accept-Language": "en"})
    assert english["message"] == ("cs9 is not of Connection team, the department this duty "
                                  "belongs to.")
    lead.post(url, {"assignee": "cs9"}, status=428)
    assert table_counts(app) == before
