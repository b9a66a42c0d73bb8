"""the dashboard's running duties from an index of running timers

Revision ID: 0026_dashboard
Revises: 0025_mywork
Create Date: 2026-12-04 19:10:00

`ix_sla_timers_running` (subject_type, due_at, application_id) WHERE state = 'running':
services.dashboard counts the applications with an overdue duty (a running timer of one kind
due by now) from it alone. PostgreSQL answered it from ix_sla_timers_running_or_late, which
also holds every late timer of the history, so the step part read the history's late steps
(64 ms at 1M applications). A plain index: no table is rebuilt.
"""
import sqlalchemy as sa
from alembic import op

revision = '0026_dashboard'
down_revision = '0025_mywork'
branch_labels = None
depends_on = None

RUNNING_TIMER_SQL = "state = 'running'"  # models.timers.RUNNING_TIMER_SQL


def upgrade():
    op.create_index('ix_sla_timers_running', 'sla_timers',
                    ['subject_type', 'due_at', 'application_id'], unique=False,
                    postgresql_where=sa.text(RUNNING_TIMER_SQL),
                    sqlite_where=sa.text(RUNNING_TIMER_SQL))
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.execute(sa.text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar():
        bind.execute(sa.text('ANALYZE ix_sla_timers_running'))


def downgrade():
    op.drop_index('ix_sla_timers_running', table_name='sla_timers')
