"""The monthly report from the command line: export, issue, list versions."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..errors import translate
from ..extensions import db
from ..models import User
from ..services.errors import DomainError
from ..services.flows import ensure_synced
from ..services.months import parse_month
from .csvfile import render_csv
from .html import render_html
from .issuance import get_issued, issue_monthly_report, list_issued, report_data
from .xlsx import render_xlsx

report_cli = AppGroup("report", help="Monthly overdue report (月度超时报告).")


def _fail(exc: DomainError) -> click.ClickException:
    return click.ClickException(translate(exc.message, exc.params))


@report_cli.command("monthly")
@click.argument("month")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "html", "json"]),
              default="xlsx", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write ('-' or none: standard output; required for xlsx).")
@click.option("--live", is_flag=True, help="Compute now even if the month was issued.")
@click.option("--version", "version", type=int, default=None, help="An issued version.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--table", type=click.Choice(["overdue", "flows", "steps", "points"]),
              default="overdue", show_default=True, help="CSV only: which table.")
def monthly(month: str, fmt: str, output: str | None, live: bool, version: int | None,
            lang: str, table: str) -> None:
    """Export MONTH (YYYY-MM): the latest issued version, or live figures if none is issued."""

    if live and version is not None:
        raise click.UsageError("--live and --version exclude each other")
    ensure_synced()
    try:
        parsed = parse_month(month)
        data = report_data(parsed, version=version, live=live)
    except DomainError as exc:
        raise _fail(exc) from None
    if fmt == "xlsx":
        if not output:
            raise click.UsageError("an XLSX workbook needs -o FILE")
        issued = None if live else get_issued(parsed, version)
        # An issued version's workbook is the one stored when it was issued (Chinese).
        content = issued.xlsx if issued is not None and issued.xlsx and lang == "zh" \
            else render_xlsx(data, lang)
    elif fmt == "csv":
        content = render_csv(data, table, lang)
    elif fmt == "html":
        content = render_html(data, lang).encode("utf-8")
    else:
        content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    if not output or output == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    Path(output).write_bytes(content)
    source = f"issued version {data['issue']['version']}" if data.get("issue") else "live figures"
    click.echo(f"{output}: {parsed.label} ({source}), {len(data['overdue'])} overdue, "
               f"{data['points']['total']:g} points", err=True)


@report_cli.command("issue")
@click.argument("month")
@click.option("--user", "username", default=None, help="Issued by this user (default: system).")
def issue(month: str, username: str | None) -> None:
    """Issue MONTH as a new version (keeps earlier versions)."""

    actor = None
    if username:
        actor = db.session.scalar(select(User).where(User.username == username))
        if actor is None:
            raise click.ClickException(f"Unknown user {username!r}.")
    try:
        row = issue_monthly_report(month, actor)
    except DomainError as exc:
        raise _fail(exc) from None
    click.echo(f"{row.month}: issued version {row.version}, {len(row.data['overdue'])} overdue, "
               f"{row.data['points']['total']:g} points")


@report_cli.command("list")
@click.argument("month", required=False)
def list_versions(month: str | None) -> None:
    """Issued versions (all months, or one)."""
    ensure_synced()

    try:
        rows = list_issued(month)
    except DomainError as exc:
        raise _fail(exc) from None
    for row in rows:
        by = db.session.get(User, row.issued_by_id).label if row.issued_by_id else "scheduler"
        click.echo(f"{row.month} v{row.version}  {row.issued_at.astimezone().isoformat(timespec='minutes')}"
                   f"  {by}")
