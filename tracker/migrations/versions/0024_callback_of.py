"""the month's callback figures from an index of callback timers by application

Revision ID: 0024_callback_of
Revises: 0023_late_tally
Create Date: 2026-12-03 15:50:00

`ix_sla_timers_callback_of` (application_id, state, late, id) WHERE subject_type =
'callback': services.figures.callback_counts meets the callback of each application finished
in the month from it alone. Through ix_sla_timers_application_id PostgreSQL read each such
application's eight timers to keep the callback one (11 ms of the callbacks page and of the
dashboard at 1M applications). A plain index: no table is rebuilt.
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_callback_of'
down_revision = '0023_late_tally'
branch_labels = None
depends_on = None

CALLBACK_TIMER_SQL = "subject_type = 'callback'"  # models.timers.CALLBACK_TIMER_SQL


def upgrade():
    op.create_index('ix_sla_timers_callback_of', 'sla_timers',
                    ['application_id', 'state', 'late', 'id'], unique=False,
                    postgresql_where=sa.text(CALLBACK_TIMER_SQL),
                    sqlite_where=sa.text(CALLBACK_TIMER_SQL))
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.execute(sa.text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar():
        bind.execute(sa.text('ANALYZE ix_sla_timers_callback_of'))


def downgrade():
    op.drop_index('ix_sla_timers_callback_of', table_name='sla_timers')
