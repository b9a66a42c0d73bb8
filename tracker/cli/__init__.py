"""Command-line interface: `flask --app tracker <group> <command>`."""
from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from .calendar import calendar_cli
    from .demo import demo_cli
    from .evaluations import evaluations_cli
    from .flows import flows_cli
    from .jobs import jobs_cli
    from .report import report_cli
    from .users import tokens_cli, users_cli

    for group in (calendar_cli, demo_cli, evaluations_cli, flows_cli, users_cli, tokens_cli,
                  jobs_cli, report_cli):
        app.cli.add_command(group)
