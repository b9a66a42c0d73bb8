"""The REST API under /api/v1 (token-authenticated, CSRF-exempt)."""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from flask_smorest import Blueprint

from ..extensions import api, csrf
from .openapi import document_common_answers


def register_api(app: Flask, blueprints: Iterable[Blueprint]) -> None:
    """Register the API blueprints the factory lists (the core's and every feature's)."""
    for blp in blueprints:
        csrf.exempt(blp)
        api.register_blueprint(blp)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    document_common_answers(api.spec)
