"""/api/v1/reports/monthly: the monthly overdue report as JSON or XLSX, and its issued versions."""
from __future__ import annotations

import io

from flask import Response, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..api.auth import authenticate, require
from ..api.idempotency import idempotent
from ..extensions import db
from ..i18n import current_language
from ..models import Role, User
from ..services.errors import ValidationFailed
from ..services.months import parse_month
from .issuance import get_issued, issue_monthly_report, list_issued, report_data
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


class FlowFigures(Schema):
    flow = fields.String()
    flow_name_zh = fields.String()
    flow_name_en = fields.String()
    accepted = fields.Integer()
    accepted_cancelled = fields.Integer()
    completed = fields.Integer()
    completed_on_time = fields.Integer()
    completed_late = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)
    avg_working_days = fields.Float(allow_none=True)
    p90_working_days = fields.Float(allow_none=True)
    limit_working_days_min = fields.Float(allow_none=True)
    limit_working_days_max = fields.Float(allow_none=True)


class OverdueItem(Schema):
    kind = fields.String(metadata={"description": "application | step"})
    number = fields.String()
    customer = fields.String()
    flow = fields.String()
    step = fields.String(allow_none=True)
    step_name_zh = fields.String()
    step_name_en = fields.String()
    department = fields.String()
    department_name_zh = fields.String()
    department_name_en = fields.String()
    due_at = fields.String()
    completed_at = fields.String(allow_none=True)
    cancelled_at = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "done (late) | running | cancelled"})
    over_seconds = fields.Integer()
    over_hours = fields.Float()
    over_days = fields.Float()
    pause_reasons = fields.List(fields.Dict())
    why_zh = fields.String(metadata={"description": "why the deadline is where it is"})
    why_en = fields.String()


class PointsItem(Schema):
    key = fields.String(metadata={"description": "stable, unique in the month"})
    rule = fields.String()
    department = fields.String()
    department_zh = fields.String()
    department_en = fields.String()
    subject = fields.Dict(metadata={"description": "kind, number, step, id of what is charged"})
    points = fields.Float(metadata={"description": "the rule's default points"})
    range = fields.List(fields.Float(), metadata={"description": "[min, max] of the rule"})
    share = fields.Float(metadata={"description": "fraction of a split charge (else 1)"})
    backdated = fields.Boolean(metadata={"description": "rests on a back-dated entry (补录)"})
    referred = fields.Boolean(metadata={"description": "referred to the inspection office"})
    why_zh = fields.String()
    why_en = fields.String()
    # An issued version carries the assessment office's review of each item (tracker.assessment)
    proposed_points = fields.Float(metadata={"description": "the draft's points before review"})
    manual = fields.Boolean(metadata={"description": "added by the assessor"})
    status = fields.String(metadata={"description": "counted | confirmed | waived | removed | "
                                                    "pending (back-dated, undecided)"})
    reason = fields.String(metadata={"description": "the assessor's reason"})
    evidence = fields.String()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True)
    # reports issued before charges were itemised (kept as they were frozen)
    count = fields.Integer()
    points_each = fields.Float()
    department_name_zh = fields.String()
    department_name_en = fields.String()


class PointsOut(Schema):
    rules = fields.Dict(metadata={"description": "rule → range, default, names, measured, unit"})
    items = fields.List(fields.Nested(PointsItem))
    by_department = fields.List(fields.Dict())
    total = fields.Float()
    awaiting_assignment = fields.List(fields.Dict(), metadata={
        "description": "charges whose department is not assigned yet (charged to nobody)"})
    not_measured = fields.List(fields.String(), metadata={"description": "older reports"})


class MonthlyReportOut(Schema):
    schema = fields.Integer()
    month = fields.String()
    period = fields.Dict()
    as_of = fields.String()
    working_day_hours = fields.Float()
    flows = fields.List(fields.Nested(FlowFigures))
    totals = fields.Dict()
    steps = fields.List(fields.Dict())
    overdue = fields.List(fields.Nested(OverdueItem))
    aftercare = fields.Dict()
    points = fields.Nested(PointsOut)
    issue = fields.Dict(allow_none=True, metadata={
        "description": "version, issued_at, issued_by, trigger; null for live figures"})


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
    @blp.doc(responses={"200": {"description": "The report as an Excel workbook",
                                "content": {XLSX: {"schema": {"type": "string",
                                                              "format": "binary"}}}}})
    def get(self, args, month):
        """The report as XLSX: the stored workbook of an issued version, else live figures."""
        parsed = parse_month(month)
        version, live = args.get("version"), args["live"]
        lang = current_language()
        stored = None if live else get_issued(parsed, version)
        suffix = f"-v{stored.version}" if stored is not None else "-live"
        name = f"monthly-report-{parsed.label}{suffix}.xlsx"
        if stored is not None and stored.xlsx and lang == "zh":
            return send_file(io.BytesIO(stored.xlsx), mimetype=XLSX, as_attachment=True,
                             download_name=name)  # exactly what was issued
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
