"""Error answers: JSON under /api, a page elsewhere; always in the user's language, never a 500
for bad input."""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .i18n import current_language
from .services.errors import DomainError

# What reaches the edge when the database cannot be reached (refused or dropped connection,
# a file that cannot be opened, a pool with no free connection): a 503, never a 500.
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = "The database is unavailable; try again in a moment."


def outage_line(exc: Exception) -> str:
    """The first line of the driver's message: what an outage is logged as, once."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__

STATUS_TEXT = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "The request is too large",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


# marshmallow's built-in messages carry their numbers in the text ("Longer than maximum
# length 200."); each pattern turns one into a msgid with parameters, so that one Chinese
# entry in api.po covers every limit.
_LIMIT = r"(?P<%s>-?[\w.:+-]+)"
BUILTIN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern % tuple(_LIMIT % name for name in names) + r"\Z"), msgid)
    for pattern, names, msgid in (
        (r"Longer than maximum length %s\.", ("max",), "Longer than maximum length %(max)s."),
        (r"Shorter than minimum length %s\.", ("min",), "Shorter than minimum length %(min)s."),
        (r"Length must be between %s and %s\.", ("min", "max"),
         "Length must be between %(min)s and %(max)s."),
        (r"Length must be %s\.", ("equal",), "Length must be %(equal)s."),
        (r"Must be greater than or equal to %s and less than or equal to %s\.", ("min", "max"),
         "Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
        (r"Must be greater than %s and less than %s\.", ("min", "max"),
         "Must be greater than %(min)s and less than %(max)s."),
        (r"Must be greater than or equal to %s and less than %s\.", ("min", "max"),
         "Must be greater than or equal to %(min)s and less than %(max)s."),
        (r"Must be greater than %s and less than or equal to %s\.", ("min", "max"),
         "Must be greater than %(min)s and less than or equal to %(max)s."),
        (r"Must be greater than or equal to %s\.", ("min",),
         "Must be greater than or equal to %(min)s."),
        (r"Must be greater than %s\.", ("min",), "Must be greater than %(min)s."),
        (r"Must be less than or equal to %s\.", ("max",), "Must be less than or equal to %(max)s."),
        (r"Must be less than %s\.", ("max",), "Must be less than %(max)s."),
    )
) + ((re.compile(r"Must be one of: (?P<choices>.+)\.\Z"), "Must be one of: %(choices)s."),)


def translate(message: str, params: dict[str, Any] | None = None) -> str:
    """Translate a msgid, substituting %(name)s parameters; marshmallow's messages with
    numbers in them go through BUILTIN_PATTERNS."""
    text = gettext(message)
    if text == message and not params:
        for pattern, msgid in BUILTIN_PATTERNS:
            found = pattern.match(message)
            if found:
                return translate(msgid, found.groupdict())
    if params:
        try:
            return text % params
        except (KeyError, TypeError, ValueError):
            return text
    return text


def translate_tree(messages: Any) -> Any:
    """Translate every string in a (nested) marshmallow/webargs error structure."""
    if isinstance(messages, str):
        return translate(messages)
    if isinstance(messages, list):
        return [translate_tree(m) for m in messages]
    if isinstance(messages, dict):
        return {str(k): translate_tree(v) for k, v in messages.items()}
    return messages


def _flatten_locations(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests errors by location ({"json": {...}}); clients want field → messages."""
    flat: dict[str, Any] = {}
    for location, errors in messages.items():
        if location in ("json", "query", "form", "headers", "files", "view_args", "path") \
                and isinstance(errors, dict):
            flat.update(errors)
        else:
            flat[location] = errors
    return flat


def api_error(status: int, message: str, *, params: dict[str, Any] | None = None,
              fields: dict[str, Any] | None = None, current: Any = None):
    body: dict[str, Any] = {"code": status, "status": translate(STATUS_TEXT.get(status, "Error")),
                            "message": translate(message, params)}
    if fields:
        body["errors"] = translate_tree(fields)
    if current is not None:
        body["current"] = current
    response = jsonify(body)
    response.status_code = status
    return response


def wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(exc: DomainError):
        if wants_json():
            return api_error(exc.status, exc.message, params=exc.params, fields=exc.fields,
                             current=exc.current)
        return _page(exc.status, translate(exc.message, exc.params))

    @app.errorhandler(CSRFError)
    def handle_csrf(exc: CSRFError):
        message = "The form has expired or was not sent from this site; reload the page and try again."
        if wants_json():
            return api_error(400, message)
        return _page(400, translate(message))

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        response = app.make_response(_http_answer(exc))
        allowed = getattr(exc, "valid_methods", None)
        if allowed:  # a 405 says what the path does allow
            response.headers["Allow"] = ", ".join(allowed)
        return response

    def _http_answer(exc: HTTPException):
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages") if isinstance(data, dict) else None
        if wants_json():
            if status == 413:
                return api_error(413, "The request body is larger than allowed.")
            if messages:
                return api_error(status, "The request has errors.",
                                 fields=_flatten_locations(messages))
            message = data.get("message") if isinstance(data, dict) else None
            return api_error(status, message or STATUS_TEXT.get(status, exc.name))
        return _page(status, translate(STATUS_TEXT.get(status, exc.name)))

    def handle_database_down(exc: Exception):
        # One line per request: an outage is not a bug, a traceback per request would bury
        # the log.
        app.logger.error("database unavailable (%s %s): %s", request.method, request.path,
                         outage_line(exc))
        if wants_json():
            response = api_error(503, UNAVAILABLE)
        else:
            # Not the frame: it reads the logged-in user from the database.
            page = app.jinja_env.get_template("unavailable.html").render(
                lang=current_language(), message=translate(UNAVAILABLE))
            response = app.response_class(page, 503, mimetype="text/html")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for error in DATABASE_DOWN:
        app.register_error_handler(error, handle_database_down)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        if wants_json():
            return api_error(500, "Internal server error")
        return _page(500, translate("Internal server error"))


def _page(status: int, message: str):
    try:
        return render_template("error.html", status=status, message=message), status
    except Exception:  # noqa: BLE001  (a failing template must not hide the original error)
        return f"{status} {message}", status
