"""Issue 13 in a real browser: My work's two tabs with owners and assignees (我来办 taken from
the department's tab lands under "mine"), the user pages, and the dashboard's department
figures whose numbers open My work filtered; desktop and 768 px tablet, Chinese and English.
Screenshots go to test-artifacts/screenshots/ and, where the folder exists, to the review
folder named by TRACKER_REVIEW_SCREENS."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.fixtures.app import local
from tests.fixtures.browser import VIEWPORTS, log_in

from .test_browser import set_language

pytestmark = pytest.mark.browser


def _shoot(page, screenshots: Path, name: str) -> None:
    path = screenshots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    review = os.environ.get("TRACKER_REVIEW_SCREENS")
    if review:
        Path(review).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(review) / path.name)


def _complete(app, number: str, code: str, skip: bool = False) -> None:
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services import applications as service

    with app.app_context():
        actor = db.session.scalar(sa.select(User).where(User.username == "clerk1"))
        if skip:
            service.skip_step(number, code, actor, note="无需")
        else:
            service.complete_step(number, code, actor)
        db.session.remove()


def _meter_installs(app, new_application, count: int) -> list[str]:
    numbers = []
    for i in range(count):
        number = new_application("201", by="clerk1", address=f"芜湖市弋江区花津南路 {18 + i} 号",
                                 contact_phone="139 0553 1234")
        _complete(app, number, "survey")
        _complete(app, number, "municipal_approval", skip=True)
        numbers.append(number)
    return numbers


def test_my_work_tabs_with_owner_and_assignee(app, live_server, open_page, make_user,
                                              new_application, frozen, screenshots):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    base = live_server
    make_user("clerk", "clerk1")
    make_user("engineer", "eng1", department="engineering")
    first, second = _meter_installs(app, new_application, 2)
    page = open_page(1280, 800)
    page.goto(f"{base}/login")
    log_in(page, base, "eng1")
    words = {"zh": ("我的", "本部门的", "我来办", "负责人: clerk1", "承办人: eng1"),
             "en": ("Mine", "My department's", "I'll do it", "Owner: clerk1",
                    "Assignee: eng1")}
    for lang, (mine, department, take, owner, assignee) in words.items():
        set_language(page, base, lang)
        for width, height in VIEWPORTS.values():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}/work?tab=department")
            expect(page.locator("nav.tabs a.active")).to_have_text(department)
            row = page.locator("tr.duty-step", has_text=first)
            expect(row).to_contain_text(owner)
            if lang == "zh" and width == 1280:
                row.get_by_role("button", name=take).click()
                expect(page.locator(".flashes")).to_contain_text("eng1")
                page.goto(f"{base}/work?tab=department")
            expect(page.locator("tr.duty-step", has_text=first)).to_contain_text(assignee)
            # the other one is still free to take
            expect(page.locator("tr.duty-step", has_text=second)
                   .get_by_role("button", name=take)).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            _shoot(page, screenshots, f"owners-work-department-{width}x{height}-{lang}")
            page.locator("nav.tabs a", has_text=mine).first.click()
            expect(page.locator("nav.tabs a.active")).to_have_text(mine)
            rows = page.locator("table.work tbody tr")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text(first)
            expect(rows.first).to_contain_text(assignee)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            _shoot(page, screenshots, f"owners-work-mine-{width}x{height}-{lang}")


def test_user_pages_and_department_figures(app, live_server, open_page, make_user,
                                           new_application, frozen, screenshots):
    traveller = frozen(local(2026, 10, 12, 9, 0), tick=True)
    base = live_server
    make_user("clerk", "clerk1")
    make_user("admin", "admin1", department=None)
    lead_id, _ = make_user("team_lead", "lead1")
    late = new_application("201", by="clerk1")  # its survey was due on Monday
    traveller.move_to(local(2026, 10, 13, 9, 0))
    new_application("201", by="clerk1")  # due by today's close
    page = open_page(1280, 800)
    page.goto(f"{base}/login")
    log_in(page, base, "admin1")
    heads = {"zh": ("用户", "各部门", "仅显示已超时的待办"),
             "en": ("Users", "By department", "Only the overdue duties")}
    for lang, (users, by_department, only_overdue) in heads.items():
        set_language(page, base, lang)
        for width, height in VIEWPORTS.values():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}/users")
            expect(page.locator("h1")).to_contain_text(users)
            expect(page.locator("body")).to_contain_text("lead1")
            _shoot(page, screenshots, f"owners-users-{width}x{height}-{lang}")
            page.goto(f"{base}/users/{lead_id}")
            expect(page.locator("input[name=display_name], #display_name").first).to_be_visible()
            _shoot(page, screenshots, f"owners-user-edit-{width}x{height}-{lang}")
            page.goto(f"{base}/dashboard")
            figures = page.locator("#departments")
            expect(figures.locator("h2")).to_have_text(by_department)
            row = figures.locator("#dept-connection_team")
            expect(row.locator("a.dept-open")).to_have_text("2")
            expect(row.locator("a.dept-due-today")).to_have_text("1")
            expect(row.locator("a.dept-overdue")).to_have_text("1")
            figures.scroll_into_view_if_needed()
            _shoot(page, screenshots, f"owners-dashboard-{width}x{height}-{lang}")
            row.locator("a.dept-overdue").click()
            expect(page.locator(".due-filter")).to_contain_text(only_overdue)
            rows = page.locator("table.work tbody tr")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text(late)
            _shoot(page, screenshots, f"owners-work-overdue-{width}x{height}-{lang}")
