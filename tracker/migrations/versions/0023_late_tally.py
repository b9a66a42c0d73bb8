"""the applications finished late, tallied by triggers: the overdue list's total

Revision ID: 0023_late_tally
Revises: 0022_tallies
Create Date: 2026-12-03 15:45:00

The overdue list's total is the running applications past their deadline (the open set: a
few thousand rows of `ix_sla_timers_running_or_late`) plus the applications finished late:
every one in the history (48,781 index entries read, ~20 ms, at 1M applications). The
second is now the tally `late_applications` in `row_tallies`, kept as 0022's are: +1 when an
application's own timer becomes done and late (or is inserted so), -1 when it stops being
so or is deleted. Rows are only added; `services.tallies.fold` sums them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_late_tally'
down_revision = '0022_tallies'
branch_labels = None
depends_on = None

LATE = "{r}.subject_type = 'application' AND {r}.state = 'done' AND {r}.late"
PUT = ("INSERT INTO row_tallies (subject, part, status, n) "
       "VALUES ('late_applications', '', 'late', {n});")


def _late(row, dialect):
    condition = LATE.format(r=row)
    # SQLite keeps booleans as 0/1: `late` alone is its truth; PostgreSQL needs no cast.
    return f"({condition})" if dialect == 'postgresql' else f"({condition} = 1)"


def _sqlite():
    before, after = _late('OLD', 'sqlite'), _late('NEW', 'sqlite')
    return [
        (f"CREATE TRIGGER tally_late_insert AFTER INSERT ON sla_timers FOR EACH ROW "
         f"WHEN {after} BEGIN {PUT.format(n=1)} END"),
        (f"CREATE TRIGGER tally_late_update AFTER UPDATE OF subject_type, state, late "
         f"ON sla_timers FOR EACH ROW WHEN {before} IS NOT {after} "
         f"BEGIN {PUT.format(n=f'CASE WHEN {after} THEN 1 ELSE -1 END')} END"),
        (f"CREATE TRIGGER tally_late_delete AFTER DELETE ON sla_timers FOR EACH ROW "
         f"WHEN {before} BEGIN {PUT.format(n=-1)} END"),
    ]


def _postgresql():
    before, after = _late('OLD', 'postgresql'), _late('NEW', 'postgresql')
    added = ("INSERT INTO row_tallies (subject, part, status, n) "
             "SELECT 'late_applications', '', 'late', count(*) FROM added "
             f"WHERE {LATE.format(r='added')} HAVING count(*) > 0;")
    return [
        (f"CREATE FUNCTION tally_late_added() RETURNS trigger LANGUAGE plpgsql AS $$ "
         f"BEGIN {added} RETURN NULL; END $$"),
        # Once per statement over its transition table: a timer insert (every step started)
        # adds a row only when it holds an application's finished-late timer.
        ("CREATE TRIGGER tally_late_insert AFTER INSERT ON sla_timers "
         "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
         "EXECUTE FUNCTION tally_late_added()"),
        (f"CREATE FUNCTION tally_late_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
         f"BEGIN IF TG_OP = 'UPDATE' AND {after} THEN {PUT.format(n=1)} "
         f"ELSE {PUT.format(n=-1)} END IF; RETURN NULL; END $$"),
        # WHEN: only a change of membership calls the function (most timer updates do not).
        (f"CREATE TRIGGER tally_late_update AFTER UPDATE OF subject_type, state, late "
         f"ON sla_timers FOR EACH ROW WHEN ({before} IS DISTINCT FROM {after}) "
         f"EXECUTE FUNCTION tally_late_changed()"),
        (f"CREATE TRIGGER tally_late_delete AFTER DELETE ON sla_timers FOR EACH ROW "
         f"WHEN {before} EXECUTE FUNCTION tally_late_changed()"),
    ]


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    if postgresql:
        bind.execute(sa.text('LOCK TABLE sla_timers IN SHARE MODE'))
    bind.execute(sa.text(
        "INSERT INTO row_tallies (subject, part, status, n) "
        "SELECT 'late_applications', '', 'late', count(*) FROM sla_timers "
        f"WHERE {_late('sla_timers', bind.dialect.name)}"))
    for statement in (_postgresql() if postgresql else _sqlite()):
        bind.execute(sa.text(statement))


def downgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    for what in ('insert', 'update', 'delete'):
        on = ' ON sla_timers' if postgresql else ''
        bind.execute(sa.text(f'DROP TRIGGER IF EXISTS tally_late_{what}{on}'))
    if postgresql:
        bind.execute(sa.text('DROP FUNCTION IF EXISTS tally_late_added()'))
        bind.execute(sa.text('DROP FUNCTION IF EXISTS tally_late_changed()'))
    bind.execute(sa.text("DELETE FROM row_tallies WHERE subject = 'late_applications'"))
