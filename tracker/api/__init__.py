"""The REST API under /api/v1 (token-authenticated, CSRF-exempt)."""
from __future__ import annotations

from flask import Flask

from ..extensions import api, csrf


def register_api(app: Flask) -> None:
    from . import applications, flows

    blueprints = [applications.blp, flows.blp]
    for module_name in ("reports", "intake", "aftercare", "problems"):
        module = _optional(module_name)
        if module is not None:
            blueprints.append(module.blp)
    for blp in blueprints:
        csrf.exempt(blp)
        api.register_blueprint(blp)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]


def _optional(name: str):
    """Feature blueprints that exist in this build (added feature by feature)."""
    import importlib

    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        return None
