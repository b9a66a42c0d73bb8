"""owners and assignees: applications.owner_id (客户代表 / 首问负责人), sla_timers.assignee_id

Revision ID: 0010_owners
Revises: 0009_work
Create Date: 2026-12-01 18:40:00

Both nullable: applications registered before have no owner (a team lead names one), and
a duty nobody has picked up belongs to its department.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_owners'
down_revision = '0009_work'
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    # SQLite's batch mode copies sla_timers into a new table and drops the old one, which the
    # applications and step records point at: the drop fails while foreign keys are enforced.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    with op.batch_alter_table('applications') as batch:
        batch.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_applications_owner_id_users', 'users', ['owner_id'], ['id'])
        batch.create_index('ix_applications_owner_id', ['owner_id'])
    with op.batch_alter_table('sla_timers') as batch:
        batch.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_sla_timers_assignee_id_users', 'users', ['assignee_id'],
                                 ['id'])
        batch.create_index('ix_sla_timers_assignee_id', ['assignee_id'])
    _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table('sla_timers') as batch:
        batch.drop_index('ix_sla_timers_assignee_id')
        batch.drop_constraint('fk_sla_timers_assignee_id_users', type_='foreignkey')
        batch.drop_column('assignee_id')
    with op.batch_alter_table('applications') as batch:
        batch.drop_index('ix_applications_owner_id')
        batch.drop_constraint('fk_applications_owner_id_users', type_='foreignkey')
        batch.drop_column('owner_id')
    _foreign_keys(True)
