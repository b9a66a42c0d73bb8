"""Server-rendered staff pages."""
from __future__ import annotations

from flask import Flask, jsonify


def register_web(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        """Liveness for load balancers: the app answers and the database is reachable."""
        from sqlalchemy import text

        from ..extensions import db

        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok")
