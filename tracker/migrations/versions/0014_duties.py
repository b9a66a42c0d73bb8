"""separation of duties and the problem library of seed 000 六: 代办 acts, 下达, findings

Revision ID: 0014_duties
Revises: 0013_assessment
Create Date: 2026-12-01 19:00:00
"""
import sqlalchemy as sa
from alembic import op

from tracker.models.base import UTCDateTime

revision = '0014_duties'
down_revision = '0013_assessment'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'proxy_acts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('department_code', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('subject_type', sa.String(length=20), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=40), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_proxy_acts_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proxy_acts')))
    op.create_index('ix_proxy_acts_subject', 'proxy_acts', ['subject_type', 'subject_id'])
    op.create_table(
        'problem_findings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('problem_id', sa.Integer(), nullable=False),
        sa.Column('department_code', sa.String(length=40), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('points', sa.Float(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('recorded_at', UTCDateTime(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['problem_id'], ['problems.id'],
                                name=op.f('fk_problem_findings_problem_id_problems')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_problem_findings_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_findings')))
    with op.batch_alter_table('problem_findings') as batch:
        batch.create_index(batch.f('ix_problem_findings_problem_id'), ['problem_id'])
        batch.create_index(batch.f('ix_problem_findings_department_code'), ['department_code'])
        batch.create_index(batch.f('ix_problem_findings_year'), ['year'])
    with op.batch_alter_table('problems') as batch:
        batch.add_column(sa.Column('issued_at', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('issued_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_problems_issued_by_id_users'), 'users',
                                 ['issued_by_id'], ['id'])
    # Problems registered before 下达 was recorded started their verification when reported:
    # that was their issue, so their clocks stay as they ran.
    op.execute("UPDATE problems SET issued_at = reported_at")


def downgrade():
    with op.batch_alter_table('problems') as batch:
        batch.drop_constraint('fk_problems_issued_by_id_users', type_='foreignkey')
        batch.drop_column('issued_by_id')
        batch.drop_column('issued_at')
    op.drop_table('problem_findings')
    op.drop_index('ix_proxy_acts_subject', table_name='proxy_acts')
    op.drop_table('proxy_acts')
