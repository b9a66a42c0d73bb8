"""Intake, callbacks, follow-ups, 好差评 upload and the problem library in a real browser, in
Chinese and English; screenshots under test-artifacts/screenshots/service-*.png."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from tests.fixtures.browser import log_in

pytestmark = pytest.mark.browser


def shoot(page, screenshots, name: str, lang: str, width: int = 1280, height: int = 800) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshots / f"service-{name}-{width}x{height}-{lang}.png"),
                    full_page=True)


def no_error(page) -> None:
    errors = page.locator(".alert-error")
    assert errors.count() == 0, errors.first.inner_text()


def test_intake_callbacks_and_problems_in_the_browser(app, live_server, in_browser, make_user,
                                                      working_morning, screenshots, tmp_path):
    in_browser(lambda open_page: scenario(open_page, live_server, make_user, working_morning,
                                          screenshots, tmp_path))


def scenario(open_page, base, make_user, working_morning, screenshots, tmp_path) -> None:
    _, platform_token = make_user("platform", "gongai", department=None)
    _, clerk_token = make_user("clerk", "clerk", department="customer_service")
    make_user("admin", "admin")
    _, office_token = make_user("assessor", "office", department="human_resources")
    make_user("auditor", "auditor")
    requested = working_morning + timedelta(days=1)
    push = {"external_id": "GG-2026-7788", "project_name": "芜湖江北新区 A3 地块住宅项目",
            "address": "芜湖市鸠江区江北大道 88 号", "contact_name": "王工",
            "contact_phone": "13905530000", "water_need": "DN150，日用水 120 m³",
            "requested_at": requested.isoformat()}
    platform = {"Authorization": f"Bearer {platform_token}"}
    assert requests.post(f"{base}/api/v1/intake/projects", json=push, headers=platform,
                         timeout=30).status_code == 201
    assert requests.post(f"{base}/api/v1/intake/projects", data=b'{"external_id": 1',
                         headers={**platform, "Content-Type": "application/json"},
                         timeout=30).status_code == 400

    page = open_page()
    log_in(page, base, "clerk")

    # --- screening (甄别) in Chinese
    page.goto(f"{base}/intake")
    assert page.locator("h1").first.inner_text().startswith("平台推送") or \
        "甄别" in page.content()
    row = page.locator("tr", has_text="芜湖江北新区 A3 地块住宅项目")
    assert row.count() == 1
    assert "待甄别" in page.content()
    shoot(page, screenshots, "intake", "zh")
    row.locator("a").first.click()
    page.wait_for_load_state()
    shoot(page, screenshots, "intake-record", "zh")
    page.check("input[name=decision][value=no_need]")
    page.click("#screen button[type=submit]")
    page.wait_for_load_state()
    assert "请说明无用水需求的理由" in page.content()  # a reason is required
    page.check("input[name=decision][value=needs_water]")
    page.click("#screen button[type=submit]")
    page.wait_for_load_state()
    number = re.search(r"101-\d{4}-\d{6}", page.locator("h1").first.inner_text())
    assert number, page.content()[:2000]
    number = number.group(0)
    assert "/applications/" in page.url

    # water on (through the API), which opens the callback
    clerk = {"Authorization": f"Bearer {clerk_token}"}
    etag = requests.get(f"{base}/api/v1/applications/{number}", headers=clerk,
                        timeout=30).headers["ETag"]
    assert requests.post(f"{base}/api/v1/applications/{number}/steps/meter_install/complete",
                         json={}, headers={**clerk, "If-Match": etag},
                         timeout=30).status_code == 200

    # --- callbacks (回访)
    page.goto(f"{base}/callbacks")
    assert "回访率" in page.content() and number in page.content()
    shoot(page, screenshots, "callbacks", "zh")
    shoot(page, screenshots, "callbacks", "zh", 768, 1024)
    form = page.locator(f"tr:has-text('{number}') form.callback-form")
    form.locator("input[value=yes][name$=reached]").check()
    form.locator("input[value=no][name$=satisfied]").check()
    form.locator("textarea").fill("施工后路面未恢复")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    no_error(page)
    assert "已生成上门回访任务" in page.content()

    # --- follow-up (上门回访)
    page.goto(f"{base}/follow-ups")
    assert "施工后路面未恢复" in page.content()
    shoot(page, screenshots, "follow-ups", "zh")
    follow_up = page.locator("form.follow-up-form").first
    follow_up.locator("button[type=submit]").click()  # nothing said: refused
    page.wait_for_load_state()
    assert page.locator(".has-error").count() >= 1
    follow_up = page.locator("form.follow-up-form").first
    follow_up.locator("textarea[name$=action_taken]").fill("上门恢复路面，客户签字确认")
    follow_up.locator("textarea[name$=evidence]").fill("现场照片 3 张")
    follow_up.locator("button[type=submit]").click()
    page.wait_for_load_state()
    no_error(page)
    assert "上门回访已办结" in page.content()

    # --- 好差评 upload with two bad rows
    csv = tmp_path / "好差评.csv"
    evaluated = working_morning.strftime("%Y-%m-%d %H:%M")
    csv.write_bytes(("\ufeffexternal_id,application_number,evaluated_at,satisfied,score,comment\n"
                     f"HCP-1,{number},{evaluated},不满意,1,水压偏低\n"
                     f"HCP-2,{number},昨天,满意,5,\n"
                     f"HCP-3,101-2099-000001,{evaluated},满意,5,\n"
                     f"HCP-4,,{evaluated},满意,5,服务好\n").encode())
    page.goto(f"{base}/callbacks")
    page.set_input_files("input[type=file]", str(csv))
    page.click("#import button[type=submit]")
    page.wait_for_load_state()
    report = page.locator(".import-report").inner_text()
    assert "导入 2 条" in report and "第 3 行" in report and "第 4 行" in report, report
    shoot(page, screenshots, "evaluations-import", "zh")

    # --- problem library (问题库)
    page.goto(f"{base}/problems/new")
    page.select_option("select[name=source]", "hotline_12345")
    # the clerk's own department: each stage is done by its department (separation of duties)
    page.select_option("select[name=department]", "customer_service")
    page.fill("textarea[name=description]", "江北片区夜间水压不足，居民反映多次")
    page.fill("input[name=location]", "江北片区")
    page.click("button[type=submit]:has-text('登记问题')")
    page.wait_for_load_state()
    no_error(page)
    assert "P-" in page.locator("h1").first.inner_text()
    problem_url = page.url
    assert "待下达" in page.content()
    office = {"Authorization": f"Bearer {office_token}"}
    resource = f"{base}/api/v1/problems/{problem_url.rsplit('/', 1)[1]}"
    etag = requests.get(resource, headers=office, timeout=30).headers["ETag"]
    assert requests.post(f"{resource}/issue", json={}, headers={**office, "If-Match": etag},
                         timeout=30).status_code == 200  # 下达 by the assessment office
    page.reload()
    assert "待核查" in page.content()
    due = (working_morning + timedelta(days=10)).date().isoformat()
    page.check("input[name=outcome][value=rectify]")
    page.fill("input[name=rectify_due_on]", due)
    page.fill("textarea[name=note]", "属实，需更换减压阀")
    page.click("#stage-form button[type=submit]")
    page.wait_for_load_state()
    no_error(page)
    assert "整改中" in page.content()
    shoot(page, screenshots, "problem", "zh")
    page.goto(f"{base}/problems")
    shoot(page, screenshots, "problems", "zh")

    # --- English
    page.goto(f"{base}/language/en?next=/intake")
    page.goto(f"{base}/intake?status=all")
    assert "Platform intake" in page.content() and "Needs water" in page.content()
    shoot(page, screenshots, "intake", "en")
    page.goto(f"{base}/callbacks?status=done")
    assert "Callback rate (target 100%)" in page.content()
    assert "Not satisfied" in page.content()
    shoot(page, screenshots, "callbacks", "en")
    page.goto(f"{base}/follow-ups?status=closed")
    assert "Follow-ups" in page.content()
    shoot(page, screenshots, "follow-ups", "en")
    page.goto(problem_url)
    assert "Rectifying" in page.content() and "Report the rectification" in page.content()
    page.fill("textarea[name=note]", "Pressure-reducing valve replaced")
    page.click("#stage-form button[type=submit]")
    page.wait_for_load_state()
    no_error(page)
    assert "Re-checking" in page.content()
    shoot(page, screenshots, "problem", "en")
    page.goto(f"{base}/problems/new")
    shoot(page, screenshots, "problem-new", "en")

    # --- the administrator's rejected-push log; the clerk may not read it
    page.goto(f"{base}/intake/rejected")
    assert page.locator("h1").first.inner_text() != "Rejected pushes"
    admin = open_page()
    log_in(admin, base, "admin")
    admin.goto(f"{base}/intake/rejected")
    assert "请求内容不是有效的 UTF-8 JSON" in admin.content()
    shoot(admin, screenshots, "rejected", "zh")

    # --- an auditor reads but has no forms
    auditor = open_page()
    log_in(auditor, base, "auditor")
    auditor.goto(f"{base}/callbacks?status=done")
    assert number in auditor.content()
    assert auditor.locator("#import").count() == 0
    auditor.goto(problem_url)
    assert auditor.locator("#stage-form").count() == 0
