"""/api/v1/me/work: My work as data, the same rows as the page (services.work); and
/api/v1/duties/<id>/assignee: who has a duty (services.owners)."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..localtime import local
from ..services import owners
from ..services.app_clock import app_clock
from ..services.work import DUE_FILTERS, Duty, my_work
from .auth import WRITERS, authenticate, require
from .preconditions import IF_MATCH, change_from, conflict_schema, etag_header
from .schemas import ErrorOut, PageArgs, PageOut, SlaOut, Text

blp = Blueprint("my_work", __name__, url_prefix="/api/v1", description="My work (我的待办)")

SCOPES = ("department", "mine")


class WorkArgs(PageArgs):
    scope = fields.String(load_default="department", validate=validate.OneOf(SCOPES), metadata={
        "description": "department: every open duty of your department; mine: the duties "
                       "given to you, and those nobody has taken yet on the applications you "
                       "own"})
    due = fields.String(load_default=None, validate=validate.OneOf(DUE_FILTERS), metadata={
        "description": "today: only the duties due later today; overdue: only those past "
                       "their deadline (the dashboard's department figures)"})


class DutyOut(Schema):
    id = fields.Integer(allow_none=True, metadata={
        "description": "The duty (POST /api/v1/duties/<id>/assignee); None for a step waiting "
                       "to be started"})
    version = fields.Integer(allow_none=True, metadata={
        "description": "Send it back with an assignment"})
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
    owner = fields.String(metadata={"description": "The application's owner (客户代表), by name"})
    assignee = fields.String(metadata={"description": "Who has the duty; empty: nobody yet"})
    assignee_username = fields.String()
    sla = fields.Nested(SlaOut, allow_none=True,
                        metadata={"description": "None for a step waiting to be started"})


class DutyPage(PageOut):
    items = fields.List(fields.Nested(DutyOut))


class AssigneeChange(Schema):
    assignee = Text(load_default=None, allow_none=True, validate=validate.Length(max=64),
                    metadata={"description": "The user name of a person of the duty's "
                                             "department; null or empty: back to the "
                                             "department"})
    version = fields.Integer(load_default=None, allow_none=True)


class AssignedOut(Schema):
    id = fields.Integer()
    version = fields.Integer()
    kind = fields.String()
    department = fields.String()
    assignee = fields.String(allow_none=True, metadata={"description": "A user name, or None"})


AssignConflict = conflict_schema("AssignConflictOut", AssignedOut)


def present_duty(duty: Duty, day_seconds: float) -> dict[str, Any]:
    """One duty as the API gives it."""
    sla = None
    if duty.state is not None:
        sla = duty.state.as_dict(day_seconds)
        sla["due_at"] = local(sla["due_at"])
    return {"id": duty.duty_id, "version": duty.version, "kind": duty.kind,
            "title": duty.title, "next_action": duty.next_action,
            "url": duty.url, "number": duty.number, "customer": duty.customer,
            "address": duty.address, "phone": duty.phone, "tel": duty.tel,
            "department": duty.department, "owner": duty.owner, "assignee": duty.assignee,
            "assignee_username": duty.assignee_username, "sla": sla}


@blp.route("/me/work")
class MyWork(MethodView):
    @require()
    @blp.arguments(WorkArgs, location="query")
    @blp.response(200, DutyPage)
    @blp.alt_response(401, schema=ErrorOut)
    @blp.alt_response(403, schema=ErrorOut)
    @blp.alt_response(422, schema=ErrorOut)
    def get(self, args):
        """Your open duties (scope=mine) or your department's (scope=department, the
        default), overdue first, then the soonest deadline."""
        user = authenticate()
        department = user.department.code if user.department else None
        person = user.id if args["scope"] == "mine" else None
        result = my_work(department, args["page"], args["per_page"], person=person,
                         due=args["due"])
        day = app_clock().working_day_length.total_seconds()
        result["items"] = [present_duty(d, day) for d in result["items"]]
        return result


def _assigned(duty_id: int) -> dict[str, Any]:
    timer = owners.get_duty(duty_id)
    return {"id": timer.id, "version": timer.version_id, "kind": timer.subject_type.value,
            "department": timer.department_code,
            "assignee": owners.assignee_of(timer)}


@blp.route("/duties/<int:duty_id>/assignee")
class DutyAssignee(MethodView):
    @require(*WRITERS)
    @blp.arguments(AssigneeChange)
    @blp.response(200, AssignedOut)
    @blp.alt_response(401, schema=ErrorOut)
    @blp.alt_response(403, schema=ErrorOut)
    @blp.alt_response(404, schema=ErrorOut)
    @blp.alt_response(409, schema=AssignConflict)
    @blp.alt_response(412, schema=AssignConflict)
    @blp.alt_response(422, schema=ErrorOut)
    @blp.alt_response(428, schema=ErrorOut)
    @blp.doc(parameters=[IF_MATCH])
    def post(self, data, duty_id):
        """Give a duty to a person of its department, or take it yourself (我来办: your own
        user name); a team lead or an administrator gives it to anyone of that department
        or back to it (null). Logged. The version is the duty's (`version` in My work)."""
        change_from(data.get("version"), lambda: owners.get_duty(duty_id).version_id,
                    lambda: AssignedOut().dump(_assigned(duty_id)),
                    lambda version: owners.assign_duty(duty_id, data["assignee"], authenticate(),
                                                       expected_version=version))
        answer = _assigned(duty_id)
        return answer, etag_header(answer["version"])
