"""Who may take work: the one check of an owner's or an assignee's account (reads only)."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..i18n import pick
from ..models import WRITER_ROLES, Department, User
from .errors import ValidationFailed
from .plain_reads import plain_rows

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


_STAFF = (User.active.is_(True), User.role.in_(sorted(WRITER_ROLES, key=lambda r: r.value)))


def staff() -> list[User]:
    """Every active member of staff (who may own an application or take a duty), by name."""
    return list(db.session.scalars(select(User).where(*_STAFF).order_by(User.username)))


# staff()'s people, only what a list of names shows; built once (issue 15: building the
# select cost as much as running it).
_STAFF_NAMES = (select(User.username, User.display_name, Department.name_zh,
                       Department.name_en)
                .outerjoin(Department, Department.id == User.department_id)
                .where(*_STAFF).order_by(User.username))


def staff_names(lang: str) -> list[tuple[str, str, str | None]]:
    """staff() as (username, label, department name or None) in `lang`, the same people in
    the same order, read as plain rows (a page's owner select: no User objects loaded)."""
    return [(row.username, row.display_name or row.username,  # User.label
             None if row.name_zh is None else pick(row.name_zh, row.name_en, lang))
            for row in plain_rows(_STAFF_NAMES)]
