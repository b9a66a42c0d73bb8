"""The connection team's dashboard (营商报装专班) and the fragment its page polls."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, render_template
from flask_babel import gettext as _

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


def _context() -> dict[str, Any]:
    lang = current_language()
    board = current_dashboard(now(), app_clock)
    return {"board": board, "names": _names(board, lang), "chart": _chart(board),
            "dept": lambda code: department_name(code, lang), "refresh": REFRESH_SECONDS}


@bp.route("/dashboard")
def index() -> Any:
    return render_template("dashboard/index.html", **_context())


@bp.route("/dashboard/fragment")
def fragment() -> Any:
    """The dashboard's body alone, for the page's 60-second refresh."""
    response = make_response(render_template("dashboard/_body.html", **_context()))
    response.headers["Cache-Control"] = "no-store"
    return response
