"""代办: a duty done by a team lead or administrator on behalf of its responsible department."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, now_utc
from .users import User


class ProxyAct(db.Model):
    """One act done on another department's behalf (代办), with the reason the actor gave.

    `subject_type`/`subject_id` name the duty as the event log does (step, callback,
    follow_up, problem); `stage` is the step code or the problem stage.
    """

    __tablename__ = "proxy_acts"
    __table_args__ = (Index("ix_proxy_acts_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    department_code: Mapped[str] = mapped_column(String(40))  # whose duty it was
    reason: Mapped[str] = mapped_column(Text)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column()
    stage: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[str] = mapped_column(String(60))

    actor: Mapped[User] = relationship(lazy="joined")
