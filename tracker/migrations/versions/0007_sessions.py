"""sessions that end server-side: users.session_generation

Revision ID: 0007_sessions
Revises: 0006_documents
Create Date: 2026-12-01 14:30:00

* users.session_generation: every signed-in cookie names the generation it was issued in;
  logging out, changing the password or disabling the account moves it on, so a copy of an
  older cookie no longer signs anybody in. Existing rows start at 0 (cookies issued before
  this migration name no generation and are refused: everybody logs in once more).
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_sessions'
down_revision = '0006_documents'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
