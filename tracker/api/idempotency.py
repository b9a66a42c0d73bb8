"""The `Idempotency-Key` header on every create of the API (services/idempotency.py keeps
the answers)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request

from ..services import idempotency
from ..services.errors import DomainError
from ..text import unstorable
from .auth import authenticate
from .openapi import with_parameter

HEADER = "Idempotency-Key"
MAX_KEY = 255
PARAMETER = {
    "name": HEADER, "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY},
    "description": "Any unique string (a UUID): a retry with the same key within 24 hours "
                   "returns the first answer (same status and body) instead of creating "
                   "again; the same key with a different request is refused (422).",
}


class BadKey(DomainError):
    status = 400


def idempotent(view: Callable) -> Callable:
    """Place between `@require(...)` and `@blp.arguments(...)`: the view (with its argument
    parsing and serialising) runs in one transaction with the key's claim."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY or unstorable(key):
            raise BadKey("The Idempotency-Key header must be 1 to %(max)s printable characters.",
                         params={"max": MAX_KEY})

        def create() -> idempotency.Answer:
            response = current_app.make_response(view(*args, **kwargs))
            return idempotency.Answer(response.status_code, response.get_data(),
                                      response.content_type or "application/json")

        print_ = idempotency.fingerprint(request.method, request.full_path,
                                         request.get_data(cache=True))
        answer, replayed = idempotency.once(authenticate().id, key, print_, create)
        response = current_app.response_class(answer.body, answer.status,
                                              content_type=answer.content_type)
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    return with_parameter(wrapper, PARAMETER)
