"""The dashboard under writes (issue 15): after a change, the figures are recomputed once
across all the workers (two apps on one database stand for two gunicorn workers), while the
requests that come meanwhile get the figures before; then every worker shows the new ones."""
from __future__ import annotations

from datetime import timedelta

import pytest
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


# --- a new worker: the stored figures while they are recomputed after its response ---------

def _lead_client(app):
    from tests.fixtures.web import login

    client = app.test_client()
    assert login(client, "lead").status_code == 302
    return client


def _kept_open_total(app) -> int:
    """The open total of the figures the worker keeps (what its page just showed)."""
    return app.extensions["tracker_dashboard_board"]["board"][1].open_total


def _lease_held(app) -> bool:
    from tracker.extensions import db
    from tracker.models import DashboardSnapshot

    with app.app_context():
        try:
            return db.session.scalar(sa.select(DashboardSnapshot.lease_until)) is not None
        finally:
            db.session.remove()


@pytest.fixture
def stored_once(app, make_user, new_application, frozen):
    """10:00: the figures computed and stored by a worker (one open application), then a
    change recorded, so that the stored figures are one change behind."""
    make_user("team_lead", "lead")
    frozen(local(2026, 10, 13, 10, 0))
    new_application("201")
    assert open_total(app) == 1 and recomputes(app) == 1
    new_application("201")


def test_a_new_worker_serves_recent_figures_and_recomputes_them_after_its_response(
        app, other_app, stored_once):
    fresh = other_app()
    response = _lead_client(fresh).get("/dashboard")
    assert response.status_code == 200
    assert _kept_open_total(fresh) == 1  # the stored figures, one change behind
    assert recomputes(app) == 1  # not computed in the request
    assert _lease_held(app)  # this worker took the lease: nobody else computes them
    response.close()  # the response has gone out: the job runs
    assert recomputes(app) == 2 and not _lease_held(app)
    assert _kept_open_total(fresh) == 2  # kept by the worker that computed them
    assert open_total(fresh) == 2 and open_total(app) == 2
    assert recomputes(app) == 2  # and served to every worker from then on


@pytest.mark.parametrize(("minutes", "in_request"), [(2, False), (3, True)])
def test_stored_figures_older_than_the_bound_are_recomputed_in_the_request(
        app, other_app, stored_once, frozen, minutes, in_request):
    from tracker.services.dashboard import RECENT

    assert RECENT == timedelta(minutes=2)
    frozen(local(2026, 10, 13, 10, minutes))  # the stored figures are this old
    fresh = other_app()
    response = _lead_client(fresh).get("/dashboard")
    assert response.status_code == 200
    assert recomputes(app) == (2 if in_request else 1)
    assert _kept_open_total(fresh) == (2 if in_request else 1)
    response.close()
    assert recomputes(app) == 2  # either way once, never twice
    assert _kept_open_total(fresh) == 2


def test_new_workers_recompute_once_between_them_after_their_responses(
        app, other_app, stored_once):
    workers = [other_app() for _ in range(3)]
    clients = [_lead_client(w) for w in workers]
    responses = [client.get("/dashboard") for client in clients]
    assert [_kept_open_total(w) for w in workers] == [1, 1, 1]
    assert open_total(app) == 1  # a worker holding figures serves them while the lease is held
    for response in reversed(responses):  # in any order: the lease holder's job computes
        response.close()
    assert recomputes(app) == 2
    assert [open_total(w) for w in workers] == [2, 2, 2] and open_total(app) == 2
    assert recomputes(app) == 2


def test_a_recompute_that_fails_after_the_response_loses_nothing(
        app, other_app, stored_once, monkeypatch, caplog):
    from tracker.services import dashboard

    fresh = other_app()
    client = _lead_client(fresh)
    response = client.get("/dashboard")
    with monkeypatch.context() as patched:
        def broken(*args):
            raise RuntimeError("the database went away")

        patched.setattr(dashboard, "build_dashboard", broken)
        response.close()  # raises nothing: the failure is logged
    assert "were not recomputed" in caplog.text
    assert not _lease_held(app)  # given back: the next request may compute them
    assert recomputes(app) == 1 and _stored_open_total(app) == 1  # as they were
    assert client.get("/dashboard").status_code == 200  # this worker's next request
    assert recomputes(app) == 2 and _kept_open_total(fresh) == 2  # computed in it
    assert _stored_open_total(app) == 2


def _stored_open_total(app) -> int:
    from tracker.extensions import db
    from tracker.services import dashboard_store

    with app.app_context():
        try:
            return dashboard_store.stored().open_total
        finally:
            db.session.remove()


def test_a_worker_started_serves_the_figures_its_warm_start_stored(app, other_app, make_user,
                                                                   new_application, frozen):
    """A worker's start computes the figures and stores them (web.warm): its first dashboard
    computes nothing, in the request or after it, while nothing changed; a second worker
    started in the same minute stores nothing again; a change is computed once."""
    from tracker.web import warm_templates
    from tracker.web.warm import warm_pages

    make_user("team_lead", "lead")
    frozen(local(2026, 10, 13, 10, 0))
    new_application("201")
    started = other_app()
    warm_templates(started)
    warm_pages(started)
    assert recomputes(app) == 1 and _stored_open_total(app) == 1
    response = _lead_client(started).get("/dashboard")
    assert response.status_code == 200
    response.close()
    assert recomputes(app) == 1 and _kept_open_total(started) == 1
    second = other_app()
    warm_templates(second)
    warm_pages(second)
    assert recomputes(app) == 1  # the stored figures are for this minute's key already
    new_application("201")
    assert open_total(started) == 2 and open_total(second) == 2
    assert recomputes(app) == 2
