"""a fair clock: scoped pauses, partial-day closures, the 容缺 materials duty

Revision ID: 0005_fair_clock
Revises: 0003_overdue_index
Create Date: 2026-12-01 10:00:00

* pauses.step_code, stops_application, stopped_steps: what a pause stops is fixed when it is
  recorded. Every pause recorded before stopped every clock of its application, so existing
  rows get stops_application = true and stopped_steps = ["*"]: their deadlines do not move.
* local_closures.start_time, end_time: a closure may cover part of a day (typhoon from 14:00).
* sla_timers.subject_type gains 'materials' (容缺受理: the promised date is a duty of its own).
  The enum is stored with a CHECK constraint, which autogenerate does not see: it is
  replaced by hand. On SQLite batch mode recreates the table, which other tables reference
  (applications.timer_id): foreign keys are switched off around it (first, before any write,
  since SQLite ignores the pragma inside a transaction) and back on after.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005_fair_clock'
down_revision = '0003_overdue_index'
branch_labels = None
depends_on = None

OLD_SUBJECTS = ('application', 'step', 'screening', 'callback', 'followup', 'problem')
NEW_SUBJECTS = OLD_SUBJECTS + ('materials',)


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def _subjects_check(values):
    listed = ", ".join(f"'{v}'" for v in values)
    return f"subject_type IN ({listed})"


def _foreign_keys(on: bool) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.drop_constraint('timer_subject', type_='check')
        batch_op.create_check_constraint('timer_subject', _subjects_check(NEW_SUBJECTS))

    with op.batch_alter_table('pauses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('stops_application', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('stopped_steps', _json(), nullable=True))
    pauses = sa.table('pauses', sa.column('stops_application', sa.Boolean()),
                      sa.column('stopped_steps', _json()))
    op.execute(pauses.update().values(stops_application=True, stopped_steps=['*']))
    with op.batch_alter_table('pauses', schema=None) as batch_op:
        batch_op.alter_column('stops_application', existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column('stopped_steps', existing_type=_json(), nullable=False)

    with op.batch_alter_table('local_closures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_time', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('end_time', sa.Time(), nullable=True))
    _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    op.execute("DELETE FROM sla_timers WHERE subject_type = 'materials'")
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.drop_constraint('timer_subject', type_='check')
        batch_op.create_check_constraint('timer_subject', _subjects_check(OLD_SUBJECTS))
    with op.batch_alter_table('local_closures', schema=None) as batch_op:
        batch_op.drop_column('end_time')
        batch_op.drop_column('start_time')
    with op.batch_alter_table('pauses', schema=None) as batch_op:
        batch_op.drop_column('stopped_steps')
        batch_op.drop_column('stops_application')
        batch_op.drop_column('step_code')
    _foreign_keys(True)
