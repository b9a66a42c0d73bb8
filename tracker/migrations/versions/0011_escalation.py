"""escalation (电子监察): levels reached per duty, supervision notices (督办单) with their own
answer timer (a new timer subject), and the levels a user opted out of

Revision ID: 0011_escalation
Revises: 0010_owners
Create Date: 2026-12-01 19:00:00

`timer_subject` is an Enum stored as VARCHAR with a CHECK constraint (native_enum=False):
Alembic does not see the new member `supervision`, so the constraint is replaced by hand (in
batch mode on SQLite, which rebuilds the table), as 0006 did.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tracker.models.base import UTCDateTime

revision = '0011_escalation'
down_revision = '0010_owners'
branch_labels = None
depends_on = None

OLD_SUBJECTS = ('application', 'step', 'screening', 'callback', 'followup', 'problem',
                'materials', 'appointment')
NEW_SUBJECTS = OLD_SUBJECTS + ('supervision',)


def _subject_check(values):
    return "subject_type IN ({})".format(", ".join(f"'{v}'" for v in values))


def _replace_subject_check(values):
    # SQLite rebuilds sla_timers in batch mode; applications point at it, so the copy must not
    # trip their foreign keys (as in 0005 and 0006).
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sla_timers_timer_subject'), type_='check')
        batch_op.create_check_constraint(op.f('ck_sla_timers_timer_subject'),
                                         sa.text(_subject_check(values)))
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    _replace_subject_check(NEW_SUBJECTS)
    json_type = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')

    op.create_table(
        'escalation_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('timer_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('reached_at', UTCDateTime(), nullable=False),
        sa.Column('noticed_at', UTCDateTime(), nullable=False),
        sa.Column('recipients', json_type, nullable=False),
        sa.ForeignKeyConstraint(['timer_id'], ['sla_timers.id'],
                                name=op.f('fk_escalation_marks_timer_id_sla_timers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_marks')),
        sa.UniqueConstraint('timer_id', 'level', name=op.f('uq_escalation_marks_timer_id_level')),
    )
    with op.batch_alter_table('escalation_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_marks_timer_id'), ['timer_id'],
                              unique=False)

    op.create_table(
        'supervision_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('duty_timer_id', sa.Integer(), nullable=False),
        sa.Column('timer_id', sa.Integer(), nullable=True),
        sa.Column('application_id', sa.Integer(), nullable=True),
        sa.Column('department_code', sa.String(length=40), nullable=False),
        sa.Column('duty_label', sa.String(length=200), nullable=False),
        sa.Column('duty_due_at', UTCDateTime(), nullable=True),
        sa.Column('issued_at', UTCDateTime(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', UTCDateTime(), nullable=True),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['duty_timer_id'], ['sla_timers.id'],
                                name=op.f('fk_supervision_notices_duty_timer_id_sla_timers')),
        sa.ForeignKeyConstraint(['timer_id'], ['sla_timers.id'],
                                name=op.f('fk_supervision_notices_timer_id_sla_timers')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_supervision_notices_application_id_applications')),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'],
                                name=op.f('fk_supervision_notices_answered_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_notices')),
        sa.UniqueConstraint('duty_timer_id', name=op.f('uq_supervision_notices_duty_timer_id')),
        sa.UniqueConstraint('number', name=op.f('uq_supervision_notices_number')),
    )
    with op.batch_alter_table('supervision_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_notices_application_id'),
                              ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_notices_department_code'),
                              ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_notices_issued_at'), ['issued_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_notices_status'), ['status'],
                              unique=False)

    op.create_table(
        'escalation_optouts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_escalation_optouts_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_optouts')),
        sa.UniqueConstraint('user_id', 'level', name=op.f('uq_escalation_optouts_user_id_level')),
    )
    with op.batch_alter_table('escalation_optouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_optouts_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    op.drop_table('escalation_optouts')
    op.drop_table('supervision_notices')
    op.drop_table('escalation_marks')
    _replace_subject_check(OLD_SUBJECTS)
