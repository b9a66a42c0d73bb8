"""step_records.backdated (补录) and callbacks.assigned_department (责成相关部门处理)

Revision ID: 0012_attribution
Revises: 0009_work
Create Date: 2026-12-01 19:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_attribution'
down_revision = '0009_work'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('step_records') as batch:
        batch.add_column(sa.Column('backdated', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table('callbacks') as batch:
        batch.add_column(sa.Column('assigned_department', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('callbacks') as batch:
        batch.drop_column('assigned_department')
    with op.batch_alter_table('step_records') as batch:
        batch.drop_column('backdated')
