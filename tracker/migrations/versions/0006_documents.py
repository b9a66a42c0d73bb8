"""documents and the customer's view: attachments in chunks, waivers, online appointments,
public rate counters; the appointment duty as a timer subject

Revision ID: 0006_documents
Revises: 0005_fair_clock
Create Date: 2026-12-01 10:00:00

`timer_subject` is an Enum stored as VARCHAR with a CHECK constraint (native_enum=False):
Alembic does not see a new member, so the constraint is replaced here by hand (in batch mode
on SQLite, which rebuilds the table).
"""
import sqlalchemy as sa
from alembic import op

from tracker.models.base import UTCDateTime

revision = '0006_documents'
down_revision = '0005_fair_clock'
branch_labels = None
depends_on = None

OLD_SUBJECTS = ('application', 'step', 'screening', 'callback', 'followup', 'problem',
                'materials')
NEW_SUBJECTS = OLD_SUBJECTS + ('appointment',)


def _subject_check(values):
    return "subject_type IN ({})".format(", ".join(f"'{v}'" for v in values))


def _replace_subject_check(values):
    # SQLite rebuilds sla_timers in batch mode; applications point at it, so the copy must not
    # trip their foreign keys (as in 0005).
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sla_timers_timer_subject'), type_='check')
        batch_op.create_check_constraint(op.f('ck_sla_timers_timer_subject'),
                                         sa.text(_subject_check(values)))
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    _replace_subject_check(NEW_SUBJECTS)

    op.create_table(
        'document_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=True),
        sa.Column('subject_type', sa.String(length=20), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('stage', sa.String(length=40), nullable=False),
        sa.Column('step_code', sa.String(length=40), nullable=True),
        sa.Column('kind', sa.String(length=100), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', UTCDateTime(), nullable=False),
        sa.Column('replaces_id', sa.Integer(), nullable=True),
        sa.Column('replaced_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_document_attachments_application_id_applications')),
        sa.ForeignKeyConstraint(['replaces_id'], ['document_attachments.id'],
                                name=op.f('fk_document_attachments_replaces_id_document_attachments')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_document_attachments_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_attachments')),
    )
    with op.batch_alter_table('document_attachments', schema=None) as batch_op:
        batch_op.create_index('ix_document_attachments_application_kind',
                              ['application_id', 'kind'], unique=False)
        batch_op.create_index('ix_document_attachments_subject', ['subject_type', 'subject_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_document_attachments_sha256'), ['sha256'],
                              unique=False)

    op.create_table(
        'document_chunks',
        sa.Column('attachment_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['attachment_id'], ['document_attachments.id'],
                                name=op.f('fk_document_chunks_attachment_id_document_attachments')),
        sa.PrimaryKeyConstraint('attachment_id', 'seq', name=op.f('pk_document_chunks')),
    )

    op.create_table(
        'document_waivers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('step_code', sa.String(length=40), nullable=False),
        sa.Column('material', sa.String(length=100), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('waived_by_id', sa.Integer(), nullable=True),
        sa.Column('waived_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_document_waivers_application_id_applications')),
        sa.ForeignKeyConstraint(['waived_by_id'], ['users.id'],
                                name=op.f('fk_document_waivers_waived_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_waivers')),
    )
    with op.batch_alter_table('document_waivers', schema=None) as batch_op:
        batch_op.create_index('ix_document_waivers_application', ['application_id', 'material'],
                              unique=False)

    op.create_table(
        'appointments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('customer_type', sa.String(length=20), nullable=False),
        sa.Column('customer_name', sa.String(length=200), nullable=False),
        sa.Column('contact_name', sa.String(length=100), nullable=False),
        sa.Column('contact_phone', sa.String(length=40), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('preferred_at', UTCDateTime(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('received_at', UTCDateTime(), nullable=False),
        sa.Column('answered_at', UTCDateTime(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('decline_reason', sa.Text(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=True),
        sa.Column('timer_id', sa.Integer(), nullable=True),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'],
                                name=op.f('fk_appointments_answered_by_id_users')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_appointments_application_id_applications')),
        sa.ForeignKeyConstraint(['timer_id'], ['sla_timers.id'],
                                name=op.f('fk_appointments_timer_id_sla_timers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
        sa.UniqueConstraint('application_id', name=op.f('uq_appointments_application_id')),
        sa.UniqueConstraint('number', name=op.f('uq_appointments_number')),
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointments_status'), ['status'], unique=False)

    op.create_table(
        'public_rate_counters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('window_start', UTCDateTime(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_rate_counters')),
        sa.UniqueConstraint('key', 'window_start',
                            name=op.f('uq_public_rate_counters_key_window_start')),
    )
    with op.batch_alter_table('public_rate_counters', schema=None) as batch_op:
        batch_op.create_index('ix_public_rate_counters_window', ['window_start'], unique=False)


def downgrade():
    with op.batch_alter_table('public_rate_counters', schema=None) as batch_op:
        batch_op.drop_index('ix_public_rate_counters_window')
    op.drop_table('public_rate_counters')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_status'))
    op.drop_table('appointments')
    with op.batch_alter_table('document_waivers', schema=None) as batch_op:
        batch_op.drop_index('ix_document_waivers_application')
    op.drop_table('document_waivers')
    op.drop_table('document_chunks')
    with op.batch_alter_table('document_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_attachments_sha256'))
        batch_op.drop_index('ix_document_attachments_subject')
        batch_op.drop_index('ix_document_attachments_application_kind')
    op.drop_table('document_attachments')
    _replace_subject_check(OLD_SUBJECTS)
