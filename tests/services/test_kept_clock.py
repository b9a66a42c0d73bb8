"""The clock a process keeps between requests (services.app_clock): reused while nothing it
was built from changed, rebuilt at once when a closure is added or removed by any worker or
a holiday file appears, and never kept from a transaction that was rolled back."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fixtures.app import statements_during
from tracker.extensions import db
from tracker.models import LocalClosure, Role, User
from tracker.settings import reconfigure

HOLIDAYS = Path(__file__).resolve().parents[2] / "tracker" / "sla" / "holidays"
TYPHOON = date(2026, 7, 15)  # a Wednesday, a working day in 2026


def _clock(app):
    from tracker.services.app_clock import app_clock

    with app.app_context():
        clock = app_clock()
        db.session.remove()
        return clock


def _admin(app) -> int:
    with app.app_context():
        user = User(username="kept-admin", role=Role.ADMIN, display_name="admin")
        db.session.add(user)
        db.session.commit()
        return user.id


def _add_closure(app, admin_id: int) -> int:
    from tracker.services.calendar_admin import add_closure

    with app.app_context():
        change = add_closure(TYPHOON, "台风停工", db.session.get(User, admin_id))
        closure_id = change.closure.id
        db.session.remove()
        return closure_id


def test_the_kept_clock_is_reused_and_reads_no_closures(app):
    first = _clock(app)
    assert _clock(app) is first
    statements = statements_during(app, lambda: _clock(app))
    # the closures' stamp only: no join of the closures with their authors
    assert len(statements) == 1 and "count(" in statements[0].lower()
    assert "JOIN" not in statements[0].upper()


def test_a_closure_added_or_removed_by_another_worker_is_seen_by_the_next_request(
        app, other_app):
    other = other_app()  # another worker on the same database
    assert _clock(app).calendar.is_working_day(TYPHOON)
    assert _clock(other).calendar.is_working_day(TYPHOON)
    admin_id = _admin(app)

    closure_id = _add_closure(other, admin_id)
    clock = _clock(app)
    assert not clock.calendar.is_working_day(TYPHOON)
    assert [c.reason for c in clock.calendar.closures_on(TYPHOON)] == ["台风停工"]

    from tracker.services.calendar_admin import remove_closure

    with other.app_context():
        remove_closure(closure_id, db.session.get(User, admin_id))
        db.session.remove()
    assert _clock(app).calendar.is_working_day(TYPHOON)
    assert _clock(other).calendar.is_working_day(TYPHOON)


def test_a_clock_seen_inside_a_rolled_back_transaction_is_not_kept(app, frozen):
    from tests.fixtures.app import local
    from tracker.services.app_clock import app_clock, forget_clock

    frozen(local(2026, 7, 1, 10, 0))  # both rows below get the same created_at
    assert _clock(app).calendar.is_working_day(TYPHOON)
    with app.app_context():
        db.session.add(LocalClosure(day=TYPHOON, working=False, reason="never saved"))
        db.session.flush()
        forget_clock()
        assert not app_clock().calendar.is_working_day(TYPHOON)  # this request sees it
        db.session.rollback()
        # Then a row is committed (by another worker, say) with the same id (SQLite reuses
        # it) at the same instant: the closures' stamp is what the rolled-back state had.
        db.session.add(LocalClosure(day=date(2026, 7, 16), working=False, reason="saved"))
        db.session.commit()
        db.session.remove()
    clock = _clock(app)
    assert clock.calendar.is_working_day(TYPHOON)
    assert not clock.calendar.is_working_day(date(2026, 7, 16))


def test_a_closure_inserted_without_the_service_is_seen(app):
    assert _clock(app).calendar.is_working_day(TYPHOON)
    with app.app_context():
        db.session.execute(sa.insert(LocalClosure).values(day=TYPHOON, working=False,
                                                         reason="by hand"))
        db.session.commit()
        db.session.remove()
    assert not _clock(app).calendar.is_working_day(TYPHOON)


def test_a_holiday_file_edited_in_place_is_seen_after_the_recheck(app, tmp_path, monkeypatch):
    from tracker.services import app_clock as module

    for path in HOLIDAYS.glob("*.txt"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "2027.txt").write_text("year: 2027\nnotice: 通知\noff 2027-01-01 元旦\n",
                                       encoding="utf-8")
    reconfigure(app, TRACKER_HOLIDAYS_DIR=str(tmp_path))
    assert _clock(app).calendar.is_working_day(date(2027, 1, 4))
    folder_mtime = tmp_path.stat().st_mtime_ns
    # Edited in place: the folder does not change, the file's size and time do.
    (tmp_path / "2027.txt").write_text("year: 2027\nnotice: 通知\noff 2027-01-01 元旦\n"
                                       "off 2027-01-04 元旦\n", encoding="utf-8")
    assert tmp_path.stat().st_mtime_ns == folder_mtime
    monkeypatch.setattr(module, "FILES_RECHECK_SECONDS", 0.0)
    assert not _clock(app).calendar.is_working_day(date(2027, 1, 4))


@pytest.mark.parametrize("change", ["office_hours", "closures"])
def test_a_changed_configuration_builds_another_clock(app, change):
    first = _clock(app)
    if change == "office_hours":
        reconfigure(app, TRACKER_OFFICE_HOURS="09:00-12:00,13:00-17:00")
        assert _clock(app).working_day_length != first.working_day_length
    else:
        reconfigure(app, TRACKER_LOCAL_CLOSURES="2026-07-15:off:台风")
        assert not _clock(app).calendar.is_working_day(TYPHOON)
