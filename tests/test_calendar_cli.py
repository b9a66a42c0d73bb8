"""The calendar commands a utility administrator uses to check a year's schedule."""
import pytest


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["calendar", *args])

    return invoke


def test_show_marks_national_day_and_makeup_day(cli):
    result = cli("show", "2026-10")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "国务院办公厅关于2026年部分节假日安排的通知" in lines[0]
    grid = "\n".join(lines[:8])
    assert "  1*" in grid and "  7*" in grid  # 1–7 Oct off
    assert "  8 " in grid  # back to work on the 8th
    assert " 10+" in grid  # Saturday 10 Oct is a make-up working day
    assert "working days: 18" in result.output
    assert "2026-10-10 makeup working" in result.output


def test_show_unpublished_year_says_provisional(cli):
    result = cli("show", "2027-02")
    assert result.exit_code == 0
    assert "PROVISIONAL" in result.output
    assert "2027-02-05 holiday" in result.output  # 除夕 2027


def test_due_national_day_example(cli):
    result = cli("due", "2026-09-30 16:00", "1")
    assert result.exit_code == 0
    assert result.output.strip() == "2026-10-08 16:00"


def test_due_half_day_over_weekend(cli):
    result = cli("due", "2026-11-20 17:00", "0.5")
    assert result.output.strip() == "2026-11-23 11:45"


def test_due_into_unpublished_year_is_flagged(cli):
    # 2027 is predicted: 春节 from 除夕 (5 Feb) to 13 Feb, Sunday 14 Feb made up (调休上班)
    result = cli("due", "2027-02-04 16:00", "1")
    assert result.output.startswith("2027-02-14 16:00")
    assert "provisional" in result.output


@pytest.mark.parametrize("args, message", [
    (("due", "2026-13-30 16:00", "1"), "is not a date and time"),
    (("due", "2026-09-30 16:00", "-1"), "cannot be negative"),
    (("show", "2026-13"), "is not a month"),
    (("show", "oct"), "is not a month"),
    (("show", "2150-01"), "2150"),
])
def test_bad_input_is_refused_with_the_reason(cli, args, message):
    result = cli(*args)
    assert result.exit_code != 0
    assert message in result.output


@pytest.fixture
def unmigrated(tmp_path):
    """An app on a SQLite file never migrated (a fresh install before `db upgrade`), with a
    closure in its configuration; its engine is disposed afterwards."""
    from tests.fixtures.app import make_app
    from tracker.extensions import db

    app = make_app(f"sqlite:///{tmp_path / 'fresh.db'}",
                   TRACKER_LOCAL_CLOSURES="2026-10-08:off:台风停工")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(("args", "expected"), [
    (("show", "2026-10"), "2026-10-08 closure: 台风停工"),
    (("due", "2026-09-30 16:00", "1"), "2026-10-09 16:00"),  # the closed 8th skipped too
])
def test_calendar_commands_work_before_the_database_is_set_up(unmigrated, args, expected):
    import sqlalchemy as sa

    from tracker.extensions import db

    result = unmigrated.test_cli_runner().invoke(args=["calendar", *args])
    assert result.exit_code == 0, result.output
    assert expected in result.stdout
    assert "local closures stored in the database were not read" in result.stderr
    assert "TRACKER_LOCAL_CLOSURES" in result.stderr
    with unmigrated.app_context():
        assert sa.inspect(db.engine).get_table_names() == []  # nothing was created
