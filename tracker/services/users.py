"""User administration (用户管理): accounts, passwords, lock-outs and API tokens.

Used by the admin pages and the `flask users` commands alike. Disabling an account and a
new password move `User.session_generation` on (the model's validates hook), so every session
of that user ends at once; unlocking clears the log-in lock-out's count.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..models import ApiToken, Department, Role, User
from ..phone import phone_error
from ..text import unstorable
from . import events
from .app_clock import now
from .errors import NotFound, ValidationFailed
from .transaction import transactional

MIN_PASSWORD = 8
# Letters and digits that cannot be mistaken for one another when read out or copied.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class Account:
    """What an administrator sets on an account."""

    role: str
    department: str | None = None
    display_name: str = ""
    phone: str = ""
    email: str = ""


def all_users() -> list[User]:
    """Every person's account (machine accounts too), by user name."""
    return list(db.session.scalars(select(User).order_by(User.username)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def user_named(username: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        raise NotFound("No user %(name)s.", params={"name": username})
    return user


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def password_errors(password: str, again: str | None = None) -> list[str]:
    """What is wrong with a new password (the English msgids), or nothing."""
    if len(password or "") < MIN_PASSWORD:
        return ["The password must have at least 8 characters."]
    if again is not None and password != again:
        return ["The two new passwords differ."]
    return []


def _checked(account: Account) -> tuple[Role, Department | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    try:
        role = Role(account.role)
    except ValueError:
        role = Role.CLERK
        errors["role"] = ["Unknown role."]
    department = None
    if account.department:
        department = db.session.scalar(select(Department)
                                       .where(Department.code == account.department))
        if department is None:
            errors["department"] = ["Unknown department."]
    if account.phone.strip() and (problem := phone_error(account.phone.strip())):
        errors["phone"] = [problem]
    email = account.email.strip()
    if email and ("@" not in email or " " in email or len(email) > 200):
        errors["email"] = ["Not an e-mail address."]
    for name in ("display_name", "phone", "email"):
        if unstorable(getattr(account, name)):
            errors.setdefault(name, []).append("Contains characters that cannot be stored.")
    return role, department, errors


def _apply(user: User, account: Account, role: Role, department: Department | None) -> None:
    user.role, user.department = role, department
    user.display_name = account.display_name.strip()[:100] or user.username
    user.phone, user.email = account.phone.strip(), account.email.strip()


def one_time_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def new_account_errors(username: str, account: Account) -> dict[str, list[str]]:
    """Every field error of a new account, in one round (read-only: the page asks even when
    its own form refused a field)."""
    return _new_account(username, account)[2]


def _new_account(username: str, account: Account):
    name = (username or "").strip()
    role, department, errors = _checked(account)
    if not name or len(name) > 64 or unstorable(name) or " " in name:
        errors["username"] = ["A user name of 1 to 64 characters, without spaces."]
    elif db.session.scalar(select(User.id).where(func.lower(User.username) == name.lower())):
        errors["username"] = ["This user name is taken."]
    return role, department, errors


@transactional
def create_user(username: str, account: Account, actor: User | None) -> tuple[User, str]:
    """A new account with a one-time password (returned, to be shown once)."""
    name = (username or "").strip()
    role, department, errors = _new_account(name, account)
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    user = User(username=name)
    _apply(user, account, role, department)
    password = one_time_password()
    if role is not Role.PLATFORM:
        user.set_password(password)
        user.must_change_password = True
    db.session.add(user)
    db.session.flush()
    events.record("user.created", actor=actor, subject_type="user", subject_id=user.id,
                  username=name, role=role.value)
    return user, password


@transactional
def update_user(user_id: int, account: Account, actor: User | None) -> User:
    """Change role, department, display name, phone and e-mail."""
    user = get_user(user_id)
    role, department, errors = _checked(account)
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    _apply(user, account, role, department)
    events.record("user.updated", actor=actor, subject_type="user", subject_id=user.id,
                  role=role.value, department=account.department or None)
    return user


@transactional
def set_active(user_id: int, active: bool, actor: User | None) -> User:
    """Disable (every session ends at once: the model moves the generation on) or enable."""
    user = get_user(user_id)
    user.active = active
    events.record("user.enabled" if active else "user.disabled", actor=actor,
                  subject_type="user", subject_id=user.id)
    return user


@transactional
def reset_password(user_id: int, actor: User | None) -> str:
    """A one-time password (returned, to be shown once); the user's sessions end and the
    next log-in asks for a new password. The lock-out is lifted too."""
    user = get_user(user_id)
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.failed_logins, user.locked_until = 0, None
    events.record("user.password_reset", actor=actor, subject_type="user", subject_id=user.id)
    return password


@transactional
def unlock(user_id: int, actor: User | None) -> User:
    """Lift a log-in lock-out and forget the failed tries."""
    user = get_user(user_id)
    user.failed_logins, user.locked_until = 0, None
    events.record("user.unlocked", actor=actor, subject_type="user", subject_id=user.id)
    return user


@transactional
def revoke_token(user_id: int, token_id: int, actor: User | None) -> ApiToken:
    """Revoke one of the user's API tokens (at once: the API checks every request)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = now()
        events.record("token.revoked", actor=actor, subject_type="user", subject_id=user_id,
                      prefix=token.prefix)
    return token


@transactional
def set_password(user_id: int, password: str, actor: User | None) -> User:
    """Set a password an administrator typed (the CLI); the user's sessions end."""
    user = get_user(user_id)
    if problems := password_errors(password):
        raise ValidationFailed(problems[0], fields={"password": problems})
    user.set_password(password)
    user.must_change_password = False
    events.record("user.password_set", actor=actor, subject_type="user", subject_id=user.id)
    return user


@transactional
def change_own_password(user: User, old: str, new: str, again: str) -> User:
    """The user's own change: the old password, then the new one twice. Every other session
    of the user ends (the caller signs this one in again)."""
    user = get_user(user.id)
    errors: dict[str, list[str]] = {}
    if not user.check_password(old or ""):
        errors["old_password"] = ["The current password is wrong."]
    if problems := password_errors(new, again):
        errors["new_password"] = problems
    elif new == old:
        errors["new_password"] = ["Choose a password other than the current one."]
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    user.set_password(new)
    user.must_change_password = False
    events.record("user.password_changed", actor=user, subject_type="user", subject_id=user.id)
    return user
