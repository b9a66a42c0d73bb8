"""Password log-in for the staff pages, with a lock-out after repeated failures."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, literal, or_, select, update
from werkzeug.security import generate_password_hash

from ..extensions import db
from ..localtime import LOCAL
from ..models import Role, User
from ..models.base import UTCDateTime
from ..settings import settings
from . import events
from .app_clock import now as clock_now
from .errors import DomainError

# Checked against when the user name is unknown, so that a wrong name costs as long as a
# wrong password and the answer time does not reveal which names exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class LoginRefused(DomainError):
    """Wrong name or password, a disabled account, or a machine account."""

    status = 401


class AccountLocked(LoginRefused):
    """Too many failures: refused until `until`, even with the right password."""

    def __init__(self, until: datetime, minutes: int) -> None:
        super().__init__(
            "Too many failed log-ins: this account is locked until %(until)s "
            "(about %(minutes)s minutes). Try again later or ask an administrator.",
            params={"until": until.astimezone(LOCAL).strftime("%H:%M"), "minutes": minutes})
        self.until = until


def _settings() -> tuple[int, timedelta]:
    config = settings()
    return config.login_max_failures, timedelta(minutes=config.login_lock_minutes)


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


def authenticate_password(username: str, password: str) -> User:
    """The user with this name and password; LoginRefused or AccountLocked otherwise.

    Each try counts before its password is checked; the try that reaches
    TRACKER_LOGIN_MAX_FAILURES locks the account for TRACKER_LOGIN_LOCK_MINUTES. A right
    password resets the count.
    """
    now = clock_now()
    name = (username or "").strip()
    user = db.session.scalar(select(User).where(func.lower(User.username) == name.lower())) \
        if name else None
    if user is None or user.role is Role.PLATFORM or not user.password_hash:
        User(password_hash=_DUMMY_HASH).check_password(password or "")
        raise LoginRefused("Wrong user name or password.")
    user_id, max_failures = user.id, settings().login_max_failures
    locked_until, failures = _count_try(user_id, now)
    if not user.check_password(password or ""):
        if locked_until is not None:
            events.record("user.locked", actor=None, subject_type="user", subject_id=user_id,
                          until=locked_until, failures=max_failures)
            db.session.commit()
            raise AccountLocked(locked_until, _minutes_left(locked_until, now))
        raise LoginRefused("Wrong user name or password. %(left)s attempts left before the "
                           "account is locked.", params={"left": max_failures - failures})
    db.session.execute(update(User).where(User.id == user_id)
                       .values(failed_logins=0, locked_until=None))
    db.session.commit()
    if not user.active:
        raise LoginRefused("This account is disabled; ask an administrator.")
    return user


def _count_try(user_id: int, now: datetime) -> datetime | None:
    """Count one more try in one statement, before its password is checked, so that parallel
    tries (other threads, other workers) can neither lose a count nor pass a lock: the try
    that reaches the limit sets the lock in the same statement. Returns the lock it set (if
    any) and the tries counted; raises AccountLocked when the account is locked already."""
    max_failures, lock_for = _settings()
    lapsed = User.locked_until.is_not(None)  # a lock that has run out starts a new count
    count = case((lapsed, 1), else_=User.failed_logins + 1)
    counted = db.session.execute(
        update(User)
        .where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=count,
                locked_until=case((count >= max_failures,
                                   literal(now + lock_for, UTCDateTime())), else_=None))
        .returning(User.locked_until, User.failed_logins)
        .execution_options(synchronize_session=False)).first()
    db.session.commit()
    if counted is None:
        until = db.session.scalar(select(User.locked_until).where(User.id == user_id))
        until = until or now + lock_for
        raise AccountLocked(until, _minutes_left(until, now))
    return counted.locked_until, counted.failed_logins


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the active user a session names, or None (signed out).

    A session holds "<id>.<generation>" (`User.get_id`); one issued before the user's last
    log-out, password change or disabling names an older generation and signs nobody in.
    """
    number, dot, generation = (user_id or "").partition(".")
    try:
        user = db.session.get(User, int(number)) if dot else None
        issued = int(generation)
    except (TypeError, ValueError):
        return None
    if user is None or not user.active or user.role is Role.PLATFORM \
            or issued != user.session_generation:
        return None
    return user


def end_sessions(user: User) -> None:
    """Log out everywhere: every session issued to `user` so far stops working."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_generation=User.session_generation + 1))
    db.session.commit()
