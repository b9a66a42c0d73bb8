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
