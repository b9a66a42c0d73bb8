"""Refuse input no database column can hold, before any view runs.

PostgreSQL rejects NUL characters in text and SQLite integers beyond 64 bits; either would
surface as a 500 deep in a query. URL integers are bounded to 32 bits (every id we issue fits),
and NUL in a query string or form is answered with a 422 in the user's language.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from .services.errors import DomainError

MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: 0 … 2**31-1; a larger number is simply not found (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class BadCharacters(DomainError):
    status = 422  # as the API schemas answer a NUL in a JSON field


def install_converters(app: Flask) -> None:
    """Must run before blueprints are registered (routes bind converters when added)."""
    app.url_map.converters["int"] = BoundedIntConverter


def install_input_guard(app: Flask) -> None:
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
