"""The assessment in a real browser (issue 11): the assessor reviews the draft, chooses an
item's points, adds an item and issues; the department appeals; the assessor decides and
issues version 2. Screenshots in Chinese and English under /work/reports/screens/assessment/
(outside the repository) and test-artifacts/screenshots/assessment-*.png."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.fixtures.app import local
from tests.fixtures.browser import log_in, next_working_morning
from tracker.localtime import LOCAL

pytestmark = pytest.mark.browser
REVIEW_SCREENS = Path("/work/reports/screens/assessment")


def _shoot(page, screenshots: Path, name: str, lang: str) -> None:
    page.wait_for_load_state("networkidle")
    for folder in (screenshots, REVIEW_SCREENS):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"assessment-{name}-{lang}.png"), full_page=True)


def _late_application(app, make_user) -> str:
    """An application of the 2nd of the month assessed (time frozen there) whose supply plan
    is done the next morning (late) and whose water never goes on: two late steps."""
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services.applications import NewApplication, create_application

    user_id, _ = make_user("clerk", "hall-b", department="business_hall")
    with app.app_context():
        actor = db.session.get(User, user_id)
        number = create_application(NewApplication(flow="211", customer_name="芜湖某置业有限公司"),
                                    actor).number
        db.session.remove()
    return number


def test_review_issue_appeal_and_decide_in_the_browser(app, live_server, in_browser, make_user,
                                                       frozen, screenshots):
    # The browser checks cookies against its own clock: the pages run on a working morning
    # after today (taken before any freezing), and the month assessed is the one before it.
    morning = next_working_morning(datetime.now(LOCAL).date())
    month = (morning.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    year, number_of_month = (int(part) for part in month.split("-"))
    traveller = frozen(local(year, number_of_month, 2, 9, 0))
    number = _late_application(app, make_user)
    traveller.move_to(local(year, number_of_month, 3, 9, 0))
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services.applications import complete_step

    with app.app_context():
        complete_step(number, "supply_plan",
                      db.session.scalar(db.select(User).where(User.username == "hall-b")))
        db.session.remove()
    frozen(morning, tick=True)
    make_user("assessor", "kaohe", department="human_resources")
    make_user("engineer", "gong", department="engineering")
    in_browser(lambda new_page: _scenario(new_page, live_server, month, screenshots))


def _scenario(new_page, base: str, month: str, screenshots: Path) -> None:
    from playwright.sync_api import expect

    assessor = new_page()
    log_in(assessor, base, "kaohe")
    assessor.goto(f"{base}/assessment/{month}")
    expect(assessor.locator("h1")).to_contain_text(f"绩效考核 {month}")
    expect(assessor.locator("#totals-title")).to_have_text("各部门扣分")
    _shoot(assessor, screenshots, "review", "zh")

    row = assessor.locator("tr", has_text="工程部").filter(has_text="超过办理时限").first
    row.get_by_role("link", name="审核").click()
    expect(assessor.locator("#points-form")).to_be_visible()
    assessor.fill("input[name=points]", "6")
    assessor.fill("textarea[name=reason]", "超时严重，从重")
    assessor.get_by_role("button", name="保存分值").click()
    expect(assessor.locator(".alert-error")).to_contain_text("6 超出该项的分值范围：2 至 5。")
    _shoot(assessor, screenshots, "item-refused", "zh")
    assessor.fill("input[name=points]", "3")
    assessor.get_by_role("button", name="保存分值").click()
    expect(assessor.locator(".alert-success")).to_contain_text("分值已保存。")

    assessor.locator("#add-item").click()
    assessor.select_option("select[name=department]", "procurement")
    assessor.select_option("select[name=rule]", "ledger_check")
    assessor.fill("input[name=points]", "2")
    assessor.fill("textarea[name=reason]", "营商环境工作台账缺 11 月出库记录")
    assessor.fill("input[name=evidence]", "台账检查记录 第 7 号")
    _shoot(assessor, screenshots, "add-item", "zh")
    assessor.get_by_role("button", name="增加该项").click()
    expect(assessor.locator(".alert-success")).to_contain_text("考核项已增加。")
    expect(assessor.locator("#items")).to_contain_text("台账检查记录 第 7 号")
    assessor.locator("#issue-button").click()
    expect(assessor.locator(".alert-success")).to_contain_text("考核已签发为第 1 版。")
    _shoot(assessor, screenshots, "issued", "zh")

    department = new_page()
    log_in(department, base, "gong")
    department.goto(f"{base}/assessment/{month}/department")
    expect(department.locator("#department-total")).to_have_text("3")
    _shoot(department, screenshots, "department", "zh")
    department.get_by_role("link", name="申诉").first.click()
    department.fill("textarea[name=reason]", "市政审批延误，非本部门原因，附审批回执")
    _shoot(department, screenshots, "appeal", "zh")
    department.get_by_role("button", name="提交申诉").click()
    expect(department.locator(".alert-success")).to_contain_text("申诉已提交")
    department.goto(f"{base}/work")
    expect(department.locator("#work-appeals")).to_contain_text(month)
    _shoot(department, screenshots, "work-department", "zh")

    assessor.goto(f"{base}/work")
    appeal = assessor.locator("table.work tr.duty-appeal")  # a duty with its deadline
    expect(appeal).to_contain_text("工程部")
    expect(appeal).to_contain_text("裁决申诉")
    _shoot(assessor, screenshots, "work-assessor", "zh")
    appeal.locator("a").first.click()
    expect(assessor.locator("#decision-form")).to_be_visible()
    assessor.check("input[name=outcome][value=upheld]")
    assessor.fill("#decision-form textarea[name=reason]", "审批回执属实，撤销该项")
    _shoot(assessor, screenshots, "decide", "zh")
    assessor.get_by_role("button", name="登记申诉裁决").click()
    expect(assessor.locator(".alert-success")).to_contain_text("申诉已裁决")
    expect(assessor.locator("#items")).to_contain_text("申诉后撤销")
    assessor.locator("#issue-button").click()
    expect(assessor.locator(".alert-success")).to_contain_text("考核已签发为第 2 版。")
    _shoot(assessor, screenshots, "issued-v2", "zh")

    # --- English
    assessor.goto(f"{base}/language/en?next=/assessment/{month}")
    expect(assessor.locator("#totals-title")).to_have_text("Points per department")
    expect(assessor.locator("#items")).to_contain_text("Removed on appeal")
    _shoot(assessor, screenshots, "review", "en")
    assessor.locator("tr", has_text="Procurement").get_by_role("link", name="Review").click()
    expect(assessor.locator("h1")).to_contain_text("Procurement")
    _shoot(assessor, screenshots, "item", "en")
    assessor.goto(f"{base}/assessment/{month}/items/new")
    _shoot(assessor, screenshots, "add-item", "en")
    department.goto(f"{base}/language/en?next=/assessment/{month}/department")
    expect(department.locator("h1")).to_contain_text("Our assessment")
    _shoot(department, screenshots, "department", "en")
    department.goto(f"{base}/work")
    _shoot(department, screenshots, "work-department", "en")
