"""Separation of duties (issue 11): a step, callback or home visit is done by staff of its
responsible department; a team lead or administrator may act on its behalf (代办) with a reason,
recorded on the duty, in the event log and in the API; anyone else gets a 403 in their language
and nothing changes."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.api import table_counts
from tests.fixtures.app import local
from tracker.settings import reconfigure

EN = {"Accept-Language": "en"}


def _step(client, number: str, code: str, status: int = 200, headers=None, **body):
    body.setdefault("version", client.version(number))
    return client.post(f"/api/v1/applications/{number}/steps/{code}/complete", body,
                       status=status, headers=headers)


def _ready_for_meter(api, number: str) -> None:
    """The connection team's own steps done: survey, and no municipal approval needed."""
    _step(api, number, "survey")
    api.post(f"/api/v1/applications/{number}/steps/municipal_approval/skip",
             {"note": "无需占道", "version": api.version(number)})


def test_a_step_of_another_department_is_refused_and_a_lead_does_it_on_its_behalf(
        api, api_as, app, frozen, duties_separated):
    frozen(local(2026, 10, 12, 9, 0))
    number = api.create("201")["number"]  # the connection team's clerk
    _ready_for_meter(api, number)  # its own department's steps
    before = table_counts(app)
    refused = _step(api, number, "meter_install", status=403)
    assert refused["message"] == ("仅工程部的人员可办理此事项；组长或管理员可说明原因后代为办理"
                                  "（代办）。")
    english = _step(api, number, "meter_install", status=403, headers=EN)
    assert english["message"].startswith("Only staff of Engineering department may do this")
    lead = api_as("team_lead", "lead-ct", department="connection_team")
    auditor = api_as("auditor", "aud")
    snapshot = table_counts(app)
    missing = _step(lead, number, "meter_install", status=422, headers=EN)
    assert missing["errors"] == {"proxy_reason": ["Required."]}
    _step(auditor, number, "meter_install", status=403)
    assert table_counts(app) == snapshot
    assert {k: v for k, v in before.items() if k not in ("users", "api_tokens")} == \
        {k: v for k, v in snapshot.items() if k not in ("users", "api_tokens")}
    assert [s["status"] for s in api.application(number)["steps"]
            if s["code"] == "meter_install"] != ["done"]

    frozen(local(2026, 10, 12, 10, 0))
    done = _step(lead, number, "meter_install", proxy_reason="工程部抢修人员全部外出")
    [step] = [s for s in done["steps"] if s["code"] == "meter_install"]
    assert step["status"] == "done" and step["completed_by"] == "lead-ct"
    assert [(a["by"], a["department"], a["reason"], a["action"]) for a in step["on_behalf"]] == [
        ("lead-ct", "engineering", "工程部抢修人员全部外出", "step.completed")]
    assert all(s["on_behalf"] == [] for s in done["steps"] if s["code"] != "meter_install")

    from tracker.extensions import db
    from tracker.models import Event

    with app.app_context():
        [event] = db.session.scalars(sa.select(Event).where(Event.action == "duty.on_behalf"))
        assert event.subject_type == "step" and event.data["stage"] == "meter_install"
        assert event.data["proxy_reason"] == "工程部抢修人员全部外出"
        assert event.data["on_behalf_of"] == "engineering"
    # the engineer does its own department's step with no 代办
    engineer = api_as("engineer", "eng", department="engineering")
    own = _step(engineer, number, "system_entry")
    [entry] = [s for s in own["steps"] if s["code"] == "system_entry"]
    assert entry["status"] == "done" and entry["on_behalf"] == []


def test_the_page_shows_the_refusal_and_the_代办(client, api, web_login, app, frozen,
                                                 duties_separated):
    from tests.fixtures.web import form_post, page_text, version_in

    def version() -> str:
        return version_in(page_text(client.get(url)), "complete-meter_install-")

    frozen(local(2026, 10, 12, 9, 0))
    number = api.create("201")["number"]
    _ready_for_meter(api, number)
    web_login("clerk", "ct-page")  # the connection team
    url = f"/applications/{number}"
    assert version()
    before = table_counts(app)
    refused = form_post(client, url, f"{url}/steps/meter_install/complete",
                        {"complete-meter_install-version": version()})
    assert refused.status_code == 403
    assert "仅工程部的人员可办理此事项" in page_text(refused)
    assert table_counts(app) == before
    form_post(client, url, "/logout", {})
    web_login("team_lead", "lead-page")
    missing = form_post(client, url, f"{url}/steps/meter_install/complete",
                        {"complete-meter_install-version": version()})
    assert missing.status_code == 422 and "请说明代工程部办理的原因" in page_text(missing)
    done = form_post(client, url, f"{url}/steps/meter_install/complete",
                     {"complete-meter_install-proxy_reason": "工程部人员外出抢修",
                      "complete-meter_install-version": version()})
    assert done.status_code == 302
    page = page_text(client.get(url))
    # on the step, and in the event log (the 代办 line beside the completion)
    assert page.count("代工程部办理，原因：工程部人员外出抢修") == 2


def test_a_callback_and_a_home_visit_are_the_customer_service_centres(
        api, api_as, app, water_on, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    number = water_on("GG-D-1")  # the set-up completes steps as one clerk: separation after it
    reconfigure(app, TRACKER_SEPARATE_DUTIES=True)
    callback = api.get(f"/api/v1/aftercare/applications/{number}")["callback"]
    resource = f"/api/v1/aftercare/callbacks/{callback['id']}"
    before = table_counts(app)
    refused = api.change(resource, "result", {"reached": True, "satisfied": False,
                                              "comment": "慢"}, status=403, headers=EN)
    assert refused["message"].startswith("Only staff of Customer service centre may do this")
    assert table_counts(app) == before
    service = api_as("clerk", "cs", department="customer_service")
    done = service.change(resource, "result", {"reached": True, "satisfied": False,
                                               "comment": "施工太慢"})
    assert done["status"] == "done" and done["on_behalf"] == []
    [follow_up] = api.get("/api/v1/aftercare/follow-ups")["items"]
    visit = f"/api/v1/aftercare/follow-ups/{follow_up['id']}"
    api.change(visit, "close", {"action_taken": "上门致歉"}, status=403)
    admin = api_as("admin", "adm", department=None)
    closed = admin.change(visit, "close", {"action_taken": "上门致歉并说明进度",
                                           "proxy_reason": "客服中心人员休假"})
    assert closed["status"] == "closed"
    assert [(a["department"], a["reason"]) for a in closed["on_behalf"]] == [
        ("customer_service", "客服中心人员休假")]


def test_production_separates_duties_and_the_setting_is_checked(app):
    from tracker.config import Config
    from tracker.settings import SettingsError

    assert Config.TRACKER_SEPARATE_DUTIES is True  # only TestingConfig turns it off
    try:
        reconfigure(app, TRACKER_SEPARATE_DUTIES="sometimes")
    except SettingsError as exc:
        assert "TRACKER_SEPARATE_DUTIES" in str(exc)
    else:
        raise AssertionError("a bad TRACKER_SEPARATE_DUTIES was accepted")
