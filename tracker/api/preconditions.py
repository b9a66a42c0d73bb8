"""No lost updates: every change in the API says which version it was made from.

A GET of a resource answers its version as an `ETag`; a change sends it back as `If-Match`
(or as `version` in the body, as the pages do). Neither → 428; a stale `If-Match` → 412; a
stale `version` → 409 (the service's optimistic lock), both with the resource as it stands
where the view has it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from marshmallow import Schema, fields

from ..services.errors import Conflict, DomainError
from .openapi import with_parameter
from .schemas import ErrorOut

T = TypeVar("T")

IF_MATCH = {
    "name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "The ETag of the GET you changed from (or send `version` in the body); "
                   "without either the change is refused (428), with a stale one 412.",
}


class PreconditionRequired(DomainError):
    status = 428


class PreconditionFailed(DomainError):
    status = 412


def etag(version: int) -> str:
    """A resource's version as a strong ETag."""
    return f'"{version}"'


def etag_header(version: int) -> dict[str, str]:
    return {"ETag": etag(version)}


def expected_version(body_version: int | None, current_version: Callable[[], int],
                     current: Callable[[], Any] | None = None) -> int:
    """The version a change is made from: `version` in the body, else the one `If-Match`
    names (checked here: 412 when it is not the current one)."""
    if body_version is not None:
        return body_version
    version = current_version()  # a missing resource is a 404 first
    if "If-Match" not in request.headers:
        raise PreconditionRequired(
            "Say which version you are changing: send If-Match with the ETag of the GET, "
            "or version in the body.")
    if request.if_match.contains_weak(str(version)):  # `*` matches too
        return version
    raise PreconditionFailed(
        "It changed since you read it (If-Match does not name its version %(version)s); "
        "reload and try again.", params={"version": version},
        current=current() if current else None)


def change_from(body_version: int | None, current_version: Callable[[], int],
                current: Callable[[], Any], action: Callable[[int], T]) -> T:
    """Run `action(version)` from the version the client read (`expected_version`); a 409
    or 412 carries `current()`, the resource as it now stands."""
    try:
        return action(expected_version(body_version, current_version, current))
    except Conflict as exc:
        exc.current = current()
        raise


def conflict_schema(name: str, resource: type[Schema]) -> type[Schema]:
    """The body of a 409/412 on `resource`: the error, and the resource as it stands."""
    return type(name, (ErrorOut,), {"current": fields.Nested(resource, metadata={
        "description": "As it now stands (someone else changed it first)."})})


def documents_change(blp, conflict: type[Schema]):
    """Document a change made from a read version: its If-Match header, and 409/412 with the
    resource as it stands (428 is added to every operation taking If-Match)."""

    def decorate(view):
        view = blp.alt_response(412, schema=conflict)(view)
        view = blp.alt_response(409, schema=conflict)(view)
        return with_parameter(view, IF_MATCH)

    return decorate
