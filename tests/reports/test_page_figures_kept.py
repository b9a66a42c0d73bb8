"""The report page keeps a month's live figures (issue 15: computed on every view, the page
was 529x the log-in page at 100k applications): while no event is recorded, the calendar is
the same and they are at most LIVE_REUSE old, a view shows them as computed, saying when
("Figures as of …"); any recorded change, or their age, has them computed again."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.fixtures.web import login
from tracker.reports import issuance
from tracker.reports.builds import LIVE_REUSE

AS_OF = re.compile(r"数据截至 ([^（(]+)")


@pytest.fixture
def computed(monkeypatch) -> list[str]:
    """The months the report was computed for, in order."""
    months: list[str] = []
    real = issuance.compute_monthly_report

    def counting(month, *args, **kwargs):
        months.append(month.label)
        return real(month, *args, **kwargs)

    monkeypatch.setattr(issuance, "compute_monthly_report", counting)
    return months


def _page(client) -> str:
    response = client.get("/reports/monthly?month=2026-10")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _figures(html: str) -> str:
    """The page without its CSRF tokens (one per form and request)."""
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)


def test_a_second_view_shows_the_figures_computed_for_the_first(app, client, make_user,
                                                                october, computed):
    make_user("team_lead", "kept-lead")
    assert login(client, "kept-lead").status_code == 302
    first = _page(client)
    assert computed == ["2026-10"]
    assert _figures(_page(client)) == _figures(first)
    assert computed == ["2026-10"]


def test_a_recorded_change_has_them_computed_again(app, client, make_user, october, computed):
    from tracker.extensions import db
    from tracker.services import events

    make_user("team_lead", "kept-lead")
    assert login(client, "kept-lead").status_code == 302
    first = _page(client)
    with app.app_context():
        events.record("test.changed", actor=None, subject_type="test", subject_id=1)
        db.session.commit()
    again = _page(client)
    assert computed == ["2026-10", "2026-10"]
    assert _figures(again) == _figures(first)  # the event changed no figure


def test_the_page_says_how_old_they_are_and_they_are_computed_again_when_old(
        app, client, make_user, october, computed, frozen):
    from tracker.services.app_clock import now

    make_user("team_lead", "kept-lead")
    assert login(client, "kept-lead").status_code == 302
    first = AS_OF.search(_page(client)).group(1)
    with app.app_context():
        started = now()
    frozen(started + LIVE_REUSE - timedelta(minutes=1))
    assert AS_OF.search(_page(client)).group(1) == first  # as computed, and says so
    assert computed == ["2026-10"]
    frozen(started + LIVE_REUSE + timedelta(minutes=1))
    later = AS_OF.search(_page(client)).group(1)
    assert computed == ["2026-10", "2026-10"] and later != first


def test_other_months_and_issued_versions_are_their_own(app, client, make_user, october,
                                                       computed):
    make_user("team_lead", "kept-lead")
    assert login(client, "kept-lead").status_code == 302
    _page(client)
    assert client.get("/reports/monthly?month=2026-09").status_code == 200
    assert computed == ["2026-10", "2026-09"]
    with app.app_context():
        issuance.issue_monthly_report("2026-10")
    assert "未签发" not in _page(client)  # the issued version, not the kept live figures
    assert computed == ["2026-10", "2026-09", "2026-10"]  # (computed once, to issue it)
    assert "未签发：实时数据" in client.get("/reports/monthly?month=2026-10&live=1").get_data(
        as_text=True)
    assert computed[-1:] == ["2026-10"] and len(computed) == 4  # issuing was an event
