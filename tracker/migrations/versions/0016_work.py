"""assessment appeals as duties: the `appeal` timer subject (decided by the assessment office);
steps shared by departments until one takes them: step_records.shared_with

Revision ID: 0016_work
Revises: 0015_perf
Create Date: 2026-12-01 22:00:00

`timer_subject` is an Enum stored as VARCHAR with a CHECK constraint (native_enum=False):
Alembic does not see the new member, so the constraint is replaced here by hand (batch mode on
SQLite, which rebuilds the table). An appeal's timer starts when it is filed; appeals filed
before this revision have none (the assessment came in the same round, none is in use).
`ix_sla_timers_open` (department, deadline; running or paused only) serves My work and the
dashboard's department figures: a department's open duties are a few rows, however many
finished callbacks it has (at 100,000 applications the count of customer service's open duties
read 100,000 timers).

`step_records.shared_with` (",code,code,") names the other departments that may take a step
until one of them starts it (the flow file's `shared_with`): the meter entry of flow 201,
procurement's and the meter verification station's (003 五（六）3). The steps of that kind not
started yet are given it here, as the flow file now says.

Downgrading removes the appeals' timers (the appeals keep their rows; the code before has no
use for the timers and the old constraint refuses them).
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_work'
down_revision = '0015_perf'
branch_labels = None
depends_on = None

OLD_SUBJECTS = ('application', 'step', 'screening', 'callback', 'followup', 'problem',
                'materials', 'appointment', 'supervision')
NEW_SUBJECTS = OLD_SUBJECTS + ('appeal',)


def _subject_check(values):
    return "subject_type IN ({})".format(", ".join(f"'{v}'" for v in values))


def _replace_subject_check(values):
    # SQLite rebuilds sla_timers in batch mode; applications point at it, so the copy must not
    # trip their foreign keys (as in 0005).
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sla_timers_timer_subject'), type_='check')
        batch_op.create_check_constraint(op.f('ck_sla_timers_timer_subject'),
                                         sa.text(_subject_check(values)))
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")


OPEN_TIMER_SQL = "state IN ('running', 'paused')"


def upgrade():
    _replace_subject_check(NEW_SUBJECTS)
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.create_index('ix_sla_timers_open', ['department_code', 'due_at'], unique=False,
                              postgresql_where=sa.text(OPEN_TIMER_SQL),
                              sqlite_where=sa.text(OPEN_TIMER_SQL))
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_with', sa.String(length=200), nullable=False,
                                      server_default=''))
    op.execute("UPDATE step_records SET shared_with = ',meter_station,' "
               "WHERE code = 'meter_stock_entry' AND department_code = 'procurement' "
               "AND status IN ('waiting', 'ready') AND timer_id IS NULL")


def downgrade():
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_timers_open', postgresql_where=sa.text(OPEN_TIMER_SQL),
                            sqlite_where=sa.text(OPEN_TIMER_SQL))
    # SQLite rebuilds step_records to drop the column; nothing must trip over the copy.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.drop_column('shared_with')
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")
    op.execute("DELETE FROM sla_timers WHERE subject_type = 'appeal'")
    _replace_subject_check(OLD_SUBJECTS)
