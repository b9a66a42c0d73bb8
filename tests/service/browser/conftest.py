"""Browser fixtures for these pages on both database backends: the frozen working morning and
the screenshot folder of tests/web/browser, and Chromium in a thread of its own.

Playwright's sync API allows one instance per thread, and tests/web/browser keeps a
session-wide one on the main thread; so the browser scenario here runs in its own thread with
its own Playwright, whatever else is running.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS, screenshots, working_morning  # noqa: F401


@pytest.fixture
def in_browser() -> Callable[[Callable[[Any], None]], None]:
    """in_browser(scenario): scenario(new_page) in a thread with its own Chromium; new_page()
    opens a page in a fresh zh-CN, Asia/Shanghai context. A failure is raised here."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps`")

    def run(scenario: Callable[[Any], None]) -> None:
        failures: list[BaseException] = []

        def target() -> None:
            from playwright.sync_api import sync_playwright

            try:
                with sync_playwright() as playwright:
                    chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                                          headless=True, args=CHROMIUM_ARGS)

                    def new_page(width: int = 1280, height: int = 800):
                        context = chromium.new_context(
                            viewport={"width": width, "height": height}, locale="zh-CN",
                            timezone_id="Asia/Shanghai")
                        context.set_default_timeout(15000)
                        return context.new_page()

                    try:
                        scenario(new_page)
                    finally:
                        chromium.close()
            except BaseException as exc:  # noqa: BLE001 - re-raised on the test's thread below
                failures.append(exc)

        thread = threading.Thread(target=target, name="service-browser")
        thread.start()
        thread.join(timeout=600)
        assert not thread.is_alive(), "the browser scenario did not finish in 10 minutes"
        if failures:
            raise failures[0]

    return run
