"""Issue 13 in a real browser: My work lists every kind of duty of the department with the
customer's address and a tap-to-call link, on a desktop and a 768 px tablet, in Chinese and
English (screenshots at 1280×800 and 768×1024)."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import VIEWPORTS, log_in
from tests.fixtures.intake import project

from .test_browser import set_language

pytestmark = pytest.mark.browser


def test_my_work_on_a_desktop_and_a_tablet_in_both_languages(
        app, live_server, open_page, make_user, new_application, push, working_morning,
        screenshots):
    base = live_server
    make_user("clerk", "desk", department="connection_team")
    number = new_application("201", address="芜湖市弋江区花津南路 18 号",
                             contact_phone="139 0553 1234")
    push(project("GG-2026-0900"))
    page = open_page(1280, 800)
    page.goto(f"{base}/login")
    set_language(page, base, "zh")
    log_in(page, base, "desk")
    words = {"zh": ("我的待办", "甄别", "环节"), "en": ("My work", "Screening", "Step")}
    for lang, (title, screening, step) in words.items():
        set_language(page, base, lang)
        for width, height in VIEWPORTS.values():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}/work")
            assert title in page.locator("h1").inner_text()
            rows = page.locator("table.work tbody tr")
            assert rows.count() == 2
            assert screening in page.locator("tr.duty-screening").inner_text()
            mine = page.locator("tr.duty-step", has_text=number)
            assert step in mine.inner_text() and "花津南路 18 号" in mine.inner_text()
            call = mine.locator("a.tel")
            assert call.get_attribute("href") == "tel:13905531234" and call.is_visible()
            # nothing wider than the screen: the table scrolls inside its wrapper
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(screenshots / f"my-work-{width}x{height}-{lang}.png"),
                            full_page=True)
