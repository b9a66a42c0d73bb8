"""Issue 12 in a real browser: "为什么是这个时间？" beside a deadline opens its explanation
without JavaScript, in Chinese and in English. Screenshots at 1280×800 and 768×1024."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.fixtures.browser import VIEWPORTS, log_in
from tracker.localtime import LOCAL
from tracker.services.app_clock import as_of

from .test_browser import set_language

pytestmark = pytest.mark.browser


def test_the_explanation_opens_beside_the_deadline_in_both_languages(
        app, live_server, open_page, make_user, new_application, working_morning,
        screenshots):
    base = live_server
    make_user("team_lead", "lead", department="connection_team")
    page = open_page(1280, 800)
    page.goto(f"{base}/dashboard")
    set_language(page, base, "zh")
    log_in(page, base, "lead")
    with as_of(datetime(2026, 9, 30, 16, 0, tzinfo=LOCAL)):  # a Wednesday, the eve of 国庆节
        number = new_application("201", by="lead")
    words = {
        "zh": ("为什么是这个时间？", ["10月1日–7日 国庆节", "9月30日 16:00–17:30 计 1.5 小时",
                                     "截止 2026-10-08 16:00"]),
        "en": ("Why this time?", ["1–7 Oct 国庆节", "30 Sep 16:00–17:30: 1.5 h", "not counted",
                                  "due 2026-10-08 16:00"]),
    }
    for lang, (summary, lines) in words.items():
        set_language(page, base, lang)
        for width, height in VIEWPORTS.values():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}/applications/{number}")
            why = page.locator(".app-head details.why").first
            assert why.locator("summary").inner_text().strip() == summary
            assert not why.locator(".why-lines").is_visible()  # closed until asked
            why.locator("summary").click()
            assert why.locator(".why-lines").is_visible()
            shown = why.inner_text()
            for line in lines:
                assert line in shown, (line, shown)
            # every step deadline has its own
            steps_with_deadline = page.locator(".step-facts dt:has-text('%s')" % (
                "截止时间" if lang == "zh" else "Deadline")).count()
            assert page.locator(".step-facts details.why").count() == steps_with_deadline
            page.screenshot(path=str(screenshots / f"explain-{width}x{height}-{lang}.png"),
                            full_page=True)
