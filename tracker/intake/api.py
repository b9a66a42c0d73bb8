"""/api/v1/intake: platform pushes (platform tokens only), the screening queue (甄别) and the
rejected-push log (administrators)."""
from __future__ import annotations

import json
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)
from werkzeug.exceptions import RequestEntityTooLarge

from ..api.auth import READERS, WRITERS, authenticate, require
from ..api.preconditions import change_from, conflict_schema, documents_change, etag_header
from ..api.schemas import AwareDateTime, PageArgs, PageOut, Phone, SlaOut, Text
from ..i18n import current_language
from ..input_guard import json_depth_exceeded, parses_own_json
from ..models import Role
from ..services.errors import DomainError, ValidationFailed
from ..services.pagination import page_of
from ..settings import settings
from ..text import unstorable_in
from . import commands, platforms, presenters, queries

blp = Blueprint("intake", __name__, url_prefix="/api/v1/intake",
                description="Platform pushes (工改, 企业开办) and their screening (甄别)")



class PayloadTooLarge(DomainError):
    status = 413


class MalformedRequest(DomainError):
    status = 400


# --- schemas ------------------------------------------------------------------------------

class ProjectPush(Schema):
    """A construction project (工改) or a new company (企业开办) that may need water."""

    class Meta:
        unknown = EXCLUDE  # platforms add fields; the whole payload is kept as sent

    external_id = Text(required=True, validate=validate.Length(min=1, max=100),
                                metadata={"description": "The platform's id of the record."})
    kind = Text(load_default="project", validate=validate.OneOf(["project", "company"]))
    project_name = Text(required=True, validate=validate.Length(min=1, max=300),
                                 metadata={"description": "Project or company name "
                                                          "(company_name is accepted too)."})
    address = Text(load_default="", validate=validate.Length(max=300))
    contact_name = Text(load_default="", validate=validate.Length(max=100))
    contact_phone = Phone(load_default="")
    water_need = Text(load_default="", validate=validate.Length(max=300),
                               metadata={"description": "Expected water need "
                                                        "(e.g. DN100, 50 m³/d)."})
    requested_at = AwareDateTime(load_default=None, allow_none=True,
                                 metadata={"description": "Requested connection time; without "
                                                          "an offset it is Beijing time."})

    @pre_load
    def _aliases(self, data: Any, **kwargs: Any) -> Any:
        return platforms.normalise(data) if isinstance(data, dict) else data

    @validates_schema
    def _strip(self, data: dict[str, Any], **kwargs: Any) -> None:
        for name in ("external_id", "project_name"):
            if name in data and not data[name].strip():
                raise ValidationError("Must not be blank.", name)


class IntakeReceipt(Schema):
    id = fields.Integer()
    platform = fields.String()
    external_id = fields.String()
    status = fields.String(metadata={"description": "pending | needs_water | no_need"})
    outcome = fields.String(metadata={"description": "created | unchanged | updated | "
                                                     "changed_after_screening"})
    received_at = fields.DateTime()
    updated_at = fields.DateTime()
    application_number = fields.String(allow_none=True)
    version = fields.Integer()


class IntakeRecordOut(Schema):
    id = fields.Integer()
    platform = fields.String()
    platform_name = fields.String()
    external_id = fields.String()
    kind = fields.String()
    project_name = fields.String()
    address = fields.String()
    contact_name = fields.String()
    contact_phone = fields.String()
    water_need = fields.String()
    requested_at = fields.DateTime(allow_none=True)
    status = fields.String()
    received_at = fields.DateTime()
    updated_at = fields.DateTime()
    screened_at = fields.DateTime(allow_none=True)
    screened_by = fields.String(allow_none=True)
    no_need_reason = fields.String()
    application_number = fields.String(allow_none=True)
    changed_after_screening = fields.Boolean()
    payload = fields.Dict()
    version = fields.Integer()
    sla = fields.Nested(SlaOut, dump_only=True)


class IntakePage(PageOut):
    items = fields.List(fields.Nested(IntakeRecordOut))


class IntakeQuery(PageArgs):
    status = Text(load_default="pending",
                           validate=validate.OneOf(["pending", "needs_water", "no_need", "all"]))
    platform = Text(validate=validate.Length(max=40))


class ScreenAction(Schema):
    decision = Text(required=True, validate=validate.OneOf(["needs_water", "no_need"]))
    reason = Text(load_default="", validate=validate.Length(max=2000))
    requested_at = AwareDateTime(load_default=None, allow_none=True,
                                 metadata={"description": "Overrides the platform's requested "
                                                          "time (needed when it gave none)."})
    version = fields.Integer(load_default=None, allow_none=True)


IntakeConflictOut = conflict_schema("IntakeConflictOut", IntakeRecordOut)


class ScreenResult(Schema):
    record = fields.Nested(IntakeRecordOut)
    application_number = fields.String(allow_none=True)


class RejectedOut(Schema):
    id = fields.Integer()
    platform = fields.String()
    received_at = fields.DateTime()
    status_code = fields.Integer()
    reason = fields.String()
    errors = fields.Dict()
    body_excerpt = fields.String()
    size = fields.Integer()


class RejectedPage(PageOut):
    items = fields.List(fields.Nested(RejectedOut))






# --- reading a push -----------------------------------------------------------------------

def _refuse(platform: str, error: DomainError, body: bytes, size: int) -> DomainError:
    commands.reject(platform, error.status, error.message, params=error.params,
                   fields=error.fields, body=body, size=size)
    return error


def read_push(platform: str) -> tuple[platforms.Push, dict[str, Any]]:
    """Size first (so an oversized push is logged before anything reads it), then JSON, then
    fields; every refusal is kept in the rejected-intake log."""
    limit = settings().intake_max_bytes
    declared = request.content_length
    if declared is not None and declared > limit:
        raise _refuse(platform, PayloadTooLarge(
            "The push is larger than allowed (%(limit)s bytes).", params={"limit": limit}),
            b"", declared)
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise _refuse(platform, PayloadTooLarge(
            "The push is larger than allowed (%(limit)s bytes).", params={"limit": limit}),
            b"", declared or 0) from None
    if len(body) > limit:
        raise _refuse(platform, PayloadTooLarge(
            "The push is larger than allowed (%(limit)s bytes).", params={"limit": limit}),
            body, len(body))
    too_deep = json_depth_exceeded(body)
    if too_deep is not None:
        raise _refuse(platform, too_deep, body, len(body))
    try:
        payload = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _refuse(platform, MalformedRequest(
            "The body is not valid UTF-8 JSON: %(error)s", params={"error": str(exc)[:200]}),
            body, len(body)) from None
    if not isinstance(payload, dict):
        raise _refuse(platform, MalformedRequest("The body must be a JSON object."),
                      body, len(body))
    if unstorable_in(payload):
        raise _refuse(platform, ValidationFailed(
            "The push contains control characters or invalid text."), body, len(body))
    try:
        data = ProjectPush().load(payload)
    except ValidationError as exc:
        raise _refuse(platform, ValidationFailed("The push has errors.",
                                                 fields=exc.normalized_messages()),
                      body, len(body)) from None
    data["external_id"] = data["external_id"].strip()
    data["project_name"] = data["project_name"].strip()
    return platforms.Push(**data), payload


# --- views --------------------------------------------------------------------------------

@blp.route("/projects")
@parses_own_json
class Projects(MethodView):
    @require(Role.PLATFORM)
    @blp.doc(requestBody={"required": True,
                          "content": {"application/json": {"schema": ProjectPush}}})
    @blp.response(201, IntakeReceipt, description="A new record, queued for screening.")
    @blp.alt_response(200, schema=IntakeReceipt,
                      description="Already received: unchanged, updated, or changed after "
                                  "screening (logged; the decision stands).")
    @blp.alt_response(400, description="Not a JSON object, or nested too deeply (logged).")
    @blp.alt_response(413, description="Larger than TRACKER_INTAKE_MAX_BYTES (logged).")
    @blp.alt_response(422, description="Fields missing or invalid (logged).")
    def post(self):
        """Push a construction project or new company record (platform tokens only; idempotent
        by external_id)."""
        user = authenticate()
        push, payload = read_push(user.username)
        record, outcome = commands.receive(user.username, push, payload, user)
        receipt = presenters.present_record(record, current_language())
        receipt["outcome"] = outcome
        return receipt, 201 if outcome == "created" else 200


@blp.route("/records")
class Records(MethodView):
    @require(*READERS)
    @blp.arguments(IntakeQuery, location="query")
    @blp.response(200, IntakePage)
    def get(self, args):
        """The screening queue (pending by default, oldest first)."""
        status = None if args["status"] == "all" else args["status"]
        items, total = queries.list_records(status=status, platform=args.get("platform"),
                                            page=args["page"], per_page=args["per_page"])
        lang = current_language()
        return page_of([presenters.present_record(r, lang) for r in items], total, args["page"],
                     args["per_page"])


@blp.route("/records/<int:record_id>")
class RecordItem(MethodView):
    @require(*READERS)
    @blp.response(200, IntakeRecordOut)
    def get(self, record_id):
        """One pushed record with its payload and screening SLA; its version is the ETag
        (send it back as If-Match when screening it)."""
        record = presenters.present_record(queries.get_record(record_id), current_language())
        return record, etag_header(record["version"])


@blp.route("/records/<int:record_id>/screen")
class Screen(MethodView):
    @require(*WRITERS)
    @blp.arguments(ScreenAction)
    @blp.response(200, ScreenResult)
    @documents_change(blp, IntakeConflictOut)
    def post(self, data, record_id):
        """甄别: needs_water creates a 101 application from the requested time; no_need needs a
        reason. Made from the record as read (If-Match or `version`); answers its new ETag."""
        record, app = change_from(
            data["version"], lambda: queries.get_record(record_id).version_id,
            lambda: IntakeRecordOut().dump(
                presenters.present_record(queries.get_record(record_id), current_language())),
            lambda version: commands.screen(
                record_id, data["decision"], authenticate(), reason=data["reason"],
                requested_at=data["requested_at"], expected_version=version))
        present = presenters.present_record(record, current_language())
        return ({"record": present, "application_number": app.number if app else None},
                etag_header(present["version"]))


@blp.route("/rejected")
class Rejected(MethodView):
    @require(Role.ADMIN)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, RejectedPage)
    def get(self, args):
        """Refused pushes, newest first (administrators)."""
        items, total = queries.list_rejected(args["page"], args["per_page"])
        return page_of([presenters.present_rejected(r) for r in items], total, args["page"],
                     args["per_page"])
