"""Issue 13 in a real browser: each tile of the dashboard opens the list behind it with as many
rows as the tile says (due today, completed this month, the callbacks behind the callback
rate), on a desktop and a 768 px tablet, in Chinese and English (screenshots)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.fixtures.app import local
from tests.fixtures.browser import VIEWPORTS, log_in
from tests.fixtures.web import complete_all

from .test_browser import set_language

pytestmark = pytest.mark.browser


def test_the_tiles_open_their_lists(app, live_server, open_page, make_user, new_application,
                                    frozen, screenshots):
    traveller = frozen(local(2026, 10, 12, 9, 0), tick=True)
    base = live_server
    make_user("clerk", "clerk1")
    make_user("team_lead", "lead1")
    done = new_application("201", by="clerk1")
    complete_all(app, done, "clerk1")  # water on this month: its callback is due
    traveller.move_to(local(2026, 10, 13, 9, 0))
    today = new_application("201", by="clerk1")  # its survey is due by today's close
    page = open_page(1280, 800)
    page.goto(f"{base}/login")
    log_in(page, base, "lead1")
    tiles = (("#tile-due-today", "table tbody tr", today),
             ("#tile-completed", "table tbody tr", done),
             ("#tile-callbacks", "#callbacks table tbody tr", done))
    for lang in ("zh", "en"):
        set_language(page, base, lang)
        for width, height in VIEWPORTS.values():
            page.set_viewport_size({"width": width, "height": height})
            for tile, rows_of, number in tiles:
                page.goto(f"{base}/dashboard")
                link = page.locator(tile)
                expect(link.locator(".tile-value")).to_have_text("1" if tile != "#tile-callbacks"
                                                                 else "0%")
                link.click()
                rows = page.locator(rows_of)
                expect(rows).to_have_count(1)
                expect(rows.first).to_contain_text(number)
                page.screenshot(path=str(screenshots / f"dashboard-tile-{tile[6:]}-"
                                                       f"{width}x{height}-{lang}.png"),
                                full_page=True)
