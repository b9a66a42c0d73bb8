"""Bearer-token authentication and role checks for the API."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request
from sqlalchemy import select

from ..extensions import db
from ..models import ASSESSOR_ROLES, WRITER_ROLES, ApiToken, Role, User
from ..services.errors import DomainError, Forbidden

# Who may call what: writers change applications, readers (writers, auditors and the
# assessment office) only look; assessors review and issue the monthly assessment.
WRITERS = tuple(r for r in Role if r in WRITER_ROLES)
READERS = (*WRITERS, Role.AUDITOR, Role.ASSESSOR)
ASSESSORS = tuple(r for r in Role if r in ASSESSOR_ROLES)


class Unauthorized(DomainError):
    status = 401


def authenticate() -> User:
    """The user behind `Authorization: Bearer <token>`; 401 if absent, unknown or revoked."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authentication required: send Authorization: Bearer <token>.")
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token.strip())))
    if row is None or row.revoked_at is not None or not row.user.active:
        raise Unauthorized("The token is unknown or revoked.")
    g.api_user = row.user
    return row.user


def require(*roles: Role) -> Callable:
    """Allow only users holding one of `roles` (any signed-in non-platform user when empty)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = authenticate()
            allowed = roles or tuple(r for r in Role if r is not Role.PLATFORM)
            if user.role not in allowed:
                raise Forbidden("Your role may not do this.")
            return view(*args, **kwargs)

        return wrapper

    return decorator
