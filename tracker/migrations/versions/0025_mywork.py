"""My work's "mine" from indexes of the open duties

Revision ID: 0025_mywork
Revises: 0024_callback_of
Create Date: 2026-12-04 19:00:00

services.work reads "mine" as its two disjoint halves. The open duties given to the person:
`ix_sla_timers_assigned_open` (assignee_id, due_at, state, id WHERE open and not the
whole-application clock; through ix_sla_timers_assignee_id PostgreSQL read every callback the
clerk ever had). The open duties nobody has on the applications the person owns:
`ix_sla_timers_unassigned_open` (application_id, … WHERE also unassigned) merged, in
application order, with the person's applications from `ix_applications_owner` (owner_id,
id; it replaces ix_applications_owner_id) from the oldest application with such a duty on.
Before, the OR of both joined every open timer to its application (16 + 12 ms of SQL at 1M
applications). `ix_sla_timers_open` (a department's open timers) also holds state, kind and
id, so a department's page keys and count are read from the index alone (1.9 + 1.2 ms at
1M, 0.5 + 0.1 after). Plain indexes: no table is rebuilt (the tally triggers stay).
"""
import sqlalchemy as sa
from alembic import op

revision = '0025_mywork'
down_revision = '0024_callback_of'
branch_labels = None
depends_on = None

# models.timers.OPEN_DUTY_SQL and UNASSIGNED_DUTY_SQL
OPEN_TIMER_SQL = "state IN ('running', 'paused')"  # models.timers.OPEN_TIMER_SQL
OPEN_DUTY_SQL = f"{OPEN_TIMER_SQL} AND subject_type <> 'application'"
UNASSIGNED_DUTY_SQL = f"{OPEN_DUTY_SQL} AND assignee_id IS NULL"


def upgrade():
    op.create_index('ix_sla_timers_assigned_open', 'sla_timers',
                    ['assignee_id', 'due_at', 'state', 'id'], unique=False,
                    postgresql_where=sa.text(OPEN_DUTY_SQL), sqlite_where=sa.text(OPEN_DUTY_SQL))
    op.create_index('ix_sla_timers_unassigned_open', 'sla_timers',
                    ['application_id', 'due_at', 'state', 'id'], unique=False,
                    postgresql_where=sa.text(UNASSIGNED_DUTY_SQL),
                    sqlite_where=sa.text(UNASSIGNED_DUTY_SQL))
    op.create_index('ix_applications_owner', 'applications', ['owner_id', 'id'], unique=False)
    op.drop_index('ix_applications_owner_id', table_name='applications')
    _open_index(['department_code', 'due_at', 'state', 'subject_type', 'id'])
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.execute(sa.text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar():
        for name in ('ix_sla_timers_assigned_open', 'ix_sla_timers_unassigned_open',
                     'ix_applications_owner', 'ix_sla_timers_open'):
            bind.execute(sa.text(f'ANALYZE {name}'))


def _open_index(columns):
    op.drop_index('ix_sla_timers_open', table_name='sla_timers')
    op.create_index('ix_sla_timers_open', 'sla_timers', columns, unique=False,
                    postgresql_where=sa.text(OPEN_TIMER_SQL),
                    sqlite_where=sa.text(OPEN_TIMER_SQL))


def downgrade():
    _open_index(['department_code', 'due_at'])
    op.create_index('ix_applications_owner_id', 'applications', ['owner_id'], unique=False)
    op.drop_index('ix_applications_owner', table_name='applications')
    op.drop_index('ix_sla_timers_unassigned_open', table_name='sla_timers')
    op.drop_index('ix_sla_timers_assigned_open', table_name='sla_timers')
