"""The answers every operation can give besides its own, written into the OpenAPI document
once for all (each view documents only what is particular to it: 409 bodies, 413, …)."""
from __future__ import annotations

from typing import Any

from apispec import APISpec
from flask_smorest import Blueprint

from ..errors import RETRY_AFTER_SECONDS

ERROR = {"$ref": "#/components/schemas/ErrorOut"}
CONFLICT = {"$ref": "#/components/schemas/ConflictOut"}

COMMON: dict[str, tuple[str, dict[str, Any]]] = {
    "400": ("The body is not JSON, or is nested too deeply.", ERROR),
    "401": ("No token, or an unknown or revoked one.", ERROR),
    "403": ("The token's role may not do this.", ERROR),
    "404": ("Nothing under this path (or no such record).", ERROR),
    "412": ("If-Match names an older version; `current` is the resource as it stands.", CONFLICT),
    "422": ("The request has errors: `errors` names each field and why.", ERROR),
    "428": ("Neither If-Match nor `version` says which version is changed.", ERROR),
    "503": ("The database is unavailable; try again after Retry-After seconds.", ERROR),
}
METHODS = ("get", "post", "put", "patch", "delete")


def with_parameter(view, parameter: dict[str, Any]):
    """Document one more parameter of a view, keeping those documented already
    (`Blueprint.doc` replaces a list rather than adding to it)."""
    documented = getattr(view, "_apidoc", {}).get("manual_doc", {}).get("parameters", [])
    return Blueprint.doc(parameters=[*documented, parameter])(view)


def _answer(description: str, schema: dict[str, Any], status: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description,
                              "content": {"application/json": {"schema": schema}}}
    if status == "503":
        answer["headers"] = {"Retry-After": {
            "description": f"Seconds to wait ({RETRY_AFTER_SECONDS}).",
            "schema": {"type": "integer"}}}
    return answer


def document_common_answers(spec: APISpec) -> None:
    """Add to every operation the statuses the app answers for all of them: 401/403 (every
    operation needs a token), 400/422 (any input), 404 (a path with parameters, or an
    unknown one), 412/428 (a change taking If-Match), 503 (an outage)."""
    paths: dict[str, dict[str, Any]] = spec._paths  # apispec has no public way to amend
    for path, item in paths.items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            takes_input = bool(operation.get("requestBody") or operation.get("parameters")
                               or "{" in path)
            changes = any(p.get("name") == "If-Match" for p in operation.get("parameters", []))
            wanted = ["401", "403", "404", "503"]
            if takes_input:
                wanted += ["400", "422"]
            if changes:
                wanted += ["412", "428"]
            for status in wanted:
                if status not in responses:
                    description, schema = COMMON[status]
                    responses[status] = _answer(description, schema, status)
