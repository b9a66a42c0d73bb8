"""The problem library's 下达 → verification → rectification → re-check flow in a real browser,
with separation of duties: the department cannot pass its own re-check (the page says why),
the re-checking office closes it, the assessment office records a sanction that the annual
roll-up shows; Chinese and English. Screenshots under test-artifacts/screenshots/duties-*.png."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import log_in
from tracker.settings import reconfigure

pytestmark = pytest.mark.browser


def shoot(page, screenshots, name: str, lang: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshots / f"duties-{name}-{lang}.png"), full_page=True)


def test_issue_verify_rectify_and_an_independent_recheck(app, live_server, in_browser,
                                                         make_user, working_morning,
                                                         screenshots):
    reconfigure(app, TRACKER_SEPARATE_DUTIES=True)
    make_user("clerk", "hall", department="business_hall")
    make_user("clerk", "inspector", department="inspection_office")
    make_user("assessor", "office", department="human_resources")
    due = (working_morning + timedelta(days=10)).date().isoformat()
    in_browser(lambda open_page: _scenario(open_page, live_server, due, screenshots))


def _scenario(open_page, base: str, due: str, screenshots) -> None:
    hall = open_page()
    log_in(hall, base, "hall")
    hall.goto(f"{base}/problems/new")
    hall.select_option("select[name=source]", "officer")
    hall.select_option("select[name=department]", "business_hall")
    hall.fill("textarea[name=description]", "营业厅叫号机故障，客户排队无序")
    hall.fill("input[name=location]", "鸠江营业厅")
    hall.click("button[type=submit]:has-text('登记问题')")
    expect(hall.locator("h1")).to_contain_text("待下达")
    problem_url = hall.url
    expect(hall.locator("#stage-form")).to_have_count(0)  # only the office issues it

    office = open_page()
    log_in(office, base, "office")
    office.goto(problem_url)
    expect(office.locator("#stage-form h2")).to_have_text("下达责任部门")
    shoot(office, screenshots, "issue", "zh")
    office.click("#stage-form button[type=submit]")
    expect(office.locator("h1")).to_contain_text("待核查")

    hall.goto(problem_url)
    hall.check("input[name=outcome][value=rectify]")
    hall.fill("input[name=rectify_due_on]", due)
    hall.fill("textarea[name=note]", "属实，需更换叫号机")
    hall.click("#stage-form button[type=submit]")
    expect(hall.locator("h1")).to_contain_text("整改中")
    hall.fill("textarea[name=note]", "已更换叫号机并测试")
    hall.click("#stage-form button[type=submit]")
    expect(hall.locator("h1")).to_contain_text("待复核")
    # the business hall cannot pass its own re-check: the page says so, nothing changes
    hall.check("input[name=outcome][value=passed]")
    hall.click("#stage-form button[type=submit]")
    expect(hall.locator(".alert-error")).to_contain_text(
        "营业厅（客户服务中心）不能复核本部门的问题。")
    expect(hall.locator("h1")).to_contain_text("待复核")
    shoot(hall, screenshots, "own-recheck-refused", "zh")

    inspector = open_page()
    log_in(inspector, base, "inspector")
    inspector.goto(problem_url)
    inspector.check("input[name=outcome][value=passed]")
    inspector.fill("textarea[name=note]", "现场体验复核通过")
    inspector.click("#stage-form button[type=submit]")
    expect(inspector.locator("h1")).to_contain_text("已销号")

    office.goto(problem_url)
    office.fill("input[name=finding-points]", "3")
    office.fill("textarea[name=finding-reason]", "首次整改敷衍对待，无实质落实")
    office.click("#finding-form button[type=submit]")
    expect(office.locator("#findings")).to_contain_text("首次整改敷衍对待")
    shoot(office, screenshots, "problem-closed", "zh")
    office.goto(f"{base}/problems/sanctions")
    expect(office.locator("#rollup")).to_contain_text("营业厅（客户服务中心）")
    shoot(office, screenshots, "sanctions", "zh")

    office.goto(f"{base}/language/en?next=/problems/sanctions")
    expect(office.locator("h1")).to_contain_text("Problem sanctions")
    expect(office.locator("#rollup")).to_contain_text("Business hall")
    shoot(office, screenshots, "sanctions", "en")
    office.goto(problem_url)
    expect(office.locator("h1")).to_contain_text("Closed")
    shoot(office, screenshots, "problem-closed", "en")
    hall.goto(f"{base}/language/en?next=/problems")
    hall.goto(problem_url)
    expect(hall.locator("#history")).to_contain_text("Issued to the department")
    shoot(hall, screenshots, "history", "en")
