"""The issue's acceptance in a real browser: log in, register a 201 application, complete its
steps, see it done on time on the dashboard; a late one overdue on the dashboard and in My work;
the language switch; a form posted without its CSRF token is refused; an auditor sees no action
buttons. Screenshots of each page at 1280×800 and 768×1024, in Chinese and English."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import VIEWPORTS, log_in
from tracker.localtime import LOCAL

pytestmark = pytest.mark.browser


def set_language(page, base: str, lang: str) -> None:
    page.goto(f"{base}/language/{lang}?next=/dashboard")


def previous_working_day(instant: datetime, days: int = 1) -> datetime:
    from tracker.sla import default_clock

    clock = default_clock()
    day = instant.astimezone(LOCAL).date()
    for _ in range(days):
        day -= timedelta(days=1)
        while not clock.is_working_day(day):
            day -= timedelta(days=1)
    return datetime.combine(day, time(9, 0), tzinfo=LOCAL)


def register_201(page, base: str, customer: str, accepted_at: datetime | None = None) -> str:
    page.goto(f"{base}/applications/new")
    page.check("input[name=flow][value='201']")
    page.fill("input[name=customer_name]", customer)
    page.fill("input[name=contact_name]", "王工")
    page.fill("input[name=contact_phone]", "0553-1234567")
    page.fill("input[name=address]", "芜湖市镜湖区北京中路 1 号")
    if accepted_at is not None:
        page.fill("input[name=accepted_at]", accepted_at.strftime("%Y-%m-%dT%H:%M"))
    page.click("button:has-text('登记申请')")
    page.wait_for_load_state()
    heading = page.locator("h1").first.inner_text()
    number = re.search(r"201-\d{4}-\d{6}", heading)
    assert number, page.content()[:3000]
    return number.group(0)


def act_on_step(page, code: str, button: str) -> None:
    page.locator(f"#step-{code} button:has-text('{button}')").first.click()
    page.wait_for_load_state()
    assert page.locator(".alert-error").count() == 0, page.locator(".alert-error").inner_text()


def shoot(page, base: str, screenshots, name: str, path: str, lang: str) -> None:
    """Screenshots of one page at each viewport in one language (full page)."""
    for width, height in VIEWPORTS.values():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(screenshots / f"{name}-{width}x{height}-{lang}.png"),
                        full_page=True)


def test_acceptance_in_the_browser(app, live_server, open_page, make_user, working_morning,
                                   screenshots):
    base = live_server
    make_user("team_lead", "lead", department="connection_team")
    make_user("engineer", "engineer", department="engineering")
    page = open_page(1280, 800)

    # Log in (Chinese by default).
    page.goto(f"{base}/dashboard")
    assert "/login" in page.url
    for lang in ("zh", "en"):
        set_language(page, base, lang)
        shoot(page, base, screenshots, "login", "/login", lang)
    set_language(page, base, "zh")
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, base, "lead")
    assert page.locator("nav.mainnav").inner_text().find("看板") >= 0

    # The new-application form keeps what was typed and shows the error at the field.
    page.goto(f"{base}/applications/new")
    page.check("input[name=flow][value='201']")
    page.fill("input[name=contact_name]", "李经理")
    page.click("button:has-text('登记申请')")
    page.wait_for_load_state()
    assert page.locator("input[name=contact_name]").input_value() == "李经理"
    assert page.locator(".field.has-error input[name=customer_name]").count() == 1
    page.screenshot(path=str(screenshots / "new-application-errors-1280x800-zh.png"),
                    full_page=True)

    # A 201 application, its steps completed in the page: done on time.
    number = register_201(page, base, "芜湖市某餐饮有限公司")
    # 申请受理 is the registration: already done, with nothing to press
    assert page.locator("#step-accept .badge").first.inner_text().strip().endswith("按时办结")
    assert page.locator("#step-accept button").count() == 0
    assert page.locator("#step-survey .badge").first.inner_text().strip().endswith("正常")
    act_on_step(page, "survey", "办结")
    page.locator("#step-municipal_approval summary:has-text('跳过本环节')").click()
    page.fill("#step-municipal_approval textarea[name='skip-municipal_approval-note']",
              "无需占道挖掘")
    act_on_step(page, "municipal_approval", "跳过")
    # the task reached engineering: its clock already runs, no "start" to press
    assert page.locator("#step-meter_install .badge").first.inner_text().strip().endswith("正常")
    assert page.locator("#step-meter_install button:has-text('开始')").count() == 0
    act_on_step(page, "meter_install", "办结")
    assert "已办结" in page.locator("h1").inner_text()
    assert "按时办结" in page.locator("#step-meter_install .badge").inner_text()
    page.goto(f"{base}/dashboard")
    recent = page.locator("#recent tr", has_text=number)
    assert recent.count() == 1 and "按时办结" in recent.inner_text()

    # One accepted the working day before: overdue on the dashboard and in My work.
    late = register_201(page, base, "芜湖某置业有限公司",
                        accepted_at=previous_working_day(working_morning))
    assert "超时" in page.locator("h1").inner_text()
    # A pause on one step: the form chooses the reason and the step; the list says what stops.
    page.locator("#pauses summary:has-text('暂停计时')").click()
    page.select_option("select[name='pause-reason']", "customer_deferral")
    page.select_option("select[name='pause-step']", "survey")
    page.screenshot(path=str(screenshots / "application-pause-form-1280x800-zh.png"),
                    full_page=True)
    page.locator("#pauses button:has-text('暂停')").last.click()
    page.wait_for_load_state()
    assert "全程计时、现场查勘资料上传" in page.locator("#pauses table").inner_text()
    page.set_viewport_size({"width": 768, "height": 1024})
    page.screenshot(path=str(screenshots / "application-paused-768x1024-zh.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/dashboard")
    overdue = page.locator("#overdue tbody tr", has_text=late)
    assert overdue.count() >= 1 and "工作小时" in overdue.first.inner_text()
    assert "当前超时" in page.locator("#overdue h2").inner_text()
    assert "营商报装专班" in overdue.first.inner_text()
    assert page.locator(".tile", has_text="超时申请").locator(".tile-value").inner_text() == "1"
    page.goto(f"{base}/work")
    first_row = page.locator("table.work tbody tr").first
    assert late in first_row.inner_text() and "超时" in first_row.inner_text()

    # The dashboard refreshes itself without reloading the page.
    page.goto(f"{base}/dashboard")
    page.evaluate("window.stayedHere = true")
    before = page.locator(".tile-value").first.inner_text()
    register_via_service(app, "芜湖某学校")
    page.evaluate("window.trackerDashboardRefresh()")
    # A locator assertion waits with a deadline; wait_for_function would eval a string, which
    # the pages' Content-Security-Policy (script-src 'self') refuses.
    expect(page.locator(".tile-value").first).not_to_have_text(before.strip())
    assert page.evaluate("window.stayedHere") is True

    # Switch to English.
    page.click(".lang-switch a:has-text('EN')")
    page.wait_for_load_state()
    assert "Connection team dashboard" in page.locator("h1").inner_text()
    assert "Overdue now" in page.locator("#overdue h2").inner_text()
    assert "My work" in page.locator("nav.mainnav").inner_text()

    # Screenshots of every page, both sizes, both languages.
    change = add_typhoon_day(page, base, working_morning)
    pages = {"dashboard": "/dashboard", "my-work": "/work", "applications": "/applications",
             "new-application": "/applications/new", "application-done": f"/applications/{number}",
             "application-overdue": f"/applications/{late}", "calendar": "/calendar",
             "calendar-change": change}
    for lang in ("zh", "en"):
        set_language(page, base, lang)
        for name, path in pages.items():
            shoot(page, base, screenshots, name, path, lang)


def register_via_service(app, customer: str) -> None:
    from tracker.services.applications import NewApplication, create_application

    with app.app_context():
        create_application(NewApplication(flow="211", customer_name=customer), None)


def add_typhoon_day(page, base: str, today: datetime) -> str:
    """An administrator's closure of today: open deadlines move; returns the change's page."""
    page.goto(f"{base}/calendar")
    page.fill("input[name=day]", today.strftime("%Y-%m-%d"))
    page.fill("input[name=reason]", "台风停工")
    page.locator("form[action$='/calendar/closures'] button[type=submit]").click()
    page.wait_for_load_state()
    assert "/calendar/changes/" in page.url, page.content()[:2000]
    assert page.locator("table tbody tr").count() >= 1
    return page.url.split(base, 1)[1]


def test_form_without_csrf_token_is_refused(app, live_server, open_page, make_user,
                                           working_morning):
    base = live_server
    make_user("team_lead", "lead", department="connection_team")
    page = open_page()
    log_in(page, base, "lead")
    number = register_201(page, base, "芜湖某公司")
    response = page.request.post(f"{base}/applications/{number}/cancel",
                                 form={"cancel-reason": "test", "cancel-version": "1"},
                                 max_redirects=0)
    assert response.status == 400
    assert "表单已过期" in response.text()
    page.reload()
    assert "在办" in page.locator("h1").inner_text()  # nothing changed


def test_auditor_sees_no_action_buttons(app, live_server, open_page, make_user, working_morning,
                                        screenshots):
    base = live_server
    make_user("team_lead", "lead", department="connection_team")
    make_user("auditor", "auditor", department="inspection_office")
    page = open_page()
    log_in(page, base, "lead")
    number = register_201(page, base, "芜湖某公司")
    auditor = open_page()
    log_in(auditor, base, "auditor")
    auditor.goto(f"{base}/applications/{number}")
    assert auditor.locator("h1").inner_text().startswith(number)
    assert auditor.locator("main form[method=post]").count() == 0
    assert auditor.locator("main button").count() == 0
    assert "新建申请" not in auditor.locator("nav.mainnav").inner_text()
    auditor.screenshot(path=str(screenshots / "application-auditor-1280x800-zh.png"),
                       full_page=True)
    assert auditor.goto(f"{base}/applications/new").status == 403
