"""the assessment office: the `assessor` role

Revision ID: 0013_assessment
Revises: 0009_work
Create Date: 2026-12-01 18:45:00

`user_role` is an Enum stored as VARCHAR with a CHECK constraint (native_enum=False): Alembic
does not see a new member, so the constraint is replaced here by hand (in batch mode on
SQLite, which rebuilds the table).
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_assessment'
down_revision = '0009_work'
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


def downgrade():
    # An assessor account cannot be stored under the old constraint: it becomes an auditor
    # (read-only), never deleted.
    op.execute("UPDATE users SET role = 'auditor' WHERE role = 'assessor'")
    _replace_role_check(OLD_ROLES)
