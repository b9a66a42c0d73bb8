"""Command-line interface of the core: `flask --app tracker <group> <command>`. Features bring
their own groups (the factory lists them all)."""
from __future__ import annotations

from .calendar import calendar_cli
from .flows import flows_cli
from .jobs import jobs_cli
from .users import tokens_cli, users_cli

CORE_COMMANDS = [calendar_cli, flows_cli, users_cli, tokens_cli, jobs_cli]
