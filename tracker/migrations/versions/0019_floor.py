"""the overdue list's index covers the page's keys: timers' application and id added

Revision ID: 0019_floor
Revises: 0018_report
Create Date: 2026-12-02 03:45:00

`ix_sla_timers_running_or_late` held (subject_type, due_at, state, late): the overdue list's
page of keys (the application and timer ids of the first 50 by deadline) had to read every
overdue timer's row from the table, and PostgreSQL read them all (a bitmap heap scan of the
5,866 overdue timers among 100,000 applications, 13–17 ms, twice: the count and the page)
before it sorted them. With (subject_type, due_at, application_id, state, late, id) it reads
the index alone, in deadline order, and stops after the page (0.8 ms); the count reads the
index alone too. Same name, same predicate, same leading columns: every query the old index
served, this one serves. Plain indexes: no table is rebuilt, so SQLite needs no batch mode.
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_floor'
down_revision = '0018_report'
branch_labels = None
depends_on = None

NAME = 'ix_sla_timers_running_or_late'
POSTGRESQL_WHERE = "state = 'running' OR late IS true"
SQLITE_WHERE = "state = 'running' OR late IS 1"
OLD = ['subject_type', 'due_at', 'state', 'late']
NEW = ['subject_type', 'due_at', 'application_id', 'state', 'late', 'id']


def _replace(columns: list[str]) -> None:
    op.drop_index(NAME, table_name='sla_timers')
    op.create_index(NAME, 'sla_timers', columns, unique=False,
                    postgresql_where=sa.text(POSTGRESQL_WHERE),
                    sqlite_where=sa.text(SQLITE_WHERE))


def upgrade():
    _replace(NEW)


def downgrade():
    _replace(OLD)
