"""indexes for pages at scale: trigram search (PostgreSQL), callbacks and follow-ups done
newest first, My work's waiting steps

Revision ID: 0020_scale
Revises: 0019_floor
Create Date: 2026-12-02 03:30:00

- Search (`services.search.contains_text`, `ILIKE '%term%'`): on PostgreSQL a GIN trigram index
  (pg_trgm's `gin_trgm_ops`, which serves ILIKE with a leading wildcard) on each column the
  application list searches, so a search reads the matching rows, not every application
  (199x the log-in page at 100k applications). pg_trgm ships with PostgreSQL (contrib) and is a
  trusted extension (PostgreSQL 13+): the database's owner may create it. Where it is not
  available the indexes are left out and search stays a scan (slow, still right). SQLite keeps
  its scan: LIKE with a leading wildcard has no index there, and SQLite serves small offices.
- The callbacks list (`aftercare.queries._open_first`): the open ones by deadline, then the
  others newest first. `ix_callbacks_closed` / `ix_follow_ups_closed` (id, partial: not open)
  give those others in id order and their count without reading the open ones or the rows.
- My work's steps waiting to be started (`services.work._waiting_steps`: open, no clock yet):
  `ix_step_records_waiting`, partial. Without it PostgreSQL ANDed the open-steps index with
  every step record that never had a clock (`timer_id IS NULL`: 10,000 rows at 100k
  applications, growing with the history) to find none or a few.
Plain indexes: no table is rebuilt, so SQLite needs no batch mode.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_scale'
down_revision = '0019_floor'
branch_labels = None
depends_on = None

# The columns services.queries searches (the application list's text filter).
SEARCHED = ('number', 'customer_name', 'contact_name', 'contact_phone', 'address')
NOT_OPEN = "status <> 'open'"  # as aftercare.queries.OPEN writes it (a literal)
# models.applications.OPEN_STEP_SQL and no clock, as services.work._waiting_steps asks it
WAITING_STEP = "status IN ('ready', 'started') AND timer_id IS NULL"


def _trigram_index(column: str) -> str:
    return f'ix_applications_trgm_{column}'


def _has_trigrams(bind) -> bool:
    """pg_trgm is installed now, or can be (shipped with this server)."""
    return bind.execute(sa.text(
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar() > 0


def upgrade():
    bind = op.get_bind()
    for table in ('callbacks', 'follow_ups'):
        op.create_index(f'ix_{table}_closed', table, ['id'], unique=False,
                        postgresql_where=sa.text(NOT_OPEN), sqlite_where=sa.text(NOT_OPEN))
    op.create_index('ix_step_records_waiting', 'step_records', ['application_id'], unique=False,
                    postgresql_where=sa.text(WAITING_STEP), sqlite_where=sa.text(WAITING_STEP))
    if bind.dialect.name != 'postgresql' or not _has_trigrams(bind):
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for column in SEARCHED:
        op.create_index(_trigram_index(column), 'applications', [column], unique=False,
                        postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        # The extension stays: other databases' objects or an administrator may use it.
        for column in reversed(SEARCHED):
            op.execute(f'DROP INDEX IF EXISTS {_trigram_index(column)}')
    op.drop_index('ix_step_records_waiting', table_name='step_records')
    for table in ('follow_ups', 'callbacks'):
        op.drop_index(f'ix_{table}_closed', table_name=table)
