"""The overdue list's sentences are kept between reports (reports/why.py): a kept sentence is
the one a computation from nothing gives, in each language, and a new closure words them again."""
from __future__ import annotations

from datetime import date

from flask_babel import force_locale

from tests.reports.generator import AS_OF
from tracker.reports import compute_monthly_report, parse_month, why

OCTOBER = parse_month("2026-10")


def _whys(report: dict) -> list[tuple[str, str]]:
    return [(item["why_zh"], item["why_en"]) for item in report["overdue"]]


def test_kept_sentences_are_those_computed_from_nothing(app, october, ctx):
    why.forget()
    fresh = compute_monthly_report(OCTOBER, as_of=AS_OF)
    assert why._kept["zh"].sentences and why._kept["en"].sentences
    kept = compute_monthly_report(OCTOBER, as_of=AS_OF)
    assert kept == fresh
    # Another locale around the report (an English request) changes neither language's words.
    with force_locale("en"):
        assert _whys(compute_monthly_report(OCTOBER, as_of=AS_OF)) == _whys(fresh)
    assert all(zh.startswith("自 ") and en.startswith("From ") for zh, en in _whys(fresh))


def test_a_new_closure_words_the_sentences_again(app, october, ctx, make_user):
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services import calendar_admin

    before = compute_monthly_report(OCTOBER, as_of=AS_OF)
    assert not any("台风停工" in zh for zh, _en in _whys(before))
    # A working day in the middle of the month: finished duties keep their deadlines, but
    # their explanations, worded on today's clock, now walk through the closure.
    admin_id, _token = make_user("admin", "kept-admin")
    calendar_admin.add_closure(date(2026, 10, 14), "台风停工", db.session.get(User, admin_id))
    after = compute_monthly_report(OCTOBER, as_of=AS_OF)
    assert any("台风停工" in zh for zh, _en in _whys(after))
    why.forget()
    assert _whys(compute_monthly_report(OCTOBER, as_of=AS_OF)) == _whys(after)
