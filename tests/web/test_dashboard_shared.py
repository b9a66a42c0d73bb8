"""The dashboard under writes (issue 15): after a change, the figures are recomputed once
across all the workers (two apps on one database stand for two gunicorn workers), while the
requests that come meanwhile get the figures before; then every worker shows the new ones."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.jobs import all_at_once, wait_for


def open_total(app) -> int:
    from tracker.extensions import db
    from tracker.services.app_clock import app_clock, now
    from tracker.services.dashboard import current_dashboard

    with app.app_context():
        try:
            return current_dashboard(now(), app_clock).open_total
        finally:
            db.session.remove()


def recomputes(app) -> int:
    from tracker.extensions import db
    from tracker.services import dashboard_store

    with app.app_context():
        try:
            return dashboard_store.recomputes()
        finally:
            db.session.remove()


def test_one_recompute_per_change_across_two_workers(app, other_app, new_application, frozen):
    frozen(local(2026, 10, 13, 10, 0))  # one minute throughout: only changes move the key
    second = other_app()
    new_application("201")
    assert open_total(app) == 1
    assert open_total(second) == 1  # served from the stored figures, not computed again
    assert recomputes(app) == 1

    new_application("201")  # a change recorded: every worker's key moves
    workers = [app, second] * 4
    seen = all_at_once(*[lambda w=w: open_total(w) for w in workers])
    assert set(seen) <= {1, 2}  # the figures before, or the new ones: nothing else
    wait_for(lambda: open_total(app) == 2 and open_total(second) == 2)
    assert recomputes(app) == 2  # eight requests on two workers, one recomputation

    assert [open_total(w) for w in workers] == [2] * len(workers)
    assert recomputes(second) == 2  # nothing changed: nothing recomputed


def test_while_another_worker_recomputes_the_figures_before_are_served(
        app, other_app, new_application, frozen):
    """Stale while revalidate: a worker that finds the lease taken (another worker is
    computing the figures for the newest change) answers at once with the stored figures,
    without computing them itself, on a fresh worker too; once the lease is free the next
    request computes the new ones."""
    from tracker.extensions import db
    from tracker.models import DashboardSnapshot
    from tracker.models.base import now_utc
    from tracker.services.dashboard_store import LEASE

    frozen(local(2026, 10, 13, 10, 0))
    new_application("201")
    assert open_total(app) == 1 and recomputes(app) == 1
    new_application("201")  # a change: the stored figures are for the key before

    def lease(until) -> None:
        with app.app_context():
            db.session.execute(sa.update(DashboardSnapshot).values(lease_until=until))
            db.session.commit()
            db.session.remove()

    lease(now_utc() + LEASE)  # as a worker does when it starts recomputing
    assert open_total(app) == 1
    assert open_total(other_app()) == 1  # a worker just started: the stored figures too
    assert recomputes(app) == 1  # neither computed them
    lease(None)  # the recomputing worker is done (or gave up)
    assert open_total(app) == 2 and recomputes(app) == 2


def _series(app) -> list:
    from tracker.extensions import db
    from tracker.services.app_clock import app_clock, now
    from tracker.services.dashboard import current_dashboard

    with app.app_context():
        try:
            return [(p.month, p.accepted, p.completed, p.on_time)
                    for p in current_dashboard(now(), app_clock).series]
        finally:
            db.session.remove()


def test_a_worker_that_starts_takes_the_settled_months_from_the_stored_figures(
        app, other_app, new_application, frozen):
    """A new worker's first dashboard does not read a year of applications and timers again
    (4.4 s at 1M applications): the months that were settled when the stored figures were
    computed come from them; the months still open to back-dating are read."""
    from tests.fixtures.app import statements_during

    frozen(local(2026, 6, 10, 10, 0))
    new_application("201")  # June: settled by October
    frozen(local(2026, 9, 29, 10, 0))
    new_application("201")  # the end of September: still open to back-dating on 1 October
    frozen(local(2026, 10, 9, 10, 0))
    before = _series(app)
    assert ("2026-06", 1, 0, 0) in before and ("2026-09", 1, 0, 0) in before
    new_application("201")  # a change: every worker's key moves
    fresh = other_app()
    statements = [s.upper() for s in statements_during(fresh, lambda: _series(fresh))]
    after = _series(fresh)
    assert after[:-1] == before[:-1] and after[-1] == ("2026-10", 1, 0, 0)
    # Only the live months were read (September and October), not the twelve.
    accepted = [s for s in statements if "SUM(CASE WHEN (APPLICATIONS.ACCEPTED_AT" in s]
    assert len(accepted) == 1 and accepted[0].count("SUM(CASE") == 2, statements
    assert not any("SUM(CASE WHEN (SLA_TIMERS.COMPLETED_AT" in s for s in statements)


def test_a_worker_with_no_stored_figures_reads_the_settled_months(
        app, new_application, frozen):
    from tests.fixtures.app import statements_during

    frozen(local(2026, 6, 10, 10, 0))
    new_application("201")
    frozen(local(2026, 10, 9, 10, 0))
    statements = [s.upper() for s in statements_during(app, lambda: _series(app))]
    assert any("SUM(CASE WHEN (SLA_TIMERS.COMPLETED_AT" in s for s in statements)
    assert ("2026-06", 1, 0, 0) in _series(app)
