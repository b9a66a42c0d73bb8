"""Password log-in for the staff pages, with a lock-out after repeated failures."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

from ..extensions import db
from ..localtime import LOCAL
from ..models import Role, User
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

    Each failure counts; the failure that reaches TRACKER_LOGIN_MAX_FAILURES locks the account
    for TRACKER_LOGIN_LOCK_MINUTES. A success resets the count.
    """
    now = clock_now()
    max_failures, lock_for = _settings()
    name = (username or "").strip()
    user = db.session.scalar(select(User).where(func.lower(User.username) == name.lower())) \
        if name else None
    if user is None or user.role is Role.PLATFORM or not user.password_hash:
        User(password_hash=_DUMMY_HASH).check_password(password or "")
        raise LoginRefused("Wrong user name or password.")
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(user.locked_until, _minutes_left(user.locked_until, now))
    if not user.check_password(password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + lock_for
            user.failed_logins = 0
            events.record("user.locked", actor=None, subject_type="user", subject_id=user.id,
                          until=user.locked_until, failures=max_failures)
            db.session.commit()
            raise AccountLocked(user.locked_until, _minutes_left(user.locked_until, now))
        db.session.commit()
        raise LoginRefused("Wrong user name or password.")
    if not user.active:
        raise LoginRefused("This account is disabled; ask an administrator.")
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins = 0
        user.locked_until = None
        db.session.commit()
    return user


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
