"""partial index of running or late timers: the overdue application list

Revision ID: 0003_overdue_index
Revises: 0002_dashboard_indexes
Create Date: 2026-11-22 01:00:00

GET /api/v1/applications?overdue=true (and the applications page) lists the application timers
that are running past their deadline or finished late, soonest deadline first. Without this
index both databases read every timer (steps, callbacks, history) to find them: about 0.5 s
among 100,000 applications on PostgreSQL (benchmarks/bench_api.py). The predicate is written
per dialect exactly as SQLAlchemy renders `late.is_(True)`, so that SQLite matches it; state
and late are in the index so that counting the overdue ones reads the index alone.
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_overdue_index'
down_revision = '0002_dashboard_indexes'
branch_labels = None
depends_on = None

POSTGRESQL_WHERE = "state = 'running' OR late IS true"
SQLITE_WHERE = "state = 'running' OR late IS 1"


def upgrade():
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.create_index('ix_sla_timers_running_or_late',
                              ['subject_type', 'due_at', 'state', 'late'], unique=False,
                              postgresql_where=sa.text(POSTGRESQL_WHERE),
                              sqlite_where=sa.text(SQLITE_WHERE))


def downgrade():
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_timers_running_or_late',
                            postgresql_where=sa.text(POSTGRESQL_WHERE),
                            sqlite_where=sa.text(SQLITE_WHERE))
