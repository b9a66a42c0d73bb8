"""The screening pages through the test client (CSRF on): the queue in Chinese and English,
screening through the page, the rejected log, and who may do what."""
from __future__ import annotations

import json
import re
from html import unescape

from tests.fixtures.api import table_counts
from tests.fixtures.app import local
from tests.fixtures.intake import project
from tests.fixtures.web import csrf_token, form_post, login, page_text

# --- screening ----------------------------------------------------------------------------

def test_the_screening_queue_in_chinese_and_english(client, web_login, push, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    record = push()
    web_login("clerk")
    page = page_text(client.get("/intake"))
    assert "平台推送" in page or "甄别" in page
    assert "芜湖某置业有限公司 江北花园项目" in page
    assert "2026-10-13 09:00" in page  # the screening deadline, Beijing time
    assert f'/intake/{record["id"]}' in page
    client.get("/language/en")
    page = page_text(client.get("/intake"))
    assert "Platform intake" in page and "Waiting for screening" in page


def test_the_push_as_received_is_shown_readable(client, web_login, push):
    """Chinese as the platform sent it, one field a line; markup in it is escaped."""
    record = push(project(project_name="胶州某公司 <b>江北</b>"))
    web_login("clerk")
    html = client.get(f"/intake/{record['id']}").get_data(as_text=True)
    shown = re.search(r'<pre class="payload">(.*?)</pre>', html, re.DOTALL).group(1)
    assert "<b>" not in shown and "\\u" not in shown
    text = unescape(shown)
    assert '\n  "project_name": "胶州某公司 <b>江北</b>",\n' in text
    assert '\n  "water_need": "DN100，日用水 50 m³"' in text
    assert json.loads(text)["contact_name"] == "王工"


def test_screening_through_the_page_creates_the_101_application(client, web_login, push, app):
    record = push()
    web_login("clerk")
    url = f"/intake/{record['id']}"
    refused = form_post(client, url, f"{url}/screen", {"decision": "no_need", "reason": ""})
    assert refused.status_code == 422
    assert "请说明无用水需求的理由" in page_text(refused)
    assert table_counts(app)["applications"] == 0
    done = form_post(client, url, f"{url}/screen", {"decision": "needs_water"})
    assert done.status_code == 302
    assert re.search(r"/applications/101-2026-\d{6}$", done.headers["Location"])
    again = form_post(client, url, f"{url}/screen", {"decision": "needs_water"})
    assert again.status_code == 409
    assert table_counts(app)["applications"] == 1


def test_the_rejected_log_is_for_administrators(client, platform, make_user, web_login):
    client.post("/api/v1/intake/projects", data=b"not json", headers={
        **platform, "Content-Type": "application/json"})
    web_login("clerk")
    assert client.get("/intake/rejected").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(page_text(client.get("/intake")))})
    web_login("admin")
    page = page_text(client.get("/intake/rejected"))
    assert "not json" in page and "gongai" in page
    assert "请求内容不是有效的 UTF-8 JSON" in page


def test_auditors_see_the_queue_without_forms_and_cannot_post(client, web_login, push):
    record = push()
    web_login("auditor")
    page = page_text(client.get(f"/intake/{record['id']}"))
    assert 'name="decision"' not in page
    response = client.post(f"/intake/{record['id']}/screen", data={"decision": "no_need"})
    assert response.status_code in (400, 403)


def test_a_platform_account_cannot_log_in_to_the_pages(client, make_user):
    make_user("platform", "qiyekaiban", department=None)
    response = login(client, "qiyekaiban")
    assert response.status_code != 302
    assert client.get("/intake").status_code == 302  # still sent to the log-in
