"""row tallies kept by triggers: the exact totals of history-wide lists without a scan

Revision ID: 0022_tallies
Revises: 0021_report
Create Date: 2026-12-03 15:20:00

`row_tallies` (models.RowTally) holds signed counts of applications (by flow and status),
callbacks and follow-ups (by status). The database keeps it, by triggers, so that no write
path can forget it (the services, the platform intake, the importers, the benchmarks' bulk
inserts, a hand fix in psql):

- an insert adds +count per (part, status) — on PostgreSQL once per statement, from the
  statement's transition table (a bulk insert of 10,000 rows adds a handful of rows); on
  SQLite, which has no statement triggers, once per row;
- a change of status (or of an application's flow) adds -1 for the old and +1 for the new;
- a delete adds -1.

Rows are only ever added (never updated in place), so two writers never wait on the same
tally row: a counter updated in place would hold its row lock until the writer's commit and
serialise every create of a flow (what the numbering row did, issue 15). `services.tallies.fold`
sums them now and then. The tallies start from the tables' counts as they are now.
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_tallies'
down_revision = '0021_report'
branch_labels = None
depends_on = None

# subject, table, the column its part is, or None (the part is '')
TALLIED = (('applications', 'applications', 'flow_code'),
           ('callbacks', 'callbacks', None),
           ('follow_ups', 'follow_ups', None))


def _group(column):
    """GROUP BY the part and the status (PostgreSQL refuses a constant in GROUP BY)."""
    return f'{column}, status' if column else 'status'


def _part(column, row=None):
    if column is None:
        return "''"
    return f'{row}.{column}' if row else column


def _sqlite_triggers(subject, table, part):
    insert = ("INSERT INTO row_tallies (subject, part, status, n) "
              "VALUES ('{s}', {p}, {r}.status, {n});")
    changed = "OLD.status IS NOT NEW.status" + (
        f" OR OLD.{part} IS NOT NEW.{part}" if part else "")
    columns = "status" + (f", {part}" if part else "")
    return [
        f"CREATE TRIGGER tally_{table}_insert AFTER INSERT ON {table} FOR EACH ROW BEGIN "
        + insert.format(s=subject, p=_part(part, 'NEW'), r='NEW', n=1) + " END",
        f"CREATE TRIGGER tally_{table}_update AFTER UPDATE OF {columns} ON {table} "
        f"FOR EACH ROW WHEN {changed} BEGIN "
        + insert.format(s=subject, p=_part(part, 'OLD'), r='OLD', n=-1) + " "
        + insert.format(s=subject, p=_part(part, 'NEW'), r='NEW', n=1) + " END",
        f"CREATE TRIGGER tally_{table}_delete AFTER DELETE ON {table} FOR EACH ROW BEGIN "
        + insert.format(s=subject, p=_part(part, 'OLD'), r='OLD', n=-1) + " END",
    ]


def _postgresql_triggers(subject, table, part):
    added = (f"INSERT INTO row_tallies (subject, part, status, n) "
             f"SELECT '{subject}', {_part(part)}, status, count(*) FROM added "
             f"GROUP BY {_group(part)};")
    one = ("INSERT INTO row_tallies (subject, part, status, n) "
           "VALUES ('{s}', {p}, {r}.status, {n});")
    changed = "OLD.status IS DISTINCT FROM NEW.status" + (
        f" OR OLD.{part} IS DISTINCT FROM NEW.{part}" if part else "")
    columns = "status" + (f", {part}" if part else "")
    removed = one.format(s=subject, p=_part(part, 'OLD'), r='OLD', n=-1)
    put = one.format(s=subject, p=_part(part, 'NEW'), r='NEW', n=1)
    return [
        (f"CREATE FUNCTION tally_{table}_added() RETURNS trigger LANGUAGE plpgsql AS $$ "
         f"BEGIN {added} RETURN NULL; END $$"),
        (f"CREATE TRIGGER tally_{table}_insert AFTER INSERT ON {table} "
         f"REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
         f"EXECUTE FUNCTION tally_{table}_added()"),
        (f"CREATE FUNCTION tally_{table}_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
         f"BEGIN {removed} IF TG_OP = 'UPDATE' THEN {put} END IF; RETURN NULL; END $$"),
        # A row trigger with WHEN: an update that keeps the status (most: a step done, a
        # version bumped) does not even call the function.
        (f"CREATE TRIGGER tally_{table}_update AFTER UPDATE OF {columns} ON {table} "
         f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION tally_{table}_changed()"),
        (f"CREATE TRIGGER tally_{table}_delete AFTER DELETE ON {table} "
         f"FOR EACH ROW EXECUTE FUNCTION tally_{table}_changed()"),
    ]


def upgrade():
    op.create_table(
        'row_tallies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=20), nullable=False),
        sa.Column('part', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_row_tallies')),
    )
    op.create_index('ix_row_tallies_subject', 'row_tallies', ['subject', 'part', 'status'])
    bind = op.get_bind()
    # The counts as they are, then the triggers, in the migration's one transaction (on
    # PostgreSQL; SQLite's writer lock is held throughout): no write falls between.
    if bind.dialect.name == 'postgresql':
        for _, table, _ in TALLIED:
            bind.execute(sa.text(f'LOCK TABLE {table} IN SHARE MODE'))
    for subject, table, part in TALLIED:
        bind.execute(sa.text(
            f"INSERT INTO row_tallies (subject, part, status, n) "
            f"SELECT '{subject}', {_part(part)}, status, count(*) FROM {table} "
            f"GROUP BY {_group(part)}"))
        make = _postgresql_triggers if bind.dialect.name == 'postgresql' else _sqlite_triggers
        for statement in make(subject, table, part):
            bind.execute(sa.text(statement))


def downgrade():
    bind = op.get_bind()
    for _, table, _ in TALLIED:
        for what in ('insert', 'update', 'delete'):
            if bind.dialect.name == 'postgresql':
                bind.execute(sa.text(f'DROP TRIGGER IF EXISTS tally_{table}_{what} ON {table}'))
            else:
                bind.execute(sa.text(f'DROP TRIGGER IF EXISTS tally_{table}_{what}'))
        if bind.dialect.name == 'postgresql':
            bind.execute(sa.text(f'DROP FUNCTION IF EXISTS tally_{table}_added()'))
            bind.execute(sa.text(f'DROP FUNCTION IF EXISTS tally_{table}_changed()'))
    op.drop_index('ix_row_tallies_subject', table_name='row_tallies')
    op.drop_table('row_tallies')
