"""`flask --app tracker calendar show 2026-10` and `calendar due "2026-09-30 16:00" 1`."""
from __future__ import annotations

import calendar as month_grid
from datetime import date, datetime

import click
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from ..extensions import db
from ..jobs.calendar_sync import sync_calendar
from ..localtime import LOCAL
from ..services.app_clock import app_clock, configured_clock
from ..sla import WorkingClock

calendar_cli = AppGroup("calendar", help="The working-day calendar (工作日历).")

MARKS = {
    "working": " ",
    "weekend": "-",
    "holiday": "*",
    "makeup_working": "+",
    "closure": "!",
    "local_working": "+",
}
LEGEND = "  (blank) working day   - weekend   * holiday (day off)   + make-up working day   ! local closure"


def _parse_month(text: str) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in text.split("-"))
        date(year, month, 1)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a month like 2026-10") from None
    return year, month


def _parse_instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date and time like \"2026-09-30 16:00\"") from None
    return value if value.tzinfo else value.replace(tzinfo=LOCAL)


def _clock() -> WorkingClock:
    """The application's clock; before `db upgrade` (or with the database down) the one from
    configuration, saying so: checking a year's schedule needs no database."""
    try:
        return app_clock()
    except (OperationalError, ProgrammingError) as exc:
        db.session.rollback()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        click.echo(f"Note: the local closures stored in the database were not read ({reason}); "
                   "this uses the closures from configuration (TRACKER_LOCAL_CLOSURES) only. "
                   "Run `flask --app tracker db upgrade` to set the database up.", err=True)
        return configured_clock()


@calendar_cli.command("show")
@click.argument("month")
def show(month: str) -> None:
    """Print MONTH (YYYY-MM) with working days, days off and make-up days marked."""
    year, number = _parse_month(month)
    clock = _clock()
    cal = clock.calendar
    try:
        cal.is_working_day(date(year, number, 1))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{year}-{number:02d}  ({cal.source_of(year)})")
    if cal.is_provisional_year(year):
        click.echo("PROVISIONAL: no published schedule for this year; statutory holidays only.")
    click.echo(" Mon  Tue  Wed  Thu  Fri  Sat  Sun")
    notes = []
    for week in month_grid.Calendar().monthdayscalendar(year, number):
        cells = []
        for day in week:
            if day == 0:
                cells.append("    ")
                continue
            d = date(year, number, day)
            kind = cal.day_kind(d)
            cells.append(f"{day:3d}{MARKS[kind]}")
            if kind not in ("working", "weekend"):
                notes.append(f"{d.isoformat()} {kind.replace('_', ' ')}: {cal.describe(d) or ''}")
        click.echo(" ".join(cells))
    click.echo(LEGEND)
    working = sum(1 for day in range(1, month_grid.monthrange(year, number)[1] + 1)
                  if cal.is_working_day(date(year, number, day)))
    click.echo(f"working days: {working}")
    for note in notes:
        click.echo(note)


@calendar_cli.command("due", context_settings={"ignore_unknown_options": True})
@click.argument("start")
@click.argument("days", type=float)
def due(start: str, days: float) -> None:
    """Print the deadline of DAYS working days from START ("2026-09-30 16:00", Beijing time)."""
    if days < 0:
        raise click.BadParameter("the number of working days cannot be negative")
    instant = _parse_instant(start)
    clock = _clock()
    try:
        deadline = clock.add_working_days(instant, days)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    text = deadline.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    suffix = "  (provisional: depends on a year with no published schedule)" \
        if clock.is_provisional(instant, deadline) else ""
    click.echo(f"{text}{suffix}")


@calendar_cli.command("recompute")
def recompute() -> None:
    """Recompute every open deadline on the current calendar (after adding a holiday file)."""

    result = sync_calendar(force=True)
    if result.get("skipped"):
        raise click.ClickException("Another process is recomputing the calendar; try again.")
    click.echo(f"open deadlines checked: {result['checked']}, moved: {result['moved']}")
