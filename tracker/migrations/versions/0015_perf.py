"""cancelled applications close their steps (a `cancelled` step status, the old ones closed);
indexes for the monthly report's month queries; the dashboard's figures shared by the workers

Revision ID: 0015_perf
Revises: 0014_duties
Create Date: 2026-12-01 18:40:00

Before this, cancelling an application left its unfinished steps "ready" or "started" for
ever, so the open-steps partial index (`ix_step_records_open`) held every step a cancelled
application never reached and every count of open steps had to join the applications to
leave them out. `step_status` is an Enum stored as VARCHAR with a CHECK constraint
(native_enum=False): Alembic does not see the new member, so the constraint is replaced here
by hand (batch mode on SQLite, which rebuilds the table).

The monthly report reads one month: `ix_applications_completed` (its completions) and
`ix_sla_timers_kind_due` (the duties due within the month, whatever their state) let it read
only that month's rows (without them PostgreSQL scanned every application and every timer).

`dashboard_snapshots` holds the dashboard's figures as last computed, with a lease, so that one
worker recomputes them after a change while the others serve the ones before.

Downgrading puts the closed steps back as they were left before: "started" where they had
been started, otherwise "ready" (the step a cancelled application never reached was
"waiting" or "ready"; both mean only "not done", and nothing reads them any more).
"""
import sqlalchemy as sa
from alembic import op

from tracker.models.base import UTCDateTime

revision = '0015_perf'
down_revision = '0014_duties'
branch_labels = None
depends_on = None

OLD_STATUSES = ('waiting', 'ready', 'started', 'done', 'skipped')
NEW_STATUSES = OLD_STATUSES + ('cancelled',)
OPEN_STEP = "status IN ('ready', 'started')"


def _status_check(values):
    return "status IN ({})".format(", ".join(f"'{v}'" for v in values))


def _replace_status_check(values):
    sqlite = op.get_bind().dialect.name == 'sqlite'
    # The partial index is dropped and made again around the rebuild rather than trusting
    # batch mode to copy its WHERE clause.
    op.drop_index('ix_step_records_open', table_name='step_records')
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_step_records_step_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_step_records_step_status'),
                                         sa.text(_status_check(values)))
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")
    op.create_index('ix_step_records_open', 'step_records', ['department_code', 'application_id'],
                    unique=False, postgresql_where=sa.text(OPEN_STEP),
                    sqlite_where=sa.text(OPEN_STEP))


def close_cancelled_steps(connection) -> int:
    """Close the unfinished steps of every cancelled application; how many were closed.

    The same rule as `cancel_application` today (waiting, ready or started → cancelled); a
    function of its own so that a test can run it on rows left the old way."""
    result = connection.execute(sa.text(
        "UPDATE step_records SET status = 'cancelled', version_id = version_id + 1 "
        "WHERE status IN ('waiting', 'ready', 'started') AND application_id IN "
        "(SELECT id FROM applications WHERE status = 'cancelled')"))
    return result.rowcount


def upgrade():
    _replace_status_check(NEW_STATUSES)
    close_cancelled_steps(op.get_bind())
    op.create_index('ix_applications_completed', 'applications', ['completed_at'], unique=False)
    op.create_index('ix_sla_timers_kind_due', 'sla_timers', ['subject_type', 'due_at'],
                    unique=False)
    op.create_table(
        'dashboard_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('board_key', sa.String(length=80), nullable=False),
        sa.Column('board', sa.LargeBinary(), nullable=True),
        sa.Column('computed_at', UTCDateTime(), nullable=True),
        sa.Column('lease_until', UTCDateTime(), nullable=True),
        sa.Column('recomputes', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_snapshots')),
    )


def downgrade():
    op.drop_table('dashboard_snapshots')
    op.drop_index('ix_sla_timers_kind_due', table_name='sla_timers')
    op.drop_index('ix_applications_completed', table_name='applications')
    op.execute("UPDATE step_records SET status = CASE WHEN started_at IS NULL THEN 'ready' "
               "ELSE 'started' END WHERE status = 'cancelled'")
    _replace_status_check(OLD_STATUSES)
