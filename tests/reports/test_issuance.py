"""Issuing: scheduled once per month however often it runs; manual re-issues add versions."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.fixtures.app import local
from tests.fixtures.jobs import all_at_once
from tracker.extensions import db
from tracker.models import Event, MonthlyReport
from tracker.reports.issuance import issue_monthly_report, issue_previous_month, list_issued
from tracker.services.errors import ValidationFailed


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(MonthlyReport))


def test_the_scheduled_issue_is_idempotent(app, ctx, frozen):
    frozen(local(2026, 11, 1, 1, 0))  # the 1st at 01:00 Beijing time
    row = issue_previous_month()
    assert (row.month, row.version) == ("2026-10", 1)
    assert row.issued_by_id is None and row.data["issue"]["trigger"] == "scheduled"
    assert row.xlsx[:2] == b"PK"  # the workbook is stored with it
    # The same run window again (a second scheduler, a restart, the catch-up at start-up).
    assert issue_previous_month(local(2026, 11, 1, 1, 0)) is None
    assert issue_previous_month(local(2026, 11, 3, 9, 0)) is None
    assert _count() == 1
    assert db.session.scalar(select(func.count()).select_from(Event)
                             .where(Event.action == "report.issued")) == 1
    # A month later it is November's turn.
    assert issue_previous_month(local(2026, 12, 1, 1, 0)).month == "2026-11"


def test_a_manual_issue_before_the_job_makes_the_job_a_no_op(app, actor, frozen):
    frozen(local(2026, 11, 1, 0, 30))
    issue_monthly_report("2026-10", actor)
    assert issue_previous_month(local(2026, 11, 1, 1, 0)) is None
    assert [r.version for r in list_issued("2026-10")] == [1]


def test_a_month_that_has_not_ended_cannot_be_issued(app, actor, frozen):
    from tracker import reports  # the entry point the pages, the API and the CLI call

    frozen(local(2026, 10, 31, 23, 59))
    with pytest.raises(ValidationFailed) as refused:
        reports.issue_monthly_report("2026-10", actor)
    assert refused.value.params["date"] == "2026-11-01"
    assert _count() == 0


def test_two_schedulers_issue_one_version(app, other_app, backend, frozen):
    """Two hosts run the monthly job at the same moment, three times each: one version
    (whichever host holds the lock issues it; the other finds it issued or skips)."""
    if backend != "postgresql":
        pytest.skip("two hosts sharing one database is the PostgreSQL deployment")
    frozen(local(2026, 11, 1, 1, 0))
    other = other_app()

    def issue(host) -> list[int | None]:
        with host.app_context():
            rows = [issue_previous_month(local(2026, 11, 1, 1, 0)) for _ in range(3)]
            return [None if row is None else row.version for row in rows]

    results = all_at_once(lambda: issue(app), lambda: issue(other), timeout=60)
    assert sorted(v for host in results for v in host if v is not None) == [1]
    with app.app_context():
        assert _count() == 1


def test_the_page_lists_the_versions_as_list_issued_gives_them(app, actor, make_user, frozen):
    """The report page's versions (reports.pages._versions, one statement with the issuers'
    names) are list_issued's rows with each issuer's label, as the page read them before: a
    user with a display name, one without, the scheduler (no user); another month apart."""
    from tracker.models import User
    from tracker.reports.pages import _versions
    from tracker.services.months import parse_month

    frozen(local(2026, 12, 1, 0, 30))
    plain_id, _ = make_user("clerk", "no-display-name")
    plain = db.session.get(User, plain_id)
    plain.display_name = ""
    db.session.commit()
    issue_monthly_report("2026-10", actor)
    issue_monthly_report("2026-10", None)
    issue_monthly_report("2026-10", plain)
    issue_monthly_report("2026-11", actor)
    for month in ("2026-10", "2026-11", "2026-09"):
        rows = list_issued(month)
        labels = {u.id: u.label for u in db.session.scalars(select(User).where(
            User.id.in_({r.issued_by_id for r in rows if r.issued_by_id})))}
        expected = [{"month": r.month, "version": r.version, "issued_at": r.issued_at,
                     "issued_by": labels.get(r.issued_by_id)} for r in rows]
        assert _versions(parse_month(month)) == expected
    assert [v["issued_by"] for v in _versions(parse_month("2026-10"))] == [
        "no-display-name", None, "watch-clerk"]
