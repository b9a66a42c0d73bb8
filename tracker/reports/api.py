"""/api/v1/reports/monthly: the monthly overdue report as JSON or XLSX, and its issued versions;
/api/v1/reports/<month>/builds: a download built by the job (builds.py), fetched when ready."""
from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, redirect, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..api.auth import authenticate, require
from ..api.idempotency import idempotent
from ..api.schemas import ErrorOut
from ..extensions import db
from ..i18n import current_language
from ..models import Role, User
from ..services.errors import ValidationFailed
from ..services.months import parse_month
from .builds import (
    build_fields,
    download_name,
    file_response,
    get_build,
    ready_file,
    request_build,
    through_job,
    wanted,
)
from .csvfile import TABLES
from .issuance import get_issued, issue_monthly_report, list_issued, report_data
from .models import BuildKind, BuildState, ReportBuild
from .schemas import MonthlyReportOut
from .xlsx import file_chunks, xlsx_file

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports",
                description="The monthly overdue report (月度超时报告)")

ISSUERS = (Role.TEAM_LEAD, Role.ADMIN, Role.ASSESSOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportQuery(Schema):
    version = fields.Integer(validate=validate.Range(min=1, max=100000),
                             metadata={"description": "An issued version (default: the latest)."})
    live = fields.Boolean(load_default=False,
                          metadata={"description": "Compute now, even if the month was issued."})


class MonthQuery(Schema):
    month = fields.String(metadata={"description": "Only this month (YYYY-MM)."})


class IssuedOut(Schema):
    month = fields.String()
    version = fields.Integer()
    issued_at = fields.AwareDateTime()
    issued_by = fields.String(allow_none=True)
    json_url = fields.String()
    xlsx_url = fields.String()


class BuildCreate(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in BuildKind]),
                         metadata={"description": "xlsx | csv | json"})
    table = fields.String(load_default="overdue", validate=validate.OneOf(TABLES),
                          metadata={"description": "The CSV's table (csv only)."})
    version = fields.Integer(validate=validate.Range(min=1, max=100000),
                             metadata={"description": "An issued version (default: the latest)."})
    live = fields.Boolean(load_default=False,
                          metadata={"description": "Live figures, even if the month was issued."})


class BuildOut(Schema):
    id = fields.Integer()
    month = fields.String()
    kind = fields.String()
    table = fields.String(allow_none=True)
    lang = fields.String(metadata={"description": "the file's language (Accept-Language)"})
    version = fields.Integer(allow_none=True, metadata={"description": "null: live figures"})
    live = fields.Boolean()
    state = fields.String(metadata={"description": "queued | running | done | failed"})
    progress = fields.Integer(metadata={"description": "0 to 100"})
    stage = fields.String(metadata={"description": "queued | computing | writing | storing | "
                                                   "done | failed"})
    stage_text = fields.String(metadata={"description": "the stage in the caller's language"})
    rows_done = fields.Integer()
    rows_total = fields.Integer()
    size = fields.Integer(metadata={"description": "bytes, once done"})
    filename = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    requested_by = fields.String(allow_none=True)
    requested_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    attempts = fields.Integer()
    url = fields.String()
    file_url = fields.String(allow_none=True, metadata={"description": "null until done"})


def _build_out(row: ReportBuild) -> dict[str, Any]:
    url = f"/api/v1/reports/{row.month}/builds/{row.id}"
    return {**build_fields(row), "url": url,
            "file_url": f"{url}/file" if row.state is BuildState.DONE else None}


def _located(view: Callable) -> Callable:
    """Put the build's `url` in a Location header (outside @idempotent, whose replay keeps
    only status and body)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        response = current_app.make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 300 and response.is_json:
            response.headers["Location"] = response.get_json()["url"]
        return response

    return wrapper


def _issued(row) -> dict:
    by = db.session.get(User, row.issued_by_id) if row.issued_by_id else None
    base = f"/api/v1/reports/monthly/{row.month}"
    return {"month": row.month, "version": row.version, "issued_at": row.issued_at,
            "issued_by": by.label if by else None, "json_url": f"{base}?version={row.version}",
            "xlsx_url": f"{base}.xlsx?version={row.version}"}


@blp.route("/monthly")
class IssuedReports(MethodView):
    @require()
    @blp.arguments(MonthQuery, location="query")
    @blp.response(200, IssuedOut(many=True))
    def get(self, args):
        """Issued versions, newest first."""
        month = args.get("month")
        return [_issued(row) for row in list_issued(parse_month(month) if month else None)]


@blp.route("/monthly/<string:month>.xlsx")
class MonthlyWorkbook(MethodView):
    @require()
    @blp.arguments(ReportQuery, location="query")
    @blp.doc(responses={"303": {"description": "A month above TRACKER_REPORT_INLINE_LIMIT "
                                               "applications: the build that makes it"},
                        "200": {"description": "The report as an Excel workbook",
                                "content": {XLSX: {"schema": {"type": "string",
                                                              "format": "binary"}}}}})
    def get(self, args, month):
        """The report as XLSX: the stored workbook of an issued version, else live figures."""
        parsed = parse_month(month)
        version, live = args.get("version"), args["live"]
        lang = current_language()
        stored = None if live else get_issued(parsed, version)
        name = download_name(parsed, "xlsx", "", stored.version if stored else None)
        if stored is not None and stored.xlsx and lang == "zh":
            return send_file(io.BytesIO(stored.xlsx), mimetype=XLSX, as_attachment=True,
                             download_name=name)  # exactly what was issued
        if through_job(parsed):  # too big for a request: the build that makes it
            row, _new = request_build(wanted(parsed, "xlsx", lang=lang, version=version,
                                             live=live), authenticate())
            return redirect(_build_out(row)["url"], 303)
        # Built in a temporary file in constant memory, streamed from there.
        content = xlsx_file(report_data(parsed, version=version, live=live), lang)
        return Response(file_chunks(content), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename={name}"})


@blp.route("/monthly/<string:month>")
class MonthlyReportView(MethodView):
    @require()
    @blp.arguments(ReportQuery, location="query")
    @blp.response(200, MonthlyReportOut)
    def get(self, args, month):
        """The report of a month (YYYY-MM): the latest issued version, or live figures."""
        if args["live"] and args.get("version"):
            raise ValidationFailed("Ask for a version or for live figures, not both.",
                                   fields={"live": ["Not with version."]})
        return report_data(parse_month(month), version=args.get("version"), live=args["live"])


@blp.route("/monthly/<string:month>/versions")
class MonthVersions(MethodView):
    @require()
    @blp.response(200, IssuedOut(many=True))
    def get(self, month):
        """The issued versions of one month."""
        return [_issued(row) for row in list_issued(parse_month(month))]


@blp.route("/monthly/<string:month>/issue")
class IssueReport(MethodView):
    @require(*ISSUERS)
    @idempotent
    @blp.response(201, IssuedOut)
    def post(self, month):
        """Issue the month's report as a new version (earlier versions are kept)."""
        return _issued(issue_monthly_report(parse_month(month), authenticate()))


@blp.route("/<string:month>/builds")
class ReportBuilds(MethodView):
    @require()
    @_located
    @idempotent
    @blp.arguments(BuildCreate)
    @blp.response(202, BuildOut, headers={"Location": {
        "description": "The build (poll it)", "schema": {"type": "string"}}})
    def post(self, args, month):
        """Have the job build a download (XLSX, a CSV table, or the JSON) of the month; the
        same request while one is queued or running, or while a done one is current, answers
        that one. Poll `url`; fetch `file_url` when `state` is done."""
        row, _new = request_build(wanted(month, args["kind"], table=args["table"],
                                         lang=current_language(), version=args.get("version"),
                                         live=args["live"]), authenticate())
        return _build_out(row)


@blp.route("/<string:month>/builds/<int:build_id>")
class ReportBuildView(MethodView):
    @require()
    @blp.response(200, BuildOut)
    def get(self, month, build_id):
        """Where a build stands: state, progress (0-100) and its stage."""
        return _build_out(get_build(month, build_id))


@blp.route("/<string:month>/builds/<int:build_id>/file")
class ReportBuildFile(MethodView):
    @require()
    @blp.alt_response(409, schema=ErrorOut, description="Not done yet (or failed)")
    @blp.doc(responses={"200": {"description": "The built file",
                                "content": {XLSX: {"schema": {"type": "string",
                                                              "format": "binary"}},
                                            "text/csv": {"schema": {"type": "string"}},
                                            "application/json": {"schema": {}}}}})
    def get(self, month, build_id):
        """The built file once done; 409 with where the build stands before that."""
        return file_response(ready_file(get_build(month, build_id)))
