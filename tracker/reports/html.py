"""The report as HTML: a context shared by the web page and the standalone file, with charts."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from . import charts, labels
from .labels import name

# The report's styles: the report page links the file; the standalone HTML and the PDF, which
# must open anywhere, embed its text (read once).
REPORT_CSS = (Path(__file__).parent / "static" / "report.css").read_text(encoding="utf-8")


def _cell(value: Any, key: str) -> str:
    if value is None:
        return "—"
    if key.endswith("rate"):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def report_context(data: dict[str, Any], lang: str,
                   overdue_limit: int | None = None) -> dict[str, Any]:
    """Display-ready tables and SVG charts (call inside the wanted locale); the overdue list
    is cut to `overdue_limit` rows when given (a page; the downloads hold every row)."""
    flow_columns = labels.flow_columns()
    flows = []
    for flow in data["flows"] + [dict(data["totals"], flow=_("Grand total"))]:
        row = dict(flow, flow_name=name(flow, "flow_name", lang), limit=labels.limit_range(flow))
        flows.append([_cell(row.get(key), key) if key != "flow_name" else row[key]
                      for key, _header in flow_columns])
    steps = [[_cell(value, key) for key, value in (
        ("flow", step["flow"]), ("step", name(step, "step_name", lang)),
        ("department", name(step, "department_name", lang)), ("completed", step["completed"]),
        ("on_time", step["on_time"]), ("late", step["late"]),
        ("on_time_rate", step["on_time_rate"]))] for step in data["steps"]]
    overdue_columns = [(k, h) for k, h in labels.overdue_columns() if k != "why"]
    overdue = []
    overdue_why = []
    states = labels.state_names()
    shown = data["overdue"] if overdue_limit is None else data["overdue"][:overdue_limit]
    for index, item in enumerate(shown, start=1):
        cells = labels.overdue_cells(item, index, lang, states)
        overdue.append([_cell(cells[key], key) if cells[key] != "" else "—"
                        for key, _header in overdue_columns])
        overdue_why.append(cells["why"])
    points_columns = labels.points_columns()
    points = []
    for item in data["points"]["items"]:
        cells = labels.points_cells(item, lang)
        points.append([_cell(cells[key], key) if cells[key] != "" else "—"
                       for key, _header in points_columns])
    aftercare = [(label, _cell(value, "rate" if is_rate else "n"))
                 for label, value, is_rate in labels.aftercare_rows(data["aftercare"])]
    with_flows = [f for f in data["flows"] if f["completed"]]
    chart_rate = charts.hbar_chart(
        _("On-time rate by flow"),
        [(f"{f['flow']} {name(f, 'flow_name', lang)}", [f["on_time_rate"]]) for f in with_flows],
        maximum=1.0, fmt=charts.percent)
    chart_days = charts.hbar_chart(
        _("Working days by flow"),
        [(f"{f['flow']}", [f["avg_working_days"], f["p90_working_days"],
                           f["limit_working_days_max"]]) for f in with_flows],
        series=[_("Average working days"), _("90th percentile"), _("Time limit")])
    chart_points = charts.hbar_chart(
        _("Points deducted by department"),
        [(name(d, "department_name", lang), [d["points"]]) for d in data["points"]["by_department"]])
    issue = data.get("issue")
    return {
        "report": data,
        "title": labels.title(data["month"]),
        "issue": issue,
        "period_start": data["period"]["start"][:10],
        "as_of": labels.short_time(data["as_of"]),
        "flow_headers": [header for _key, header in flow_columns],
        "flow_rows": flows,
        "step_headers": [header for _key, header in labels.step_columns()],
        "step_rows": steps,
        "overdue_headers": [header for _key, header in overdue_columns] + [
            dict(labels.overdue_columns())["why"]],
        "overdue_rows": list(zip(overdue, overdue_why, strict=True)),
        "overdue_total": len(data["overdue"]),
        "points_headers": [header for _key, header in points_columns],
        "points_rows": points,
        "points_total": _cell(data["points"]["total"], "x"),
        "not_measured": labels.discretionary_rules(data["points"], lang),
        "awaiting": [name(a, "why", lang) for a in data["points"].get("awaiting_assignment", [])],
        "aftercare_rows": aftercare,
        "charts": [chart_rate, chart_days, chart_points],
        "report_css": REPORT_CSS,
    }


def render_html(data: dict[str, Any], lang: str = "zh") -> str:
    """A self-contained HTML document (inline CSS and SVG; nothing loaded from elsewhere)."""
    with force_locale(lang):
        return render_template("reports/monthly_standalone.html", lang=lang,
                               **report_context(data, lang))
