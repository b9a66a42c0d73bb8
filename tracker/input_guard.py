"""Refuse input no database column can hold, before any view runs.

PostgreSQL rejects NUL characters in text and SQLite integers beyond 64 bits; either would
surface as a 500 deep in a query. URL integers are bounded to 32 bits (every id we issue fits),
and NUL in a query string or form is answered with a 422 in the user's language. A JSON
body nested deeper than MAX_JSON_DEPTH is refused with a 400 before anything parses it (the
parsers recurse: a thousand levels would end in a RecursionError, a 500).
"""
from __future__ import annotations

import re

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from .services.errors import DomainError

MAX_ID = 2**31 - 1
MAX_JSON_DEPTH = 32

# A JSON string (escapes included) and the brackets outside strings.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: 0 … 2**31-1; a larger number is simply not found (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class BadCharacters(DomainError):
    status = 422  # as the API schemas answer a NUL in a JSON field


class NestedTooDeep(DomainError):
    status = 400


def json_depth_exceeded(body: bytes, limit: int = MAX_JSON_DEPTH) -> NestedTooDeep | None:
    """The refusal of a JSON body nested more than `limit` arrays/objects deep, or None.
    Counts brackets outside strings, without parsing (and so without recursion)."""
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub(b"", body)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return NestedTooDeep("The JSON body is nested more than %(limit)s levels deep.",
                                     params={"limit": limit})
        else:
            depth -= 1
    return None


def parses_own_json(view_class: type) -> type:
    """Mark a MethodView that reads its raw JSON body itself (and refuses, and logs, a too
    deeply nested one): the guard leaves it to the view."""
    view_class.parses_own_json = True
    return view_class


def install_converters(app: Flask) -> None:
    """Must run before blueprints are registered (routes bind converters when added)."""
    app.url_map.converters["int"] = BoundedIntConverter


def install_input_guard(app: Flask) -> None:
    @app.before_request
    def refuse_deep_json() -> None:
        if not request.is_json:
            return
        view = app.view_functions.get(request.endpoint or "")
        if getattr(getattr(view, "view_class", None), "parses_own_json", False):
            return
        refusal = json_depth_exceeded(request.get_data(cache=True))
        if refusal is not None:
            raise refusal

    @app.before_request
    def refuse_nul_characters() -> None:
        sources = [request.args]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sources.append(request.form)
        for source in sources:
            for key, values in source.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise BadCharacters("The request contains a NUL character, which cannot be stored.",
                                        fields={key.replace("\x00", ""): ["Contains a NUL character."]})
