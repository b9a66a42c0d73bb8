"""Background jobs from the command line: the scheduler process, one-off runs, the outbox."""
from __future__ import annotations

import logging
import signal
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from ..errors import translate
from ..jobs.delivery import deliver_pending
from ..jobs.scheduler import build_scheduler
from ..jobs.watcher import run_watcher
from ..services.app_clock import now as clock_now
from ..services.errors import DomainError
from ..services.flows import ensure_synced
from ..services.notifications import list_outbox, outbox_counts
from ..services.notifications import retry as retry_one

jobs_cli = AppGroup("jobs", help="Background jobs: SLA watcher, notifications, monthly report (后台任务).")


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("give an ISO time with its offset, e.g. 2026-10-08T16:00+08:00")
    if value.tzinfo is None:
        raise click.BadParameter("give the offset too, e.g. 2026-10-08T16:00+08:00")
    return value


@jobs_cli.command("run")
def run() -> None:
    """Run the scheduler in this process until stopped (the production scheduler process)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    ensure_synced()  # the jobs read flows: store the flow files once, at start-up
    scheduler = build_scheduler(app, BlockingScheduler)

    def stop(signum, _frame):
        click.echo(f"signal {signum}: stopping the scheduler")
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    click.echo("scheduler running: " + ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@jobs_cli.command("watch")
@click.option("--at", "at", default=None, help="Pretend it is this instant (ISO, with offset).")
def watch(at: str | None) -> None:
    """Run the SLA watcher once."""

    result = run_watcher(_instant(at))
    if result.skipped:
        click.echo("another watcher is running; nothing done")
    else:
        click.echo(f"warnings: {result.warnings}, overdue: {result.overdue}, "
                   f"notifications queued: {result.queued}")


@jobs_cli.command("deliver")
def deliver() -> None:
    """Send the notifications that are due, once."""

    result = deliver_pending()
    if result.skipped:
        click.echo("another deliverer is running; nothing done")
    else:
        click.echo(f"sent: {result.sent}, to retry: {result.retrying}, failed: {result.failed}")


@jobs_cli.command("outbox")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed"]),
              default=None, help="Only notifications in this state.")
@click.option("--limit", default=50, show_default=True)
def outbox(status: str | None, limit: int) -> None:
    """List notifications, newest first, with their last error."""

    counts = outbox_counts()
    click.echo("  ".join(f"{name}: {count}" for name, count in counts.items()))
    for row in list_outbox(status, limit):
        when = row.next_attempt_at.astimezone().strftime("%Y-%m-%d %H:%M")
        click.echo(f"#{row.id} [{row.status}] {row.channel} {row.target} attempts={row.attempts} "
                   f"next={when} {row.subject}")
        if row.last_error:
            click.echo(f"    last error: {row.last_error}")


@jobs_cli.command("retry")
@click.argument("notification_ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Retry every failed notification.")
def retry(notification_ids: tuple[int, ...], all_failed: bool) -> None:
    """Send failed notifications again."""

    ids = list(notification_ids)
    if all_failed:
        ids += [row.id for row in list_outbox("failed", limit=100000)]
    if not ids:
        raise click.UsageError("give notification ids or --all-failed")
    for notification_id in ids:
        try:
            retry_one(notification_id, None, clock_now())
        except DomainError as exc:

            raise click.ClickException(translate(exc.message, exc.params)) from None
        click.echo(f"#{notification_id}: queued again")
