"""Who may take work: the one check of an owner's or an assignee's account (reads only)."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import WRITER_ROLES, User
from .errors import ValidationFailed

NO_SUCH_USER = "No such user."
CANNOT_TAKE_WORK = "This account cannot take work (disabled, or not a member of staff)."


def staff_error(username: str) -> tuple[User | None, str | None]:
    """The active member of staff named `username`, or why not (a msgid): a machine account,
    an auditor or a disabled account owns nothing and is given no duty."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        return None, NO_SUCH_USER
    if not user.active or user.role not in WRITER_ROLES:
        return None, CANNOT_TAKE_WORK
    return user, None


def staff_member(username: str, field: str) -> User:
    """The member of staff named `username`; a ValidationFailed at `field` otherwise."""
    user, problem = staff_error(username)
    if user is None:
        raise ValidationFailed(problem or NO_SUCH_USER, fields={field: [problem or NO_SUCH_USER]})
    return user


def owner_at_registration(username: str, actor: User | None
                          ) -> tuple[User | None, str | None]:
    """The owner of a new application (or why the one named cannot be): the person named,
    else the registering member of staff (a platform's machine account owns nothing; the
    clerk who screens its push is the actor who registers it)."""
    if username.strip():
        return staff_error(username)
    if actor is not None and actor.role in WRITER_ROLES:
        return actor, None
    return None, None


def staff() -> list[User]:
    """Every active member of staff (who may own an application or take a duty), by name."""
    return list(db.session.scalars(
        select(User).where(User.active.is_(True),
                           User.role.in_(sorted(WRITER_ROLES, key=lambda r: r.value)))
        .order_by(User.username)))
