"""A worker's first requests made cheap at its start (wsgi.py, after warm_templates): the staff
pages a lead or clerk opens first (the application page, the list and its overdue view, the
callbacks, the monthly report) are drawn once, unseen, so that what they build lazily is
built before anyone waits for it (issue 15: the first request after start within 10x the
log-in page).

What a first page paid for, measured (a fresh app at 20k applications on PostgreSQL): the
application page 170 ms against 60 ms for the second, half of it SQLAlchemy compiling its ten
statements (the compiled cache belongs to the engine, so every new app starts empty); the
callbacks page the same for its own statements; the monthly report page the month's live
figures (kept per process, reports/pages._live_figures, so the first view reuses them).

The pages are drawn by their view functions in a request context of their own, signed in as
nobody: nothing is written (reads never commit, and the session is rolled back and removed),
the answers are thrown away, and a page that cannot be drawn (an empty database, a database
not migrated yet) is only logged: a start never fails for want of warming.
"""
from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ..extensions import db
from ..models import Application

# (endpoint, URL, whether it needs an application's number) drawn in this order.
PAGES = (
    ("application_pages.detail", "/applications/{number}", True),
    # The list's two statement shapes a lead opens first: every application, the overdue
    # ones (each shape compiles its own page and count statements: 54 and 450 ms of the
    # first request at 1M applications, against 15 and 28 ms warm).
    ("application_pages.index", "/applications", False),
    ("application_pages.index", "/applications?overdue=yes", False),
    # A search: its statements are built once with the text bound (services.search), so one
    # drawn now serves every later text (62 ms of the first search at 1M, 17 ms after).
    ("application_pages.index", "/applications?text=0", False),
    ("aftercare_pages.index", "/callbacks", False),
    # Every callback (both parts, open and done): the statements of the API's list too, whose
    # first request compiled them (`aftercare.queries._callback_shape`).
    ("aftercare_pages.index", "/callbacks?status=all", False),
    ("report_pages.monthly", "/reports/monthly", False),
)


def warm_pages(app: Flask) -> list[str]:
    """Draw each of PAGES once (see the module doc); the endpoints drawn."""
    drawn: list[str] = []
    with app.app_context():
        try:
            number = db.session.scalar(select(Application.number)
                                       .order_by(Application.id.desc()).limit(1))
        except Exception as exc:  # noqa: BLE001 - not migrated yet: the first request pays
            app.logger.warning("warm start: no pages drawn (%s)", exc)
            return drawn
        finally:
            # remove() closes the session: its transaction is rolled back, nothing kept
            # (a view module never calls rollback itself: tests/test_architecture.py)
            db.session.remove()
    for endpoint, url, needs_number in PAGES:
        view = app.view_functions.get(endpoint)
        if view is None or (needs_number and number is None):
            continue
        kwargs = {"number": number} if needs_number else {}
        with app.test_request_context(url.format(number=number)):
            try:
                view(**kwargs)
            except Exception as exc:  # noqa: BLE001 - warming is optional; say why it failed
                app.logger.warning("warm start: %s not drawn (%s)", endpoint, exc)
            else:
                drawn.append(endpoint)
            finally:
                db.session.remove()  # closed: whatever the view did is rolled back
    _compile_reads(app)
    _compile_report_reads(app)
    _prepare_dashboard(app)
    return drawn


def _compile_reads(app: Flask) -> None:
    """Statements of pages that need a signed-in user or a token, run once, read only: the
    API list's two pages (every application, the overdue ones: its first request compiled
    them, 62 ms against 10 ms after at 1M) and My work's for a department and for a person
    (nobody's: the statements are the same whoever asks)."""
    from ..services.app_clock import now
    from ..services.queries import ApplicationFilter, list_stored_rows
    from ..services.work import my_work, warm_statements

    with app.test_request_context("/work"):
        try:
            moment = now()
            for wanted in (ApplicationFilter(), ApplicationFilter(overdue=True)):
                list_stored_rows(wanted, moment, 1, 50)
            my_work("customer_service")
            my_work(None, person=0)
            warm_statements("customer_service")
        except Exception as exc:  # noqa: BLE001 - warming is optional; say why it failed
            app.logger.warning("warm start: some statements not compiled (%s)", exc)
        finally:
            db.session.remove()


def _compile_report_reads(app: Flask) -> None:
    """The monthly report page's reads for a team lead or an administrator (the warm start
    draws it signed in as nobody, who is not shown the notification outbox): its two
    statements, compiled by a lead's first view of the page otherwise; and the API's token
    lookup (no token has that hash), compiled by the first API request otherwise (the first
    request of the API's callbacks list was 11x the log-in page at 1M)."""
    from ..api.auth import _USER_OF_TOKEN
    from ..services.notifications import list_outbox, outbox_counts

    with app.test_request_context("/reports/monthly"):
        try:
            outbox_counts()
            list_outbox("failed", 50)
            db.session.scalar(_USER_OF_TOKEN, {"token_hash": "-"})
        except Exception as exc:  # noqa: BLE001 - warming is optional; say why it failed
            app.logger.warning("warm start: the outbox's statements not compiled (%s)", exc)
        finally:
            db.session.remove()


def _prepare_dashboard(app: Flask) -> None:
    """The dashboard's figures computed once and stored for the workers
    (services.dashboard.prepare_at_start: on the store's own connection, as any dashboard
    request stores them; the request's session writes nothing), for what they leave behind:
    their statements compiled, this month's worked days and the settled months kept by the
    process. A worker's first dashboard then serves figures at most minutes old, recomputed
    after its response when they are not for that minute, and one that must compute them
    in the request (none stored recently) pays only what a warm worker pays."""
    from ..services.app_clock import app_clock, now
    from ..services.dashboard import prepare_at_start

    with app.test_request_context("/dashboard"):
        try:
            prepare_at_start(now(), app_clock())
        except Exception as exc:  # noqa: BLE001 - warming is optional; say why it failed
            app.logger.warning("warm start: the dashboard not prepared (%s)", exc)
        finally:
            db.session.remove()
