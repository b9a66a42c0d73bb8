"""/api/v1: attachments of applications and other subjects, required documents, the printed
notices and the monthly report as PDF."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from ..api.auth import READERS, WRITERS, authenticate, require
from ..api.idempotency import idempotent
from ..api.preconditions import change_from, documents_change
from ..api.schemas import ApplicationOut, ConflictOut, ErrorOut, Text, VersionArgs
from ..i18n import current_language
from ..localtime import local
from ..services.app_clock import app_clock, now
from ..services.applications import get_application
from ..services.errors import ValidationFailed
from ..services.presenters import present_application
from . import commands, queries
from .responses import acceptance_notice_pdf, file_response, missing_notice_pdf, monthly_report_pdf

blp = Blueprint("documents", __name__, url_prefix="/api/v1",
                description="Attachments (附件), required documents (资料) and printed notices")


class _FormFields(Schema):
    class Meta:
        unknown = EXCLUDE  # the `file` part is read from request.files


class AttachmentForm(_FormFields, VersionArgs):
    step = Text(load_default=None, validate=validate.Length(max=40))
    kind = Text(load_default="", validate=validate.Length(max=100))
    note = Text(load_default="", validate=validate.Length(max=500))
    subject_type = Text(load_default="application", validate=validate.Length(max=20))
    subject_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    replaces = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


class SubjectAttachmentForm(_FormFields):
    stage = Text(load_default="", validate=validate.Length(max=40))
    kind = Text(load_default="", validate=validate.Length(max=100))
    note = Text(load_default="", validate=validate.Length(max=500))


class AttachmentOut(Schema):
    id = fields.Integer()
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    filename = fields.String()
    step = fields.String(attribute="step_code", allow_none=True)
    kind = fields.String()
    note = fields.String()
    subject_type = fields.String()
    subject_id = fields.Integer(allow_none=True)
    stage = fields.String()
    uploaded_by = fields.Function(lambda a: a.uploaded_by.label if a.uploaded_by else None)
    uploaded_at = fields.Function(lambda a: local(a.uploaded_at).isoformat())
    replaces = fields.Integer(attribute="replaces_id", allow_none=True)
    replaced_at = fields.Function(lambda a: local(a.replaced_at).isoformat()
                                  if a.replaced_at else None)
    current = fields.Boolean()


class MaterialOut(Schema):
    material = fields.String()
    state = fields.String(metadata={"description": "present | on_record | waived | missing"})
    attachments = fields.Function(lambda s: [a.id for a in s.attachments])
    reason = fields.Function(lambda s: s.waiver.reason if s.waiver else None)


class StepDocumentsOut(Schema):
    step = fields.String()
    documents = fields.List(fields.Nested(MaterialOut))


class WaiverIn(VersionArgs):
    material = Text(required=True, validate=validate.Length(min=1, max=100))
    reason = Text(required=True, validate=validate.Length(max=500))


def _file() -> commands.Upload:
    item = request.files.get("file")
    if item is None or not item.filename:
        raise ValidationFailed("Send the file as the multipart field `file`.",
                               fields={"file": ["Missing data for required field."]})
    return commands.Upload(item.stream, item.filename)


def _from_read(number: str, data: dict, action):
    """Run a change of the application's documents from the application as read (If-Match
    with the ETag of its GET, or `version`); a 409/412 carries the application as it stands."""
    return change_from(
        data["version"], lambda: get_application(number).version_id,
        lambda: ApplicationOut().dump(present_application(
            get_application(number), now(), app_clock(), current_language())),
        action)


@blp.route("/applications/<string:number>/attachments")
class Attachments(MethodView):
    @require(*READERS)
    @blp.response(200, AttachmentOut(many=True))
    @blp.alt_response(404, schema=ErrorOut)
    def get(self, number):
        """Every attachment of the application, oldest first, replaced ones included."""
        return queries.attachments_of(get_application(number))

    @require(*WRITERS)
    @idempotent
    @blp.arguments(AttachmentForm, location="form")
    @blp.response(201, AttachmentOut)
    @blp.alt_response(404, schema=ErrorOut)
    @blp.alt_response(413, schema=ErrorOut)
    @blp.alt_response(422, schema=ErrorOut)
    @documents_change(blp, ConflictOut)
    def post(self, data, number):
        """Attach a file (multipart `file`): its type is read from its content, not its name.
        A new file is a create (`version` optional); `replaces` changes the attachment it
        replaces, so it is made from the application as read (If-Match or `version`)."""
        upload = _file()

        def attach(version):
            return commands.attach(number, upload, authenticate(), step=data["step"],
                                   kind=data["kind"], note=data["note"],
                                   subject_type=data["subject_type"],
                                   subject_id=data["subject_id"], replaces=data["replaces"],
                                   expected_version=version)

        if data["replaces"] is None:
            return attach(data["version"])
        return _from_read(number, data, attach)


@blp.route("/applications/<string:number>/attachments/<int:attachment_id>")
class AttachmentContent(MethodView):
    @require(*READERS)
    @blp.alt_response(404, schema=ErrorOut)
    @blp.response(200, content_type="application/octet-stream")
    def get(self, number, attachment_id):
        """The file's bytes, exactly as uploaded (ETag: its SHA-256)."""
        row = queries.get_attachment(attachment_id, get_application(number))
        return file_response(row, download=True)


@blp.route("/applications/<string:number>/documents")
class Documents(MethodView):
    @require(*READERS)
    @blp.response(200, StepDocumentsOut(many=True))
    @blp.alt_response(404, schema=ErrorOut)
    def get(self, number):
        """The documents each step requires, and whether each is on file."""
        by_step = queries.documents_by_step(get_application(number))
        return [{"step": code, "documents": states} for code, states in by_step.items()]


@blp.route("/applications/<string:number>/documents/waivers")
class Waivers(MethodView):
    @require(*WRITERS)
    @idempotent
    @blp.arguments(WaiverIn)
    @blp.response(201, MaterialOut)
    @blp.alt_response(422, schema=ErrorOut)
    @documents_change(blp, ConflictOut)
    def post(self, data, number):
        """Mark a required document not applicable (不适用), with the reason, from the
        application as read (If-Match with the ETag of its GET, or `version`)."""
        row = _from_read(number, data, lambda version: commands.waive(
            number, data["material"], data["reason"], authenticate(), expected_version=version))
        return queries.MaterialState(row.material, row.step_code, "waived", waiver=row)


@blp.route("/applications/<string:number>/acceptance-notice.pdf")
class AcceptanceNotice(MethodView):
    @require(*READERS)
    @blp.response(200, content_type="application/pdf")
    @blp.alt_response(404, schema=ErrorOut)
    def get(self, number):
        """The 受理通知单 as PDF."""
        return acceptance_notice_pdf(number)


@blp.route("/applications/<string:number>/missing-notice.pdf")
class MissingNotice(MethodView):
    @require(*READERS)
    @blp.response(200, content_type="application/pdf")
    @blp.alt_response(404, schema=ErrorOut)
    @blp.alt_response(409, schema=ErrorOut)
    def get(self, number):
        """The 一次性告知单 of the documents accepted as missing (容缺受理), as PDF."""
        return missing_notice_pdf(number)


@blp.route("/reports/monthly/<string:month>.pdf")
class MonthlyReportPdf(MethodView):
    @require(*READERS)
    @blp.response(200, content_type="application/pdf")
    @blp.alt_response(404, schema=ErrorOut)
    def get(self, month):
        """The monthly overdue report as PDF (`?version=N`, or `?live=true`)."""
        return monthly_report_pdf(month)


@blp.route("/attachments/<string:subject_type>/<int:subject_id>")
class SubjectAttachments(MethodView):
    @require(*READERS)
    @blp.response(200, AttachmentOut(many=True))
    def get(self, subject_type, subject_id):
        """Evidence of a subject without an application (`problem`, `supervision`)."""
        return queries.subject_attachments(subject_type, subject_id)

    @require(*WRITERS)
    @idempotent
    @blp.arguments(SubjectAttachmentForm, location="form")
    @blp.response(201, AttachmentOut)
    @blp.alt_response(404, schema=ErrorOut)
    @blp.alt_response(422, schema=ErrorOut)
    def post(self, data, subject_type, subject_id):
        """Attach evidence (佐证材料) to a problem stage or a 督办 answer."""
        return commands.attach_to_subject(subject_type, subject_id, _file(), authenticate(),
                                          stage=data["stage"], kind=data["kind"],
                                          note=data["note"])


@blp.route("/attachments/<int:attachment_id>")
class AnyAttachment(MethodView):
    @require(*READERS)
    @blp.response(200, content_type="application/octet-stream")
    @blp.alt_response(404, schema=ErrorOut)
    def get(self, attachment_id):
        """The bytes of any attachment by its id."""
        return file_response(queries.get_attachment(attachment_id), download=True)
