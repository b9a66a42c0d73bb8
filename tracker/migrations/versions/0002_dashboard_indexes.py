"""indexes for the staff pages: open steps, and timers by kind of duty

Revision ID: 0002_dashboard_indexes
Revises: 0001
Create Date: 2026-11-22 00:30:00

My work and the dashboard read the open steps (a partial index: a few rows however long the
history) and the timers of one kind of duty by state and deadline or by completion.
"""
import sqlalchemy as sa
from alembic import op

revision = '0002_dashboard_indexes'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.create_index('ix_step_records_open', ['department_code', 'application_id'],
                              unique=False,
                              postgresql_where=sa.text("status IN ('ready', 'started')"),
                              sqlite_where=sa.text("status IN ('ready', 'started')"))
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.create_index('ix_sla_timers_kind_state_due', ['subject_type', 'state', 'due_at'],
                              unique=False)
        batch_op.create_index('ix_sla_timers_kind_completed', ['subject_type', 'completed_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_timers_kind_completed')
        batch_op.drop_index('ix_sla_timers_kind_state_due')
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.drop_index('ix_step_records_open',
                            postgresql_where=sa.text("status IN ('ready', 'started')"),
                            sqlite_where=sa.text("status IN ('ready', 'started')"))
