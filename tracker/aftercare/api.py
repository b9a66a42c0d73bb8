"""/api/v1/aftercare: callbacks (回访), follow-ups (上门回访), 好差评 imports, monthly rates."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..api.auth import READERS, WRITERS, authenticate, require
from ..api.dumping import compile_dump
from ..api.preconditions import change_from, conflict_schema, documents_change, etag_header
from ..api.schemas import PageArgs, PageOut, ProxyOut, SlaOut, Text
from ..errors import translate
from ..i18n import current_language
from ..services.applications import get_application
from ..services.errors import ValidationFailed
from ..services.pagination import page_of
from ..sla import FIRST_YEAR, LAST_YEAR
from . import commands, importer, presenters, queries, rates

blp = Blueprint("aftercare", __name__, url_prefix="/api/v1/aftercare",
                description="After water is on: callbacks, follow-ups, evaluations")



class ListArgs(PageArgs):
    status = Text(validate=validate.OneOf(["open", "done", "closed"]))


class CallbackOut(Schema):
    on_behalf = fields.List(fields.Nested(ProxyOut), dump_only=True,
                            metadata={"description": "代办 acts on this callback."})
    id = fields.Integer()
    application_number = fields.String()
    customer_name = fields.String()
    contact_name = fields.String()
    contact_phone = fields.String()
    completed_at = fields.DateTime(allow_none=True)
    status = fields.String()
    reached = fields.Boolean(allow_none=True)
    satisfied = fields.Boolean(allow_none=True)
    comment = fields.String()
    done_at = fields.DateTime(allow_none=True)
    done_by = fields.String(allow_none=True)
    attempts = fields.Integer()
    department_name = fields.String()
    assigned_department = fields.String(allow_none=True, metadata={
        "description": "the department made responsible for a 'not satisfied' callback"})
    assigned_department_name = fields.String(allow_none=True)
    version = fields.Integer()
    sla = fields.Nested(SlaOut, dump_only=True)


class CallbackPage(PageOut):
    items = fields.List(fields.Nested(CallbackOut))


class CallbackResult(Schema):
    reached = fields.Boolean(required=True)
    satisfied = fields.Boolean(load_default=None, allow_none=True)
    comment = Text(load_default="", validate=validate.Length(max=2000))
    version = fields.Integer(load_default=None, allow_none=True)
    proxy_reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=500),
                        metadata={"description": "代办: why a team lead or administrator does "
                                                 "this for the duty's department."})


class FollowUpOut(Schema):
    on_behalf = fields.List(fields.Nested(ProxyOut), dump_only=True,
                            metadata={"description": "代办 acts on this home visit."})
    id = fields.Integer()
    origin = fields.String(metadata={"description": "callback | evaluation"})
    status = fields.String()
    application_number = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)
    action_taken = fields.String()
    evidence = fields.String()
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    reason = fields.String(metadata={"description": "What the customer was not satisfied with."})
    version = fields.Integer()
    sla = fields.Nested(SlaOut, dump_only=True)


class FollowUpPage(CallbackPage):
    items = fields.List(fields.Nested(FollowUpOut))


class FollowUpClose(Schema):
    action_taken = Text(required=True, validate=validate.Length(min=1, max=4000))
    evidence = Text(load_default="", validate=validate.Length(max=4000))
    version = fields.Integer(load_default=None, allow_none=True)
    proxy_reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=500),
                        metadata={"description": "代办: why a team lead or administrator does "
                                                 "this for the duty's department."})


class RowErrorOut(Schema):
    line = fields.Integer()
    message = fields.String()


class ImportOut(Schema):
    imported = fields.Integer()
    already_imported = fields.Integer()
    follow_ups_opened = fields.Integer()
    errors = fields.List(fields.Nested(RowErrorOut))


class RatesArgs(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=FIRST_YEAR, max=LAST_YEAR))
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))


class RatesOut(Schema):
    year = fields.Integer()
    month = fields.Integer()
    due = fields.Integer()
    done = fields.Integer()
    rate = fields.Float(allow_none=True)
    done_on_time = fields.Integer()
    satisfied = fields.Integer()
    dissatisfied = fields.Integer()
    satisfaction_rate = fields.Float(allow_none=True)
    evaluations = fields.Integer()
    evaluations_dissatisfied = fields.Integer()
    follow_ups_opened = fields.Integer()
    follow_ups_closed = fields.Integer()


class SummaryCallbackOut(Schema):
    id = fields.Integer()
    status = fields.String()
    reached = fields.Boolean(allow_none=True)
    satisfied = fields.Boolean(allow_none=True)
    comment = fields.String()
    done_at = fields.DateTime(allow_none=True)
    done_by = fields.String(allow_none=True)
    attempts = fields.Integer()
    version = fields.Integer()
    sla = fields.Nested(SlaOut, dump_only=True)


class EvaluationOut(Schema):
    external_id = fields.String()
    satisfied = fields.Boolean()
    score = fields.Integer(allow_none=True)
    comment = fields.String()
    evaluated_at = fields.DateTime()


class SummaryOut(Schema):
    callback = fields.Nested(SummaryCallbackOut, allow_none=True)
    follow_ups = fields.List(fields.Nested(FollowUpOut))
    evaluations = fields.List(fields.Nested(EvaluationOut))
    open_follow_ups = fields.Integer()




class CallbackAssignment(Schema):
    department = Text(required=True, validate=validate.Length(min=1, max=40))
    version = fields.Integer(load_default=None, allow_none=True)


# CallbackPage's dump compiled into one function (api.dumping): Schema.dump walked every
# field of 50 callbacks and their deadlines, a third of the request.
_DUMP_CALLBACK_PAGE = compile_dump(CallbackPage)

CallbackConflictOut = conflict_schema("CallbackConflictOut", CallbackOut)
FollowUpConflictOut = conflict_schema("FollowUpConflictOut", FollowUpOut)


def _callback(callback_id: int) -> tuple[dict, dict[str, str]]:
    [present] = presenters.present_callback_rows([queries.callback_row(callback_id)],
                                                 current_language())
    return present, etag_header(present["version"])


def _follow_up(follow_up_id: int) -> tuple[dict, dict[str, str]]:
    [present] = presenters.present_follow_ups([queries.get_follow_up(follow_up_id)],
                                              current_language())
    return present, etag_header(present["version"])


def report_out(report: importer.ImportReport) -> dict[str, Any]:
    return {"imported": report.imported, "already_imported": report.already_imported,
            "follow_ups_opened": report.follow_ups_opened,
            "errors": [{"line": e.line, "message": translate(e.message, e.params)}
                       for e in report.errors]}


# --- views --------------------------------------------------------------------------------

@blp.route("/callbacks")
class Callbacks(MethodView):
    @require(*READERS)
    # An instance, not the class: webargs builds a new schema for each request when given
    # the class.
    @blp.arguments(ListArgs(), location="query")
    @blp.response(200, CallbackPage)
    def get(self, args):
        """Callbacks, open ones by deadline first, with the customer's phone to call."""
        rows, total = queries.list_callback_rows(status=args.get("status"), page=args["page"],
                                                 per_page=args["per_page"])
        # The documented CallbackPage (@blp.response keeps it in the OpenAPI document),
        # dumped by its compiled form.
        return jsonify(_DUMP_CALLBACK_PAGE(page_of(
            presenters.present_callback_rows(rows, current_language()), total, args["page"],
            args["per_page"])))


@blp.route("/callbacks/<int:callback_id>")
class CallbackItem(MethodView):
    @require(*READERS)
    @blp.response(200, CallbackOut)
    def get(self, callback_id):
        """One callback; its version is the ETag (send it back as If-Match with its result)."""
        return _callback(callback_id)


@blp.route("/callbacks/<int:callback_id>/result")
class CallbackResultView(MethodView):
    @require(*WRITERS)
    @blp.arguments(CallbackResult)
    @blp.response(200, CallbackOut)
    @documents_change(blp, CallbackConflictOut)
    def post(self, data, callback_id):
        """Record a call: not reached keeps it open; "not satisfied" opens a follow-up. Made
        from the callback as read (If-Match or `version`)."""
        change_from(data["version"], lambda: queries.get_callback(callback_id).version_id,
                    lambda: CallbackOut().dump(_callback(callback_id)[0]),
                    lambda version: commands.record_callback_result(
                        callback_id, authenticate(), reached=data["reached"],
                        satisfied=data["satisfied"], comment=data["comment"],
                        expected_version=version, proxy_reason=data["proxy_reason"]))
        return _callback(callback_id)


@blp.route("/callbacks/<int:callback_id>/assignment")
class CallbackAssignmentView(MethodView):
    @require(*WRITERS)
    @blp.arguments(CallbackAssignment)
    @blp.response(200, CallbackOut)
    @documents_change(blp, CallbackConflictOut)
    def post(self, data, callback_id):
        """责成相关部门处理: the department a "not satisfied" callback is charged to in the
        monthly assessment. Made from the callback as read (If-Match or `version`)."""
        change_from(data["version"], lambda: queries.get_callback(callback_id).version_id,
                    lambda: CallbackOut().dump(_callback(callback_id)[0]),
                    lambda version: commands.assign_callback(
                        callback_id, authenticate(), department=data["department"],
                        expected_version=version))
        return _callback(callback_id)


@blp.route("/follow-ups")
class FollowUps(MethodView):
    @require(*READERS)
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, FollowUpPage)
    def get(self, args):
        """Home-visit follow-ups (上门回访), open ones by deadline first."""
        items, total = queries.list_follow_ups(status=args.get("status"), page=args["page"],
                                               per_page=args["per_page"])
        return page_of(presenters.present_follow_ups(items, current_language()), total, args["page"],
                     args["per_page"])


@blp.route("/follow-ups/<int:follow_up_id>")
class FollowUpItem(MethodView):
    @require(*READERS)
    @blp.response(200, FollowUpOut)
    def get(self, follow_up_id):
        """One follow-up; its version is the ETag (send it back as If-Match to close it)."""
        return _follow_up(follow_up_id)


@blp.route("/follow-ups/<int:follow_up_id>/close")
class FollowUpCloseView(MethodView):
    @require(*WRITERS)
    @blp.arguments(FollowUpClose)
    @blp.response(200, FollowUpOut)
    @documents_change(blp, FollowUpConflictOut)
    def post(self, data, follow_up_id):
        """Close a follow-up with what was done and the evidence, from the follow-up as read
        (If-Match or `version`)."""
        change_from(data["version"], lambda: queries.get_follow_up(follow_up_id).version_id,
                    lambda: FollowUpOut().dump(_follow_up(follow_up_id)[0]),
                    lambda version: commands.close_follow_up(
                        follow_up_id, authenticate(), action_taken=data["action_taken"],
                        evidence=data["evidence"], expected_version=version,
                        proxy_reason=data["proxy_reason"]))
        return _follow_up(follow_up_id)


@blp.route("/evaluations/import")
class EvaluationImport(MethodView):
    @require(*WRITERS)
    @blp.doc(requestBody={"required": True, "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {"type": "object",
                                           "properties": {"file": {"type": "string",
                                                                   "format": "binary"}}}}}})
    @blp.response(200, ImportOut)
    def post(self):
        """Import evaluations from CSV: 好差评 (`?source=haochaping`, the default) or the
        government third-party survey (`?source=government_survey`, which the monthly
        assessment charges); bad rows are named by line, good rows imported once each;
        "not satisfied" opens a follow-up."""
        upload = request.files.get("file")
        data = upload.read() if upload is not None else request.get_data()
        if not data:
            raise ValidationFailed("Send a CSV file.", fields={"file": ["Required."]})
        return report_out(importer.import_evaluations(
            data, authenticate(), source=request.args.get("source", "haochaping")))


@blp.route("/rates")
class Rates(MethodView):
    @require(*READERS)
    @blp.arguments(RatesArgs, location="query")
    @blp.response(200, RatesOut)
    def get(self, args):
        """Callback rate (target 100%) and satisfaction rate of a month."""
        return rates.callback_rates(args["year"], args["month"])


@blp.route("/applications/<string:number>")
class Summary(MethodView):
    @require(*READERS)
    @blp.response(200, SummaryOut)
    def get(self, number):
        """An application's callback, follow-ups and evaluations."""
        return presenters.aftercare_summary(get_application(number).id)
