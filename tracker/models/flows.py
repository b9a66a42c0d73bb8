"""Stored flow versions: what an application was started under never changes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, UTCDateTime, now_utc


class FlowVersion(db.Model):
    __tablename__ = "flow_versions"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        UniqueConstraint("code", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    current: Mapped[bool] = mapped_column(default=True)


class NumberSequence(db.Model):
    """Per flow and year counter behind application numbers like 201-2026-000123."""

    __tablename__ = "number_sequences"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
