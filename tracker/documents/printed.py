"""Printed documents (PDF and print view): 受理通知单, 一次性告知单 (容缺), 督办单, and the
monthly report. Each has a context builder (plain data for the template) and a renderer."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import force_locale

from ..i18n import current_language, pick
from ..models import Application
from ..reports.html import report_context
from ..reports.issuance import report_data
from ..services.app_clock import app_clock, now
from ..services.applications import flow_of
from ..services.errors import Conflict
from ..services.months import Month
from ..services.presenters import present_application
from ..services.sla_fields import department_name
from ..settings import settings
from ..web.formatting import limit_text
from .pdf import public_url, qr_svg, render_pdf


def utility() -> dict[str, str]:
    """The utility's name and service hotline, printed on every document."""
    return {"name": settings().utility_name, "phone": settings().utility_phone}


def progress_link(number: str) -> str:
    """The customer's progress page with the number filled in (the QR code's target)."""
    return public_url(f"/progress?number={number}")


def acceptance_notice(app: Application, lang: str | None = None) -> dict[str, Any]:
    """受理通知单: number, customer, flow, the steps up to water on with their limits, the
    promised completion time, the contact person, a QR code to the progress page."""
    lang = lang or current_language()
    flow = flow_of(app)
    moment = now()
    view = present_application(app, moment, app_clock(), lang, with_steps=False)
    steps = [{"name": pick(s.name_zh, s.name_en, lang),
              "department": department_name(s.department, lang),
              "limit": limit_text(s.limit.resolve(app.attributes))}
             for s in flow.customer_steps]
    link = progress_link(app.number)
    return {
        "utility": utility(), "view": view, "app": app, "steps": steps,
        "flow_name": pick(flow.name_zh, flow.name_en, lang),
        "whole_limit": limit_text(flow.whole_limit.resolve(app.attributes)),
        "promised_at": view["sla"]["due_at"],
        "contact": app.created_by.label if app.created_by else "",
        "missing": list(app.missing_materials),
        "qr": qr_svg(link), "link": link, "printed_at": moment,
    }


def missing_documents_notice(app: Application, lang: str | None = None) -> dict[str, Any]:
    """一次性告知单 (容缺受理): what is missing and by when, told once and completely."""
    if not app.missing_materials:
        raise Conflict("Application %(number)s was accepted with every document; there is "
                       "nothing to notify.", params={"number": app.number})
    context = acceptance_notice(app, lang)
    context.update(promised_on=app.materials_promised_on, supplied_at=app.materials_supplied_at)
    return context


def render_acceptance_notice(app: Application, lang: str = "zh") -> bytes:
    with force_locale(lang):
        return render_pdf("documents/acceptance_notice.html", **acceptance_notice(app, lang))


def render_missing_documents_notice(app: Application, lang: str = "zh") -> bytes:
    with force_locale(lang):
        return render_pdf("documents/missing_notice.html", **missing_documents_notice(app, lang))


@dataclass(frozen=True)
class SupervisionNotice:
    """督办单 as plain data, for the escalation feature (督查办, the Wuhu plan's 五(七)) to fill in.

    `facts` are (label, value) rows about the matter (application, step, deadline, how late);
    `answer` is the department's reply once given (empty: lines left to write on)."""

    number: str
    issued_at: datetime
    issued_by: str
    to_department: str
    subject: str
    requirement: str
    due_at: datetime | None = None
    facts: tuple[tuple[str, str], ...] = ()
    cc: str = ""
    answer: str = ""
    answered_at: datetime | None = None
    evidence: tuple[str, ...] = field(default=())  # names of the attached 佐证材料


def render_supervision_notice(notice: SupervisionNotice, lang: str = "zh") -> bytes:
    """The 督办单 as PDF."""
    with force_locale(lang):
        return render_pdf("documents/supervision_notice.html", notice=notice,
                          utility=utility(), printed_at=now())


def render_monthly_report(month: Month, *, version: int | None = None, live: bool = False,
                          lang: str = "zh") -> bytes:
    """The monthly overdue report (the issued version, or live figures) as PDF."""
    data = report_data(month, version=version, live=live)
    with force_locale(lang):
        return render_pdf("documents/monthly_report.html", lang=lang, utility=utility(),
                          **report_context(data, lang))
