"""Adding next year's holiday file turns provisional deadlines final and recomputes them."""
import shutil
from pathlib import Path

from sqlalchemy import select

from tests.fixtures.app import local
from tracker.extensions import db
from tracker.models import Event, SlaTimer
from tracker.services import applications as apps
from tracker.settings import reconfigure

HOLIDAYS = Path(__file__).resolve().parents[2] / "tracker" / "sla" / "holidays"


def _whole_timer(number):
    app = apps.get_application(number)
    return db.session.get(SlaTimer, app.timer_id)


def test_new_year_file_recomputes_open_deadlines_once(app, make_user, frozen, tmp_path):
    from tracker.jobs.calendar_sync import sync_calendar

    for path in HOLIDAYS.glob("*.txt"):
        shutil.copy(path, tmp_path / path.name)
    reconfigure(app, TRACKER_HOLIDAYS_DIR=str(tmp_path))
    user_id, _ = make_user("clerk")
    frozen(local(2026, 12, 31, 16, 0))
    with app.app_context():
        assert sync_calendar() == {"changed": True, "moved": 0, "checked": 0}
        from tracker.models import User

        clerk = db.session.get(User, user_id)
        number = apps.create_application(apps.NewApplication(flow="211", customer_name="胶州某厂"),
                                         clerk).number
        timer = _whole_timer(number)
        # 1 Jan 2027 is a statutory holiday, 2–3 Jan a weekend: provisional until published.
        assert timer.due_at == local(2027, 1, 4, 16, 0)
        assert timer.provisional
        assert sync_calendar() == {"changed": False}

    # The (here invented) 2027 notice gives 4 January off as well.
    (tmp_path / "2027.txt").write_text(
        "year: 2027\nnotice: 国务院办公厅关于2027年部分节假日安排的通知\n"
        "off 2027-01-01 元旦\noff 2027-01-04 元旦\n", encoding="utf-8")
    with app.app_context():
        result = sync_calendar()
        assert result["changed"] and result["moved"] >= 1
        timer = _whole_timer(number)
        assert timer.due_at == local(2027, 1, 5, 16, 0)
        assert not timer.provisional
        moved = db.session.scalars(select(Event).where(
            Event.action == "deadline.moved", Event.application_id == timer.application_id,
            Event.data["timer"].as_integer() == timer.id)).all()
        assert len(moved) == 1
        # the event says why: the holiday files the clock was rebuilt from (issue 12)
        assert moved[0].data["cause"]["kind"] == "calendar"
        assert "2027.txt" in moved[0].data["cause"]["files"]
        assert sync_calendar() == {"changed": False}


def test_recompute_command(app, runner):
    result = runner.invoke(args=["calendar", "recompute"])
    assert result.exit_code == 0, result.output
    assert "open deadlines checked: 0, moved: 0" in result.output


def test_a_new_year_file_is_read_without_a_restart(app, tmp_path):
    """What README, its Chinese quick start and the holidays folder's README say: the running
    app reads a new file at once (the open deadlines are the scheduler's, above)."""
    from datetime import date

    from tracker.services.app_clock import app_clock

    for path in HOLIDAYS.glob("*.txt"):
        shutil.copy(path, tmp_path / path.name)
    reconfigure(app, TRACKER_HOLIDAYS_DIR=str(tmp_path))
    with app.app_context():
        assert app_clock().calendar.is_provisional_year(2027)
        assert app_clock().calendar.is_working_day(date(2027, 1, 4))
    (tmp_path / "2027.txt").write_text(
        "year: 2027\nnotice: 国务院办公厅关于2027年部分节假日安排的通知\n"
        "off 2027-01-01 元旦\noff 2027-01-04 元旦\n", encoding="utf-8")
    with app.app_context():  # the next request of the same process
        assert not app_clock().calendar.is_provisional_year(2027)
        assert not app_clock().calendar.is_working_day(date(2027, 1, 4))
