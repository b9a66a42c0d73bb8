"""/api/v1/me/work: My work as data, the same rows as the page (services.work)."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..localtime import local
from ..services.app_clock import app_clock
from ..services.work import Duty, my_work
from .auth import authenticate, require
from .schemas import ErrorOut, PageArgs, PageOut, SlaOut

blp = Blueprint("my_work", __name__, url_prefix="/api/v1", description="My work (我的待办)")


class DutyOut(Schema):
    kind = fields.String(metadata={"description": "step | screening | callback | followup | "
                                                  "problem | materials | appointment"})
    title = fields.String()
    next_action = fields.String(metadata={"description": "What to do next, in your language"})
    url = fields.String(metadata={"description": "The page where it is done"})
    number = fields.String(metadata={"description": "The application's (or problem's) number"})
    customer = fields.String()
    address = fields.String()
    phone = fields.String()
    tel = fields.String(metadata={"description": "The phone as a tel: link takes it"})
    department = fields.String()
    sla = fields.Nested(SlaOut, allow_none=True,
                        metadata={"description": "None for a step waiting to be started"})


class DutyPage(PageOut):
    items = fields.List(fields.Nested(DutyOut))


def present_duty(duty: Duty, day_seconds: float) -> dict[str, Any]:
    """One duty as the API gives it."""
    sla = None
    if duty.state is not None:
        sla = duty.state.as_dict(day_seconds)
        sla["due_at"] = local(sla["due_at"])
    return {"kind": duty.kind, "title": duty.title, "next_action": duty.next_action,
            "url": duty.url, "number": duty.number, "customer": duty.customer,
            "address": duty.address, "phone": duty.phone, "tel": duty.tel,
            "department": duty.department, "sla": sla}


@blp.route("/me/work")
class MyWork(MethodView):
    @require()
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, DutyPage)
    @blp.alt_response(401, schema=ErrorOut)
    @blp.alt_response(403, schema=ErrorOut)
    @blp.alt_response(422, schema=ErrorOut)
    def get(self, args):
        """The open duties of your department, overdue first, then the soonest deadline."""
        user = authenticate()
        department = user.department.code if user.department else None
        result = my_work(department, args["page"], args["per_page"])
        day = app_clock().working_day_length.total_seconds()
        result["items"] = [present_duty(d, day) for d in result["items"]]
        return result
