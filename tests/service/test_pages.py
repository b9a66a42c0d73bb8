"""The intake, callback, follow-up and problem pages through the test client (CSRF on): what
they show in Chinese and English, the forms' refusals, and who may do what."""
from __future__ import annotations

import io
import re

from tests.conftest import local
from tests.service.conftest import csrf_token, login, table_counts


def _text(response) -> str:
    return response.get_data(as_text=True)


def _form_post(client, page_url: str, action_url: str, data: dict, **kwargs):
    """Post a form from a page with the page's CSRF token."""
    token = csrf_token(_text(client.get(page_url)))
    return client.post(action_url, data={"csrf_token": token, **data}, **kwargs)


def _version(html: str, prefix: str = "") -> str:
    match = re.search(rf'name="{prefix}version"[^>]*value="(\d+)"', html) or \
        re.search(rf'value="(\d+)"[^>]*name="{prefix}version"', html)
    return match.group(1) if match else ""


# --- screening ----------------------------------------------------------------------------

def test_the_screening_queue_in_chinese_and_english(client, web_login, push, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    record = push()
    web_login("clerk")
    page = _text(client.get("/intake"))
    assert "平台推送" in page or "甄别" in page
    assert "芜湖某置业有限公司 江北花园项目" in page
    assert "2026-10-13 09:00" in page  # the screening deadline, Beijing time
    assert f'/intake/{record["id"]}' in page
    client.get("/language/en")
    page = _text(client.get("/intake"))
    assert "Platform intake" in page and "Waiting for screening" in page


def test_screening_through_the_page_creates_the_101_application(client, web_login, push, app):
    record = push()
    web_login("clerk")
    url = f"/intake/{record['id']}"
    refused = _form_post(client, url, f"{url}/screen", {"decision": "no_need", "reason": ""})
    assert refused.status_code == 422
    assert "请说明无用水需求的理由" in _text(refused)
    assert table_counts(app)["applications"] == 0
    done = _form_post(client, url, f"{url}/screen", {"decision": "needs_water"})
    assert done.status_code == 302
    assert re.search(r"/applications/101-2026-\d{6}$", done.headers["Location"])
    again = _form_post(client, url, f"{url}/screen", {"decision": "needs_water"})
    assert again.status_code == 409
    assert table_counts(app)["applications"] == 1


def test_the_rejected_log_is_for_administrators(client, platform, make_user, web_login):
    client.post("/api/v1/intake/projects", data=b"not json", headers={
        **platform, "Content-Type": "application/json"})
    web_login("clerk")
    assert client.get("/intake/rejected").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(_text(client.get("/intake")))})
    web_login("admin")
    page = _text(client.get("/intake/rejected"))
    assert "not json" in page and "gongai" in page
    assert "请求内容不是有效的 UTF-8 JSON" in page


def test_auditors_see_the_queue_without_forms_and_cannot_post(client, web_login, push):
    record = push()
    web_login("auditor")
    page = _text(client.get(f"/intake/{record['id']}"))
    assert 'name="decision"' not in page
    response = client.post(f"/intake/{record['id']}/screen", data={"decision": "no_need"})
    assert response.status_code in (400, 403)


def test_a_platform_account_cannot_log_in_to_the_pages(client, make_user):
    make_user("platform", "qiyekaiban", department=None)
    response = login(client, "qiyekaiban")
    assert response.status_code != 302
    assert client.get("/intake").status_code == 302  # still sent to the log-in


# --- callbacks ----------------------------------------------------------------------------

def test_recording_a_callback_through_the_page(client, web_login, water_on, api, frozen):
    frozen(local(2026, 10, 12, 10, 0))
    number = water_on()
    callback = api.get(f"/api/v1/aftercare/applications/{number}")["callback"]
    web_login("clerk")
    page = _text(client.get("/callbacks"))
    assert number in page and "13905530000" in page
    assert "回访率" in page
    prefix = f"cb{callback['id']}-"
    version = _version(page, prefix)
    refused = _form_post(client, "/callbacks", f"/callbacks/{callback['id']}/result",
                         {f"{prefix}reached": "yes", f"{prefix}satisfied": "no",
                          f"{prefix}version": version})
    assert refused.status_code == 422
    assert "客户不满意时必填" in _text(refused)
    done = _form_post(client, "/callbacks", f"/callbacks/{callback['id']}/result",
                      {f"{prefix}reached": "yes", f"{prefix}satisfied": "no",
                       f"{prefix}comment": "水压低", f"{prefix}version": version})
    assert done.status_code == 302
    follow_ups = _text(client.get("/follow-ups"))
    assert "水压低" in follow_ups and number in follow_ups


def test_a_stale_callback_form_gets_409(client, web_login, water_on, api):
    number = water_on()
    callback = api.get(f"/api/v1/aftercare/applications/{number}")["callback"]
    web_login("clerk")
    page = _text(client.get("/callbacks"))
    prefix = f"cb{callback['id']}-"
    version = _version(page, prefix)
    api.post(f"/api/v1/aftercare/callbacks/{callback['id']}/result",
             {"reached": True, "satisfied": True})
    response = _form_post(client, "/callbacks", f"/callbacks/{callback['id']}/result",
                          {f"{prefix}reached": "yes", f"{prefix}satisfied": "yes",
                           f"{prefix}version": version})
    assert response.status_code == 409


def test_uploading_evaluations_names_the_bad_lines(client, web_login, water_on, app):
    number = water_on()
    web_login("clerk")
    csv = ("\ufeffexternal_id,application_number,evaluated_at,satisfied,score,comment\n"
           f"W-1,{number},2026-10-12 09:00,不满意,1,太慢\n"
           "W-2,,yesterday,满意,,\n").encode()
    response = _form_post(client, "/callbacks", "/callbacks/import",
                          {"file": (io.BytesIO(csv), "e.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 200
    page = _text(response)
    assert "导入 1 条" in page and "第 3 行" in page and "yesterday" in page
    assert table_counts(app)["follow_ups"] == 1


def test_closing_a_follow_up_needs_what_was_done(client, web_login, water_on, api):
    number = water_on()
    callback = api.get(f"/api/v1/aftercare/applications/{number}")["callback"]
    api.post(f"/api/v1/aftercare/callbacks/{callback['id']}/result",
             {"reached": True, "satisfied": False, "comment": "态度差"})
    follow_up = api.get(f"/api/v1/aftercare/applications/{number}")["follow_ups"][0]
    web_login("clerk")
    prefix = f"fu{follow_up['id']}-"
    refused = _form_post(client, "/follow-ups", f"/follow-ups/{follow_up['id']}/close",
                         {f"{prefix}action_taken": ""})
    assert refused.status_code == 422
    done = _form_post(client, "/follow-ups", f"/follow-ups/{follow_up['id']}/close",
                      {f"{prefix}action_taken": "上门致歉并解释", f"{prefix}evidence": "回访单"})
    assert done.status_code == 302
    assert api.get(f"/api/v1/aftercare/applications/{number}")["open_follow_ups"] == 0


# --- problems -----------------------------------------------------------------------------

def test_registering_and_verifying_a_problem_through_the_pages(client, web_login, api, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    web_login("clerk")
    refused = _form_post(client, "/problems/new", "/problems/new",
                         {"source": "officer", "department": "engineering", "description": ""})
    assert refused.status_code == 422
    created = _form_post(client, "/problems/new", "/problems/new",
                         {"source": "hotline_12345", "department": "engineering",
                          "description": "夜间水压不足", "location": "江北片区"})
    assert created.status_code == 302
    assert created.headers["Location"].endswith("/problems/P-2026-000001")
    page = _text(client.get("/problems/P-2026-000001"))
    assert "待核查" in page and "2026-10-15 09:00" in page
    refused = _form_post(client, "/problems/P-2026-000001", "/problems/P-2026-000001/verify",
                         {"outcome": "rectify", "version": _version(page)})
    assert refused.status_code == 422 and "请给出整改期限" in _text(refused)
    verified = _form_post(client, "/problems/P-2026-000001", "/problems/P-2026-000001/verify",
                          {"outcome": "rectify", "rectify_due_on": "2026-10-20",
                           "note": "属实", "version": _version(page)})
    assert verified.status_code == 302
    problem = api.get("/api/v1/problems/P-2026-000001")
    assert problem["status"] == "rectifying"
    assert problem["sla"]["due_at"].startswith("2026-10-20T17:30:00+08:00")
    client.get("/language/en")
    listed = _text(client.get("/problems?status=open"))
    assert "P-2026-000001" in listed and "Rectifying" in listed


def test_auditors_read_problems_but_cannot_register(client, web_login, api):
    api.post("/api/v1/problems", {"source": "visit", "description": "窗口无人",
                                  "department": "business_hall"}, status=201)
    web_login("auditor")
    assert "P-2026-000001" in _text(client.get("/problems"))
    assert client.get("/problems/new").status_code == 403
    assert 'name="outcome"' not in _text(client.get("/problems/P-2026-000001"))
