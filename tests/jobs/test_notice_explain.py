"""Issue 12 in the notices: a warning or overdue message says, in one line, why the deadline
is where it is ("含国庆节假期 7 天")."""
from __future__ import annotations

from tests.fixtures.app import local
from tracker.jobs.watcher import run_watcher
from tracker.services import notifications
from tracker.services.app_clock import app_clock


def test_an_overdue_notice_says_why_in_one_line(app, actor, application_at):
    application_at(local(2026, 9, 30, 16, 0), flow="201")  # the eve of 国庆节
    now = local(2026, 10, 8, 16, 30)
    result = run_watcher(now)
    [whole] = [t for t in result.transitions
               if t.kind == "overdue" and t.subject_type == "application"]
    [notice] = notifications.build_notices([whole], now, app_clock())
    _subject, body, payload = notifications.compose(notice)
    assert "办理期限：2026-10-08 16:00（北京时间）" in body
    assert "期限依据：含国庆节假期 7 天" in body
    assert payload["tracker"]["why"] == "含国庆节假期 7 天"
    english = notifications.compose(notice, "en")[1]
    assert "Why: including 国庆节, 7 days off" in english


def test_a_notice_with_nothing_skipped_says_so(app, actor, application_at):
    application_at(local(2026, 10, 12, 9, 0), flow="201")  # an ordinary Monday
    now = local(2026, 10, 13, 9, 30)
    [whole] = [t for t in run_watcher(now).transitions
               if t.kind == "overdue" and t.subject_type == "application"]
    [notice] = notifications.build_notices([whole], now, app_clock())
    assert "期限依据：期间无节假日、停工或暂停" in notifications.compose(notice)[1]
