"""People, departments, roles and API tokens."""
from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..i18n import pick
from .base import UTCDateTime, now_utc


class Role(str, enum.Enum):
    """What a user may do; `platform` is a machine account for government-platform pushes."""

    CLERK = "clerk"
    ENGINEER = "engineer"
    TEAM_LEAD = "team_lead"
    ADMIN = "admin"
    AUDITOR = "auditor"
    PLATFORM = "platform"
    # The assessment office (人力资源中心/督查办, seed 003 五(六)/(七)): sees every figure, reviews,
    # issues and decides appeals on the monthly assessment; completes no step.
    ASSESSOR = "assessor"


WRITER_ROLES = frozenset({Role.CLERK, Role.ENGINEER, Role.TEAM_LEAD, Role.ADMIN})
MANAGER_ROLES = frozenset({Role.TEAM_LEAD, Role.ADMIN})
# Who reviews, issues and decides appeals on the monthly assessment: the assessment office
# alone (an administrator belongs to a department that is assessed).
ASSESSOR_ROLES = frozenset({Role.ASSESSOR})


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    def name(self, lang: str) -> str:
        return pick(self.name_zh, self.name_en, lang)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", native_enum=False, create_constraint=True, length=20,
             values_callable=lambda e: [m.value for m in e])
    )
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Set by an administrator's reset (a one-time password): the next log-in asks for a new one.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Named by every signed-in cookie (get_id); moved on by log-out, a new password and
    # disabling, which ends every session issued before.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    department: Mapped[Department | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: what the session cookie holds
        return f"{self.id}.{self.session_generation or 0}"

    @validates("password_hash", "active")
    def _end_sessions_on_change(self, key: str, value: Any) -> Any:
        """A new password or disabling the account signs out every session issued before."""
        if self.id is not None and (key == "password_hash" or value is False) \
                and value != getattr(self, key):
            self.session_generation = (self.session_generation or 0) + 1
        return value

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES

    @property
    def is_assessor(self) -> bool:
        return self.role in ASSESSOR_ROLES

    @property
    def label(self) -> str:
        return self.display_name or self.username


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        """A new token row and the plain token (to show once)."""
        plain = "wt_" + secrets.token_urlsafe(32)
        return cls(user=user, name=name, token_hash=cls.hash(plain), prefix=plain[:10]), plain
