"""Numbering under concurrency (issue 15): numbers stay unique and consecutive when creates
run at once, and on PostgreSQL a create no longer waits for another create's transaction to
commit (the number is taken in a short transaction of its own)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tests.fixtures.app import local
from tests.fixtures.jobs import all_at_once, wait_for


def _create(app, user_id: int, name: str) -> str:
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services.applications import NewApplication, create_application

    with app.app_context():
        try:
            actor = db.session.get(User, user_id)
            return create_application(NewApplication(flow="211", customer_name=name),
                                      actor).number
        finally:
            db.session.remove()


def test_concurrent_creates_get_unique_consecutive_numbers(app, make_user, frozen):
    frozen(local(2026, 10, 12, 9, 0), tick=True)
    user_id, _token = make_user("clerk", "numbering-clerk")
    count = 8
    numbers = all_at_once(*[lambda i=i: _create(app, user_id, f"客户{i}") for i in range(count)])
    assert len(set(numbers)) == count
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, count + 1))
    assert all(n.startswith("211-2026-") for n in numbers)


def test_a_create_does_not_wait_for_another_create_to_commit(app, backend, make_user, frozen):
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: creates queue there whatever numbers do")
    from tracker.extensions import db
    from tracker.models import Application
    from tracker.services.numbering import next_number

    frozen(local(2026, 10, 12, 9, 0), tick=True)
    user_id, _token = make_user("clerk", "numbering-clerk")
    holding, release = threading.Event(), threading.Event()
    taken: list[str] = []

    def slow_create() -> None:
        """A create that has its number and has not committed yet (then fails)."""
        with app.app_context():
            try:
                taken.append(next_number("211", 2026))
                db.session.execute(select(Application.id).limit(1))  # its transaction is open
                holding.set()
                assert release.wait(timeout=60)
                db.session.rollback()
            finally:
                db.session.remove()

    created: list[str] = []
    holder = threading.Thread(target=slow_create)
    other = threading.Thread(target=lambda: created.append(_create(app, user_id, "乙公司")))
    holder.start()
    try:
        wait_for(holding.is_set)
        other.start()
        # Before, the second create waited on the counter's row until the first committed.
        wait_for(lambda: bool(created), timeout=30)
    finally:
        release.set()
        holder.join(timeout=60)
        if other.ident is not None:  # started
            other.join(timeout=60)
    assert taken == ["211-2026-000001"]
    assert created == ["211-2026-000002"]
    # The failed create leaves a gap (numbers are unique, not promised gap-free), never a twin.
    assert _create(app, user_id, "丙公司") == "211-2026-000003"
