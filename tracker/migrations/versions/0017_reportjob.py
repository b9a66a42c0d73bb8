"""report builds: a long download of the monthly report built by the job, with its progress,
its file kept in chunks

Revision ID: 0017_reportjob
Revises: 0016_work
Create Date: 2026-12-01 22:00:00

`report_builds.state` and `.kind` are Enums stored as VARCHAR with CHECK constraints
(native_enum=False), created with the table. The partial unique index on `key` over queued
and running builds is what lets two requests for the same download share one build.
"""
import sqlalchemy as sa
from alembic import op

from tracker.models.base import UTCDateTime

revision = '0017_reportjob'
down_revision = '0016_work'
branch_labels = None
depends_on = None

ACTIVE = "state IN ('queued', 'running')"


def upgrade():
    op.create_table(
        'report_builds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('kind', sa.Enum('xlsx', 'csv', 'json', name='build_kind', native_enum=False,
                                  create_constraint=True, length=10), nullable=False),
        sa.Column('csv_table', sa.String(length=20), nullable=False),
        sa.Column('lang', sa.String(length=5), nullable=False),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='build_state',
                                   native_enum=False, create_constraint=True, length=10),
                  nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=False),
        sa.Column('stamp', sa.BigInteger(), nullable=True),
        sa.Column('filename', sa.String(length=120), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', UTCDateTime(), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=True),
        sa.Column('heartbeat_at', UTCDateTime(), nullable=True),
        sa.Column('finished_at', UTCDateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('claimed_by', sa.String(length=80), nullable=False),
        sa.CheckConstraint('progress >= 0 AND progress <= 100',
                           name=op.f('ck_report_builds_progress_range')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_report_builds_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_builds')),
    )
    with op.batch_alter_table('report_builds', schema=None) as batch_op:
        batch_op.create_index('uq_report_builds_active_key', ['key'], unique=True,
                              postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
        batch_op.create_index('ix_report_builds_state', ['state', 'id'], unique=False)
        batch_op.create_index('ix_report_builds_key_finished', ['key', 'finished_at'],
                              unique=False)

    op.create_table(
        'report_build_chunks',
        sa.Column('build_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['build_id'], ['report_builds.id'],
                                name=op.f('fk_report_build_chunks_build_id_report_builds')),
        sa.PrimaryKeyConstraint('build_id', 'seq', name=op.f('pk_report_build_chunks')),
    )


def downgrade():
    op.drop_table('report_build_chunks')
    with op.batch_alter_table('report_builds', schema=None) as batch_op:
        batch_op.drop_index('ix_report_builds_key_finished')
        batch_op.drop_index('ix_report_builds_state')
        batch_op.drop_index('uq_report_builds_active_key')
    op.drop_table('report_builds')
