"""users: phone, e-mail, and a password that must be changed (after an administrator's reset)

Revision ID: 0009_work
Revises: 0008_idempotency
Create Date: 2026-12-01 15:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_work'
down_revision = '0008_idempotency'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('phone', sa.String(length=40), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('email', sa.String(length=200), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('must_change_password')
        batch.drop_column('email')
        batch.drop_column('phone')
