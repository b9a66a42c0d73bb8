"""CSV export of the applications list: UTF-8 with a BOM so that Excel reads the Chinese."""
from __future__ import annotations

import io
from collections.abc import Iterator

from flask import Response, stream_with_context
from flask_babel import gettext as _

from ..csvfile import BOM, SafeWriter
from ..i18n import current_language, pick
from ..services.app_clock import app_clock, now
from ..services.applications import flow_of
from ..services.presenters import present_application
from ..services.queries import ApplicationFilter, iter_applications
from . import labels
from .formatting import beijing, number


def header() -> list[str]:
    return [_("Number"), _("Flow"), _("Customer"), _("Customer type"), _("Contact person"),
            _("Phone"), _("Address"), _("Channel"), _("Accepted at"), _("Status"),
            _("Current steps"), _("Deadline"), _("Time-limit state"),
            _("Remaining working hours"), _("Working hours over"), _("Completed at")]


def rows(f: ApplicationFilter) -> Iterator[list[str]]:
    lang, clock, moment = current_language(), app_clock(), now()
    for app in iter_applications(f, moment):
        view = present_application(app, moment, clock, lang, with_steps=False)
        flow = flow_of(app)
        steps = [pick(s.name_zh, s.name_en, lang) for s in flow.steps
                 if s.code in view["current_steps"]]
        sla = view["sla"]
        yield [view["number"], f"{view['flow']} {view['flow_name']}", view["customer_name"],
               labels.label(labels.CUSTOMER_TYPES, view["customer_type"]), view["contact_name"],
               view["contact_phone"], view["address"],
               labels.label(labels.CHANNELS, view["channel"]), beijing(view["accepted_at"]),
               labels.label(labels.APP_STATUSES, view["status"]), "、".join(steps),
               beijing(sla["due_at"]), labels.label(labels.STATES, sla["state"]),
               number(sla["remaining_hours"], 2) if sla["remaining_hours"] is not None else "",
               number(sla["over_hours"], 2) if sla["over_hours"] else "",
               beijing(view["completed_at"]) if view["completed_at"] else ""]


def _lines(f: ApplicationFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = SafeWriter(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header())
    yield BOM + flush()
    for row in rows(f):
        writer.writerow(row)
        yield flush()


def csv_response(f: ApplicationFilter) -> Response:
    """The filtered applications as a streamed CSV download."""
    stamp = now().astimezone(app_clock().tz).strftime("%Y%m%d-%H%M")
    response = Response(stream_with_context(_lines(f)), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="applications-{stamp}.csv"'
    return response
