"""Every Enum column stored with a CHECK constraint allows, in the migrated database, exactly
the members of its Python enum. Adding a member (a new kind of timer subject, say) without a
hand-written migration that changes the constraint fails here, not at the first insert:
`flask db check` does not compare CHECK constraints."""
from __future__ import annotations

import re

import sqlalchemy as sa

from tracker.extensions import db


def enum_columns() -> list[tuple[str, str, str, set[str]]]:
    """(table, column, constraint name, allowed values) of every constrained Enum column."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            if isinstance(kind, sa.Enum) and kind.create_constraint and not kind.native_enum:
                found.append((table.name, column.name, kind.name, set(kind.enums)))
    return found


def constraint_values(table: str, name: str) -> set[str] | None:
    """The values the CHECK constraint ck_<table>_<name> allows in the migrated database."""
    constraint = f"ck_{table}_{name}"
    if db.engine.dialect.name == "postgresql":
        text = db.session.scalar(sa.text(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid WHERE c.conname = :name AND t.relname = :table"),
            {"name": constraint, "table": table})
    else:
        sql = db.session.scalar(sa.text(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :table"),
            {"table": table})
        match = re.search(rf'CONSTRAINT "?{constraint}"? CHECK \((.*?)\)\s*(?:,|\)\s*$)',
                          sql or "", re.DOTALL)
        text = match.group(1) if match else None
    return None if text is None else set(re.findall(r"'([^']*)'", text))


def test_every_constrained_enum_matches_its_constraint(app, ctx):
    columns = enum_columns()
    assert {c[2] for c in columns} >= {"timer_subject", "timer_state", "user_role", "app_status",
                                       "step_status", "channel", "customer_type"}
    mismatched = {}
    for table, column, name, members in columns:
        allowed = constraint_values(table, name)
        if allowed != members:
            mismatched[f"{table}.{column}"] = {"model": sorted(members),
                                               "database": sorted(allowed or [])}
    assert mismatched == {}


def test_a_member_the_database_does_not_allow_is_caught(app, ctx):
    """The comparison itself: a member added to the model but not to the constraint shows."""
    table, _column, name, members = next(c for c in enum_columns() if c[2] == "timer_subject")
    assert constraint_values(table, name) == members
    assert constraint_values(table, name) != members | {"document"}
