"""Bearer-token authentication and role checks for the API."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request
from sqlalchemy import bindparam, select

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


# The user behind a token still in force, in one indexed lookup (token_hash is unique), built
# once: the user (with its department, joined as always) is the only object loaded.
_USER_OF_TOKEN = (select(User).join(ApiToken, ApiToken.user_id == User.id)
                  .where(ApiToken.token_hash == bindparam("token_hash"),
                         ApiToken.revoked_at.is_(None)))


def authenticate() -> User:
    """The user behind `Authorization: Bearer <token>`; 401 if absent, unknown or revoked."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authentication required: send Authorization: Bearer <token>.")
    user = db.session.scalar(_USER_OF_TOKEN, {"token_hash": ApiToken.hash(token.strip())})
    if user is None or not user.active:
        raise Unauthorized("The token is unknown or revoked.")
    g.api_user = user
    return user


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
