"""My work's "mine" from indexes of the open duties

Revision ID: 0025_mywork
Revises: 0024_callback_of
Create Date: 2026-12-04 19:00:00

services.work reads "mine" as its two disjoint halves: the open duties given to the person
(`ix_sla_timers_assigned_open`: assignee_id, due_at WHERE the timer is running or paused)
and the open duties nobody has on the applications the person owns. Before, the OR of both
joined every open timer to its application (16 + 12 ms of SQL at 1M applications). Plain
indexes: no table is rebuilt (the tally triggers stay).
"""
import sqlalchemy as sa
from alembic import op

revision = '0025_mywork'
down_revision = '0024_callback_of'
branch_labels = None
depends_on = None

OPEN_TIMER_SQL = "state IN ('running', 'paused')"  # models.timers.OPEN_TIMER_SQL


def upgrade():
    op.create_index('ix_sla_timers_assigned_open', 'sla_timers', ['assignee_id', 'due_at'],
                    unique=False, postgresql_where=sa.text(OPEN_TIMER_SQL),
                    sqlite_where=sa.text(OPEN_TIMER_SQL))


def downgrade():
    op.drop_index('ix_sla_timers_assigned_open', table_name='sla_timers')
