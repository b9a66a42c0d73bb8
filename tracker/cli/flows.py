"""Flow files → stored versions."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services.flows import current_versions, sync_flows
from ..services.reference import ensure_departments
from ..steps import FlowFileError

flows_cli = AppGroup("flows", help="Flow definitions (流程).")


@flows_cli.command("sync")
def sync() -> None:
    """Validate the flow files and store any changed one as a new version."""

    ensure_departments()
    try:
        created = sync_flows()
    except FlowFileError as exc:  # the message names the file and each bad field
        raise click.ClickException(str(exc)) from None
    for row in created:
        click.echo(f"stored flow {row.code} version {row.version}")
    for code, row in current_versions().items():
        click.echo(f"{code}: current version {row.version}")
