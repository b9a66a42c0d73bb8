"""Domain errors: raised by services, turned into HTTP answers or form messages by views."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused request. `message` is an English msgid translated at the edge; `fields` maps
    a field name to a list of msgids."""

    status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None,
                 params: dict[str, Any] | None = None, current: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.params = params or {}
        self.current = current


class ValidationFailed(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Someone else changed it first, or the state does not allow it."""

    status = 409


class Forbidden(DomainError):
    status = 403
