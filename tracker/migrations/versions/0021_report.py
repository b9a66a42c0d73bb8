"""the monthly report's step figures read from an index alone

Revision ID: 0021_report
Revises: 0020_scale
Create Date: 2026-12-02 18:20:00

`ix_sla_timers_kind_completed` (subject_type, completed_at) gains the columns the report's
step figures group and count (state, flow, step, department, late): the month's finished step
timers, a quarter of a million rows in a 50,000-application month, are then counted from the
index without a read of each row. Its leading columns are unchanged, so every query that used
it still does. Plain index operations: no table is rebuilt, so SQLite needs no batch mode.
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_report'
down_revision = '0020_scale'
branch_labels = None
depends_on = None

NAME = 'ix_sla_timers_kind_completed'
BEFORE = ['subject_type', 'completed_at']
AFTER = BEFORE + ['state', 'flow_code', 'step_code', 'department_code', 'late']


def _restat() -> None:
    """SQLite: dropping the index dropped its statistics; a database that has them (ANALYZE
    was run) gets the new index's too, or the planner, seeing one index without statistics,
    reads the step timers of a few applications through ix_sla_timers_kind_due (every step
    timer) instead of by application. A database without statistics stays without."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return  # PostgreSQL keeps statistics per column: the index needs none of its own
    if bind.execute(sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
                    ).scalar():
        bind.execute(sa.text(f'ANALYZE {NAME}'))


def upgrade():
    op.drop_index(NAME, table_name='sla_timers')
    op.create_index(NAME, 'sla_timers', AFTER, unique=False)
    _restat()


def downgrade():
    op.drop_index(NAME, table_name='sla_timers')
    op.create_index(NAME, 'sla_timers', BEFORE, unique=False)
    _restat()
