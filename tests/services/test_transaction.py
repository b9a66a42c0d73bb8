"""The one transaction-and-conflict contract (services/transaction.py): a service commits once
at its end; a refusal, a concurrent writer's win or a locked database leaves nothing behind;
a service called by another joins its transaction; reads never commit."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm.exc import StaleDataError

from tracker.extensions import db
from tracker.models import LocalClosure
from tracker.services.errors import Conflict, ValidationFailed
from tracker.services.transaction import SAME_MOMENT, check_version, transactional


def _closure(reason: str) -> LocalClosure:
    from datetime import date

    return LocalClosure(day=date(2026, 7, 15), working=False, reason=reason)


def _reasons() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(LocalClosure.reason).order_by(LocalClosure.id)))


def test_a_service_commits_once_at_its_end(ctx):
    commits = []

    def count(session) -> None:
        commits.append(1)

    @transactional
    def add_two() -> None:
        db.session.add(_closure("a"))
        db.session.flush()
        db.session.add(_closure("b"))

    event.listen(db.session, "after_commit", count)
    try:
        add_two()
    finally:
        event.remove(db.session, "after_commit", count)
    assert len(commits) == 1
    assert _reasons() == ["a", "b"]


def test_a_refusal_keeps_nothing(ctx):
    @transactional
    def refused() -> None:
        db.session.add(_closure("half done"))
        db.session.flush()
        raise ValidationFailed("The closure has errors.")

    with pytest.raises(ValidationFailed):
        refused()
    assert _reasons() == []


def test_a_concurrent_writer_is_a_409_and_a_retry_runs_again(ctx):
    runs = []

    @transactional(stale="Someone else changed it.")
    def loses() -> None:
        db.session.add(_closure("lost"))
        raise StaleDataError("version moved")

    with pytest.raises(Conflict, match="Someone else changed it."):
        loses()
    assert _reasons() == []

    @transactional(retries=2)
    def wins_the_second_time() -> None:
        runs.append(1)
        db.session.add(_closure(f"try {len(runs)}"))
        if len(runs) == 1:
            raise StaleDataError("version moved")

    wins_the_second_time()
    assert len(runs) == 2 and _reasons() == ["try 2"]


def test_a_service_called_by_another_joins_its_transaction(ctx):
    @transactional
    def inner() -> None:
        db.session.add(_closure("inner"))

    @transactional
    def outer() -> None:
        inner()
        raise ValidationFailed("refused after the inner service ran")

    with pytest.raises(ValidationFailed):
        outer()
    assert _reasons() == []  # the inner one's row went with the outer refusal


def test_check_version_refuses_an_older_copy(ctx):
    class Row:
        version_id = 3

    check_version(Row(), None)
    check_version(Row(), 3)
    with pytest.raises(Conflict) as refused:
        check_version(Row(), 2, "Application %(number)s changed first.", number="201-1")
    assert refused.value.params == {"number": "201-1"}
    assert SAME_MOMENT.startswith("Someone else changed this record")


def test_reading_the_flows_commits_nothing(app, ctx):
    from tracker.services.flows import current_versions

    commits = []

    def count(session) -> None:
        commits.append(1)

    event.listen(db.session, "after_commit", count)
    try:
        versions = current_versions()
    finally:
        event.remove(db.session, "after_commit", count)
    assert set(versions) >= {"101", "201", "211"} and commits == []
