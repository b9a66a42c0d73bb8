"""Attachments (附件) stored in the database in chunks, and documents marked not applicable.

Files live in the database (see README "Attachments: where the files are"): one backup holds
the records and the files, every host sharing the PostgreSQL server sees the same files, and a
file is stored in the same transaction as its row, so nothing is ever half-stored. A file is
split into chunks of CHUNK_SIZE bytes so that neither an upload nor a download holds more than
one chunk in the worker's memory (a 5 MB bytea value would be held whole by the driver, twice
while decoded).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import User
from ..models.base import UTCDateTime, now_utc

CHUNK_SIZE = 256 * 1024


class Attachment(db.Model):
    """One stored file: who, when, its SHA-256 and its type read from its content.

    Never deleted: a replacement is a new row whose `replaces_id` names this one, and this one
    gets `replaced_at`; the history keeps both.
    """

    __tablename__ = "document_attachments"
    __table_args__ = (
        Index("ix_document_attachments_subject", "subject_type", "subject_id"),
        Index("ix_document_attachments_application_kind", "application_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    # What it belongs to: application (a step's document, a photo), callback, followup,
    # problem, supervision (督办 answers); stage: the problem stage or similar.
    subject_type: Mapped[str] = mapped_column(String(20), default="application")
    subject_id: Mapped[int | None]
    stage: Mapped[str] = mapped_column(String(40), default="")
    step_code: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(100), default="")  # a material's name, or a category
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("document_attachments.id"))
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    uploaded_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def current(self) -> bool:
        return self.replaced_at is None

    @property
    def chunks(self) -> int:
        return -(-self.size // CHUNK_SIZE)


class AttachmentChunk(db.Model):
    __tablename__ = "document_chunks"

    attachment_id: Mapped[int] = mapped_column(ForeignKey("document_attachments.id"),
                                               primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class MaterialWaiver(db.Model):
    """A required document marked 不适用 (not applicable) for one application, with a reason."""

    __tablename__ = "document_waivers"
    __table_args__ = (Index("ix_document_waivers_application", "application_id", "material"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    step_code: Mapped[str] = mapped_column(String(40))
    material: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waived_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    waived_by: Mapped[User | None] = relationship(lazy="joined")
