"""The 督办单 page in a real browser: the responsible department reads a supervision notice
and answers it in writing; past its answer deadline the answer is recorded as late. Chinese
and English, 1280×800 and 768×1024 (screenshots)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.escalation.helpers import issued_problem
from tests.fixtures.browser import VIEWPORTS, log_in
from tracker.escalation.jobs import run_escalation
from tracker.escalation.models import SupervisionNotice
from tracker.extensions import db
from tracker.localtime import LOCAL
from tracker.models import User
from tracker.settings import reconfigure
from tracker.sla import default_clock

pytestmark = pytest.mark.browser

LEVELS = {"problem": [{"level": "supervision", "over_hours": 4, "notify": ["team_lead"]}],
          "*": []}


def _set_language(page, base: str, lang: str) -> None:
    page.goto(f"{base}/language/{lang}?next=/dashboard")


def test_the_department_answers_a_supervision_notice(app, live_server, open_page, make_user,
                                                      frozen, screenshots):
    base = live_server
    reconfigure(app, TRACKER_ESCALATION_LEVELS=LEVELS)
    user_id, _ = make_user("engineer", "eng-browser", department="engineering")
    clock = default_clock()
    # Reported 10:00 eight working days before the next working morning: verification (3
    # working days) and 4 hours past it are long gone, and so is the 2-day answer deadline.
    day = datetime.now(LOCAL).date() + timedelta(days=1)
    while not clock.is_working_day(day):
        day += timedelta(days=1)
    morning = datetime.combine(day, time(10, 0), tzinfo=LOCAL)
    reported = morning
    for _ in range(8):
        reported -= timedelta(days=1)
        while not clock.is_working_day(reported.date()):
            reported -= timedelta(days=1)
    with app.app_context():
        frozen(reported)
        issued_problem(db.session.get(User, user_id))
        run_escalation(morning)
        number = db.session.scalar(select(SupervisionNotice.number))
        db.session.remove()
    frozen(morning, tick=True)

    page = open_page(1280, 800)
    page.goto(f"{base}/login")
    _set_language(page, base, "zh")
    log_in(page, base, "eng-browser")
    words = {"zh": ("督办单", "逾期未答复", "书面答复"),
             "en": ("Supervision notices", "Overdue, unanswered", "Written answer")}
    for lang, (title, overdue, answer) in words.items():
        _set_language(page, base, lang)
        for width, height in VIEWPORTS.values():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}/supervision")
            expect(page.locator("h1")).to_contain_text(title)
            expect(page.locator("table.notices tbody tr")).to_have_count(1)
            expect(page.locator("tr.notice-overdue")).to_contain_text(overdue)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(screenshots / f"supervision-list-{width}x{height}-{lang}.png"),
                            full_page=True)
            page.goto(f"{base}/supervision/{number}")
            expect(page.locator("#answer h2")).to_contain_text(answer)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(screenshots / f"supervision-detail-{width}x{height}-{lang}.png"),
                            full_page=True)

    _set_language(page, base, "zh")
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{base}/supervision/{number}")
    page.fill("textarea[name=answer]", "原因：勘查人员不足。措施：增派一名工程师，每日核查待办。")
    page.click("#answer button[type=submit]")
    expect(page.locator(".flashes")).to_contain_text("逾期答复")
    expect(page.locator("#answer")).to_contain_text("增派一名工程师")
    expect(page.locator("#answer .over")).to_contain_text("逾期答复")
    page.screenshot(path=str(screenshots / "supervision-answered-768x1024-zh.png"), full_page=True)
    _set_language(page, base, "en")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/supervision/{number}")
    expect(page.locator("#answer .over")).to_contain_text("answered late")
    page.screenshot(path=str(screenshots / "supervision-answered-1280x800-en.png"), full_page=True)
    with app.app_context():
        row = db.session.scalar(select(SupervisionNotice))
        assert (row.status, row.late, row.answered_by_id) == ("answered", True, user_id)
