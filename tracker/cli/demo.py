"""`flask --app tracker demo load`: users and a year of applications to try the product with."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..demo import DEMO_USERS, load_demo

demo_cli = AppGroup("demo", help="Demo data (演示数据).")


@demo_cli.command("load")
@click.option("--months", default=12, show_default=True, help="How many months of history.")
def load(months: int) -> None:
    """Create demo users and applications (does nothing to applications if some exist)."""
    created = load_demo(months=months)
    click.echo(f"demo applications created: {created}")
    for username, role, _dept, name, password in DEMO_USERS:
        click.echo(f"  {username:<9} {password:<20} {role.value:<10} {name}")
