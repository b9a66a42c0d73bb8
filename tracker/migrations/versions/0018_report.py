"""indexes for the monthly report: it reads the month's rows by key and by date only

Revision ID: 0018_report
Revises: 0017_reportjob
Create Date: 2026-12-01 22:20:00

The report reads the month's duties due (ix_sla_timers_kind_due) and completions
(ix_applications_completed), then what belongs to them by key: the step records of those
timers (`step_records.timer_id`, not indexed before, so PostgreSQL scanned every step record).
The assessment and the after-care figures read the rows dated in the month: pauses begun
(`pauses.started_at`), callbacks answered (`callbacks.done_at`), evaluations
(`evaluations.evaluated_at`) and home visits opened (`follow_ups.created_at`). Plain indexes:
no table is rebuilt, so SQLite needs no batch mode.
"""
from alembic import op

revision = '0018_report'
down_revision = '0017_reportjob'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_step_records_timer_id', 'step_records', 'timer_id'),
    ('ix_pauses_started_at', 'pauses', 'started_at'),
    ('ix_callbacks_done_at', 'callbacks', 'done_at'),
    ('ix_evaluations_evaluated_at', 'evaluations', 'evaluated_at'),
    ('ix_follow_ups_created_at', 'follow_ups', 'created_at'),
)


def upgrade():
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade():
    for name, table, _column in reversed(INDEXES):
        op.drop_index(name, table_name=table)
