"""Browser tests: Playwright driving Debian's Chromium, SQLite only (one live server file)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

LOCAL = ZoneInfo("Asia/Shanghai")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
VIEWPORTS = {"desktop": (1280, 800), "tablet": (768, 1024)}


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite")])
def backend(request) -> str:
    """The browser tests serve one SQLite file from a thread; PostgreSQL adds nothing here."""
    return request.param


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """open_page(width=1280, height=800) → a page in a fresh browser context."""
    contexts = []

    def make(width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def next_working_morning(after: date) -> datetime:
    """10:00 Beijing time on the first working day after `after` (on the shipped calendar)."""
    from tracker.sla import default_clock

    clock = default_clock()
    day = after + timedelta(days=1)
    while not clock.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(10, 0), tzinfo=LOCAL)


@pytest.fixture
def working_morning(frozen) -> datetime:
    """Freeze the clock (ticking) at 10:00 on the next working day, in the test and the server.

    In the future, never the past: the browser checks cookie expiry against its own clock."""
    instant = next_working_morning(datetime.now(LOCAL).date())
    frozen(instant, tick=True)
    return instant


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
