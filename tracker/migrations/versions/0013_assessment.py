"""the assessment office: the `assessor` role; the assessment's review, items and appeals

Revision ID: 0013_assessment
Revises: 0012_attribution
Create Date: 2026-12-01 18:45:00

`user_role` is an Enum stored as VARCHAR with a CHECK constraint (native_enum=False): Alembic
does not see a new member, so the constraint is replaced here by hand (in batch mode on
SQLite, which rebuilds the table).
"""
import sqlalchemy as sa
from alembic import op

from tracker.models.base import UTCDateTime

revision = '0013_assessment'
down_revision = '0012_attribution'
branch_labels = None
depends_on = None

OLD_ROLES = ('clerk', 'engineer', 'team_lead', 'admin', 'auditor', 'platform')
NEW_ROLES = OLD_ROLES + ('assessor',)


def _role_check(values):
    return "role IN ({})".format(", ".join(f"'{v}'" for v in values))


def _replace_role_check(values):
    # SQLite rebuilds users in batch mode; many tables point at it, so the copy must not trip
    # their foreign keys (as 0005 and 0006 do for sla_timers).
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_user_role'), sa.text(_role_check(values)))
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    _replace_role_check(NEW_ROLES)
    op.create_table(
        'assessment_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('issued_version', sa.Integer(), nullable=True),
        sa.Column('issued_at', UTCDateTime(), nullable=True),
        sa.Column('changed_since_issue', sa.Boolean(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_assessment_reviews_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_reviews')),
        sa.UniqueConstraint('month', name=op.f('uq_assessment_reviews_month')),
    )
    op.create_table(
        'assessment_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('item_key', sa.String(length=300), nullable=False),
        sa.Column('points', sa.Float(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('appeal_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_assessment_decisions_decided_by_id_users')),
        sa.ForeignKeyConstraint(['review_id'], ['assessment_reviews.id'],
                                name=op.f('fk_assessment_decisions_review_id_assessment_reviews')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_decisions')),
        sa.UniqueConstraint('review_id', 'item_key',
                            name=op.f('uq_assessment_decisions_review_id_item_key')),
    )
    op.create_index(op.f('ix_assessment_decisions_review_id'), 'assessment_decisions',
                    ['review_id'], unique=False)
    op.create_table(
        'assessment_manual_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=40), nullable=False),
        sa.Column('department_code', sa.String(length=40), nullable=False),
        sa.Column('points', sa.Float(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_assessment_manual_items_created_by_id_users')),
        sa.ForeignKeyConstraint(
            ['review_id'], ['assessment_reviews.id'],
            name=op.f('fk_assessment_manual_items_review_id_assessment_reviews')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_manual_items')),
    )
    op.create_index(op.f('ix_assessment_manual_items_review_id'), 'assessment_manual_items',
                    ['review_id'], unique=False)
    op.create_table(
        'assessment_appeals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('item_key', sa.String(length=300), nullable=False),
        sa.Column('report_version', sa.Integer(), nullable=False),
        sa.Column('department_code', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('filed_by_id', sa.Integer(), nullable=True),
        sa.Column('filed_at', UTCDateTime(), nullable=False),
        sa.Column('deadline', UTCDateTime(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('outcome_points', sa.Float(), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_assessment_appeals_decided_by_id_users')),
        sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'],
                                name=op.f('fk_assessment_appeals_filed_by_id_users')),
        sa.ForeignKeyConstraint(['review_id'], ['assessment_reviews.id'],
                                name=op.f('fk_assessment_appeals_review_id_assessment_reviews')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_appeals')),
    )
    op.create_index(op.f('ix_assessment_appeals_review_id'), 'assessment_appeals',
                    ['review_id'], unique=False)
    op.create_index(op.f('ix_assessment_appeals_department_code'), 'assessment_appeals',
                    ['department_code'], unique=False)
    op.create_index(op.f('ix_assessment_appeals_state'), 'assessment_appeals', ['state'],
                    unique=False)


def downgrade():
    op.drop_table('assessment_appeals')
    op.drop_table('assessment_manual_items')
    op.drop_table('assessment_decisions')
    op.drop_table('assessment_reviews')
    # An assessor account cannot be stored under the old constraint: it becomes an auditor
    # (read-only), never deleted.
    op.execute("UPDATE users SET role = 'auditor' WHERE role = 'assessor'")
    _replace_role_check(OLD_ROLES)
