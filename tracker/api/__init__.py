"""The REST API under /api/v1 (token-authenticated, CSRF-exempt)."""
from __future__ import annotations

from flask import Flask

from ..extensions import api, csrf


def register_api(app: Flask) -> None:
    from . import aftercare, applications, flows, intake, problems, reports

    for blp in (applications.blp, flows.blp, reports.blp, intake.blp, aftercare.blp, problems.blp):
        csrf.exempt(blp)
        api.register_blueprint(blp)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
