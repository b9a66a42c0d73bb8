"""The connection team's dashboard (营商报装专班) and the fragment its page polls."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    after_this_request,
    current_app,
    make_response,
    render_template,
)
from flask_babel import gettext as _
from markupsafe import Markup

from ..extensions import db
from ..i18n import current_language, pick
from ..services.app_clock import app_clock, now
from ..services.dashboard import Dashboard, current_dashboard
from ..services.sla_fields import department_name
from .charts import MonthBar, months_chart
from .formatting import percent

bp = Blueprint("dashboard", __name__)
REFRESH_SECONDS = 60


def _names(board: Dashboard, lang: str) -> dict[str, Any]:
    """Display names of flows and steps (current flow versions)."""
    flows, steps = {}, {}
    for code, flow in board.flows.items():
        flows[code] = pick(flow.name_zh, flow.name_en, lang)
        for step in flow.steps:
            steps[(code, step.code)] = pick(step.name_zh, step.name_en, lang)
    return {"flows": flows, "steps": steps}


def _chart(board: Dashboard) -> Any:
    bars = []
    for p in board.series:
        title = _("%(month)s: %(accepted)s accepted, %(completed)s completed, on time %(rate)s",
                  month=p.month, accepted=p.accepted, completed=p.completed,
                  rate=percent(p.rate))
        bars.append(MonthBar(p.month, p.accepted, p.rate, title))
    targets = [f.target_on_time_rate for f in board.flows.values()]
    target = min(targets) if targets else None
    return months_chart(bars, volume_label=_("Applications accepted"),
                        rate_label=_("On-time rate of completions"), target=target,
                        target_label=_("Target %(rate)s", rate=percent(target)))


_body_lock = threading.Lock()


def _body(board: Dashboard) -> Markup:
    """The figures rendered, once per set of figures and language: the body shows the figures
    and nothing of the user or the request, and rendering it (a few hundred translated words
    and links) was most of a kept dashboard's time. Only the current figures' are kept."""
    lang = current_language()
    store = current_app.extensions.setdefault("tracker_dashboard_html", {})
    kept = store.get(lang)
    if kept is not None and kept[0] is board:
        return kept[1]
    html = Markup(render_template(
        "dashboard/_body.html", board=board, names=_names(board, lang), chart=_chart(board),
        dept=lambda code: department_name(code, lang)))
    with _body_lock:
        if any(other is not board for other, _html in store.values()):
            store.clear()  # new figures: the other languages' bodies are stale
        store[lang] = (board, html)
    return html


def _after_response(job: Callable[[], Any]) -> None:
    """Run `job` once the response has gone out (the WSGI server closes it), in an app
    context of its own: a new worker's dashboard recomputed outside its first request."""
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                job()
            finally:
                db.session.remove()

    @after_this_request
    def on_close(response: Response) -> Response:
        response.call_on_close(run)
        return response


def _context() -> dict[str, Any]:
    board = current_dashboard(now(), app_clock, later=_after_response)
    return {"board": board, "body": _body(board), "refresh": REFRESH_SECONDS}


@bp.route("/dashboard")
def index() -> Any:
    return render_template("dashboard/index.html", **_context())


@bp.route("/dashboard/fragment")
def fragment() -> Any:
    """The dashboard's body alone, for the page's 60-second refresh."""
    response = make_response(_context()["body"])
    response.headers["Cache-Control"] = "no-store"
    return response
