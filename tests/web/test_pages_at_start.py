"""web.warm.warm_pages at a process's start (wsgi.py): the application page, the callbacks
page and the monthly report drawn once, unseen, so that a first request does not compile
their statements (issue 15: the first request within 10x the log-in page); nothing is
written, and an empty database is no reason for a start to fail."""
from __future__ import annotations

from tests.fixtures.api import table_counts
from tests.fixtures.web import login
from tracker.extensions import db
from tracker.web import warm_templates
from tracker.web.warm import warm_pages


def _compiled(app) -> int:
    """How many statements the app's engine holds compiled (SQLAlchemy's compiled cache)."""
    with app.app_context():
        return len(db.engine._compiled_cache)


def _first_compiles(app, url: str) -> int:
    client = app.test_client()
    assert login(client, "clerk").status_code == 302
    before = _compiled(app)
    assert client.get(url).status_code == 200
    return _compiled(app) - before


def _first_detail_compiles(app, number: str) -> int:
    return _first_compiles(app, f"/applications/{number}")


# Each test takes a new app (other_app): the `app` fixture's engine has compiled everything.
def test_the_warm_start_draws_the_first_pages_and_writes_nothing(app, other_app, make_user,
                                                                 new_application):
    make_user("clerk", "clerk")
    number = new_application()
    cold = other_app()
    warm_templates(cold)
    assert _first_detail_compiles(cold, number) >= 8  # what a first request pays without it

    started = other_app()
    warm_templates(started)
    rows = _rows_but_the_dashboards(app)
    assert warm_pages(started) == ["application_pages.detail", "application_pages.index",
                                   "application_pages.index", "application_pages.index",
                                   "aftercare_pages.index", "aftercare_pages.index",
                                   "report_pages.monthly"]
    assert _rows_but_the_dashboards(app) == rows
    # what is left is the clerk's own (the log-in, the pages a signed-in clerk sees more of)
    assert _first_detail_compiles(started, number) <= 2


def _cold_and_warm_compiles(other_app, url: str) -> tuple[int, int]:
    """What the first request of `url` compiles in a new app without the warm start, and
    in one with it."""
    cold = other_app()
    warm_templates(cold)
    before = _first_compiles(cold, url)
    started = other_app()
    warm_templates(started)
    warm_pages(started)
    return before, _first_compiles(started, url)


def test_the_warm_start_compiles_the_lists_first_statements(app, other_app, make_user,
                                                            new_application):
    make_user("clerk", "clerk")
    new_application()
    # the clerk's own statements are left (the log-in, what a signed-in clerk sees more of);
    # a search drawn at the start serves another text: the text is a bound value
    for url in ("/applications?overdue=yes", "/applications?text=%E8%8A%9C%E6%B9%96"):
        cold, warm = _cold_and_warm_compiles(other_app, url)
        assert warm <= cold - 2, url


def test_an_empty_database_only_skips_the_application_page(other_app):
    started = other_app()
    warm_templates(started)
    assert warm_pages(started) == ["application_pages.index", "application_pages.index",
                                   "application_pages.index", "aftercare_pages.index",
                                   "aftercare_pages.index", "report_pages.monthly"]


def _rows_but_the_dashboards(app) -> dict[str, int]:
    """Rows per table but the dashboard's stored figures, which the warm start stores for
    the workers (services.dashboard.prepare_at_start) on the store's own connection."""
    counts = table_counts(app)
    counts.pop("dashboard_snapshots")
    return counts


def test_the_warm_start_stores_the_dashboards_figures_and_keeps_none(app, other_app, make_user,
                                                                     new_application):
    """The dashboard is computed once at the start for what it leaves behind (its statements
    compiled, the month's worked days kept) and stored for the workers; it is not kept as
    the worker's own, so its first request takes the stored ones as any new worker does."""
    from tracker.services import dashboard_store
    from tracker.services.dashboard import Dashboard

    make_user("clerk", "clerk")
    new_application()
    cold, warm = _cold_and_warm_compiles(other_app, "/dashboard")
    assert warm <= cold - 5, (cold, warm)
    started = other_app()
    warm_templates(started)
    rows = _rows_but_the_dashboards(app)
    warm_pages(started)
    assert "board" not in started.extensions.get("tracker_dashboard_board", {})
    assert started.extensions["tracker_dashboard_worked"]["clock"] is not None
    assert _rows_but_the_dashboards(app) == rows
    with app.app_context():
        try:
            stored = dashboard_store.stored()
        finally:
            db.session.remove()
    assert isinstance(stored, Dashboard) and stored.open_total == 1
