"""Guards of the intake, after-care and problem services: text no column can hold, and two
people changing one row at the same moment."""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from .errors import Conflict

F = TypeVar("F", bound=Callable[..., Any])

# C0 control characters except tab, line feed and carriage return: PostgreSQL refuses NUL in
# text and JSON, and none of them belongs in anything typed or exported.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def unstorable(value: str) -> bool:
    """Holds a control character or a lone surrogate (not encodable as UTF-8)."""
    if CONTROL.search(value):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text_errors(**values: str | None) -> dict[str, list[str]]:
    """{field: ["Must not contain control characters."]} for each unstorable value."""
    return {name: ["Must not contain control characters."]
            for name, value in values.items() if value and unstorable(value)}


def unstorable_in(data: Any) -> bool:
    """Anywhere in a JSON document (keys and values)."""
    if isinstance(data, str):
        return unstorable(data)
    if isinstance(data, dict):
        return any(unstorable_in(k) or unstorable_in(v) for k, v in data.items())
    if isinstance(data, list):
        return any(unstorable_in(v) for v in data)
    return False


def printable(text: str) -> str:
    """For an excerpt kept as evidence: control characters shown as U+FFFD."""
    return CONTROL.sub("\ufffd", text.encode("utf-8", "replace").decode("utf-8"))


def stale_is_conflict(message: str) -> Callable[[F], F]:
    """A row changed by someone else between our read and our write (its version_id moved,
    whether noticed at a flush or at the commit) becomes a 409 with `message`, nothing kept."""

    def decorator(function: F) -> F:
        @wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except StaleDataError:
                db.session.rollback()
                raise Conflict(message) from None

        return wrapper  # type: ignore[return-value]

    return decorator
