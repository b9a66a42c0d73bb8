"""Flow files → stored versions."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services.flows import current_versions, sync_flows

flows_cli = AppGroup("flows", help="Flow definitions (流程).")


@flows_cli.command("sync")
def sync() -> None:
    """Validate the flow files and store any changed one as a new version."""
    from ..services.reference import ensure_departments

    ensure_departments()
    for row in sync_flows():
        click.echo(f"stored flow {row.code} version {row.version}")
    for code, row in current_versions().items():
        click.echo(f"{code}: current version {row.version}")
