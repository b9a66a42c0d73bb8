"""/api/v1/assessment: the monthly assessment's review (the assessment office), its issue,
the departments' appeals and their decision. Every change is made from the review's version
just read (its ETag as If-Match, or `version` in the body)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..api.auth import ASSESSORS, READERS, WRITERS, authenticate, require
from ..api.idempotency import idempotent
from ..api.preconditions import change_from, conflict_schema, documents_change, etag_header
from ..api.schemas import Text
from ..i18n import current_language
from ..services.months import parse_month
from . import commands, presenters, queries

blp = Blueprint("assessment", __name__, url_prefix="/api/v1/assessment",
                description="The monthly assessment (月度绩效考核): review, issue, appeal")

Points = fields.Float(required=True, allow_nan=False,
                      validate=validate.Range(min=-1000, max=1000),
                      metadata={"description": "Points (or percent of the bonus) within the "
                                               "item's or the rule's range."})


class AssessmentVersioned(Schema):
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "The review's version (optimistic lock)."})


class AssessmentPointsAction(AssessmentVersioned):
    key = Text(required=True, validate=validate.Length(min=1, max=300))
    points = Points
    reason = Text(load_default="", validate=validate.Length(max=2000),
                  metadata={"description": "Required when the points differ from the default."})


class AssessmentBackdatedAction(AssessmentVersioned):
    key = Text(required=True, validate=validate.Length(min=1, max=300))
    confirm = fields.Boolean(required=True, metadata={
        "description": "true: the lateness counts; false: waived (not counted)."})
    reason = Text(required=True, validate=validate.Length(min=1, max=2000))


class AssessmentItemCreate(AssessmentVersioned):
    department = Text(required=True, validate=validate.Length(min=1, max=40))
    rule = Text(required=True, validate=validate.Length(min=1, max=40))
    points = Points
    reason = Text(required=True, validate=validate.Length(min=1, max=2000))
    evidence = Text(load_default="", validate=validate.Length(max=2000),
                    metadata={"description": "A reference to the evidence (file number, notice)."})


class AssessmentAppealCreate(AssessmentVersioned):
    key = Text(required=True, validate=validate.Length(min=1, max=300))
    reason = Text(required=True, validate=validate.Length(min=1, max=2000))


class AssessmentDecisionAction(AssessmentVersioned):
    upheld = fields.Boolean(required=True)
    reason = Text(required=True, validate=validate.Length(min=1, max=2000))
    points = fields.Float(load_default=None, allow_none=True, allow_nan=False,
                          validate=validate.Range(min=-1000, max=1000),
                          metadata={"description": "Upheld: the item's new points; none "
                                                   "removes it."})


class AssessmentAppealQuery(Schema):
    department = Text(validate=validate.Length(max=40))


class AssessmentSubjectOut(Schema):
    kind = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    step = fields.String(allow_none=True)
    step_name = fields.String(metadata={"description": "the step's name in the flow (else its code)"})
    id = fields.Raw(allow_none=True)


class AssessmentAppealOut(Schema):
    id = fields.Integer()
    month = fields.String()
    key = fields.String()
    report_version = fields.Integer()
    department = fields.String()
    department_zh = fields.String()
    department_en = fields.String()
    reason = fields.String()
    filed_by = fields.String(allow_none=True)
    filed_at = fields.String(allow_none=True)
    deadline = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "open | upheld | rejected"})
    outcome_points = fields.Float(allow_none=True)
    decision_reason = fields.String()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True)


class AssessmentItemOut(Schema):
    key = fields.String()
    rule = fields.String()
    department = fields.String()
    department_name = fields.String()
    subject = fields.Nested(AssessmentSubjectOut)
    points = fields.Float(metadata={"description": "Counted (0 when waived or removed)."})
    proposed_points = fields.Float()
    range = fields.List(fields.Float())
    share = fields.Float()
    backdated = fields.Boolean()
    referred = fields.Boolean()
    manual = fields.Boolean()
    status = fields.String(metadata={"description": "counted | confirmed | waived | removed | "
                                                    "pending (back-dated, undecided)"})
    reason = fields.String()
    evidence = fields.String()
    why = fields.String()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True)
    appeals = fields.List(fields.Nested(AssessmentAppealOut))
    open_appeal = fields.Integer(allow_none=True)


class AssessmentDepartmentTotal(Schema):
    department = fields.String()
    department_name_zh = fields.String()
    department_name_en = fields.String()
    points = fields.Float()
    percent = fields.Float()


class AssessmentRuleOut(Schema):
    code = fields.String()
    name = fields.String()
    range = fields.List(fields.Float())
    default = fields.Float()
    measured = fields.Boolean()
    unit = fields.String()


class AssessmentReviewOut(Schema):
    month = fields.String()
    version = fields.Integer(metadata={"description": "Send it back with a change (If-Match)."})
    changed_since_issue = fields.Boolean()
    issued_version = fields.Integer(allow_none=True)
    issued_at = fields.String(allow_none=True)
    appeal_deadline = fields.String(allow_none=True)
    appeals_open = fields.Boolean()
    items = fields.List(fields.Nested(AssessmentItemOut))
    by_department = fields.List(fields.Nested(AssessmentDepartmentTotal))
    total = fields.Float()
    bonus_deduction = fields.List(fields.Nested(AssessmentDepartmentTotal))
    pending_backdated = fields.List(fields.String())
    orphan_decisions = fields.List(fields.Dict())
    rules = fields.List(fields.Nested(AssessmentRuleOut))
    appeals = fields.List(fields.Nested(AssessmentAppealOut))


class AssessmentDepartmentView(Schema):
    month = fields.String()
    department = fields.String()
    report_version = fields.Integer(allow_none=True)
    version = fields.Integer()
    issued_version = fields.Integer(allow_none=True)
    issued_at = fields.String(allow_none=True)
    appeal_deadline = fields.String(allow_none=True)
    appeals_open = fields.Boolean()
    items = fields.List(fields.Nested(AssessmentItemOut))
    total = fields.Float()
    rules = fields.List(fields.Nested(AssessmentRuleOut))


class AssessmentIssuedOut(Schema):
    month = fields.String()
    version = fields.Integer()
    issued_at = fields.String()


ReviewConflictOut = conflict_schema("AssessmentConflictOut", AssessmentReviewOut)
changes = documents_change(blp, ReviewConflictOut)


def _review(month: str) -> dict:
    return presenters.present_review(parse_month(month), current_language())


def _answer(month: str):
    present = _review(month)
    return present, etag_header(present["version"])


def _from_read(month: str, data: dict, action):
    """Run a change from the version read (If-Match or `version`); a 409/412 carries the
    review as it now stands."""
    parsed = parse_month(month)
    return change_from(data.get("version"), lambda: queries.review_version(parsed),
                       lambda: AssessmentReviewOut().dump(_review(month)), action)


@blp.route("/<string:month>")
class Review(MethodView):
    @require(*READERS)
    @blp.response(200, AssessmentReviewOut)
    def get(self, month):
        """The month's draft with the review applied (items, totals per department, appeals);
        its version is the ETag."""
        return _answer(month)


@blp.route("/<string:month>/points")
class SetPoints(MethodView):
    @require(*ASSESSORS)
    @blp.arguments(AssessmentPointsAction)
    @blp.response(200, AssessmentReviewOut)
    @changes
    def post(self, data, month):
        """Choose an item's points within its range (a reason when not the default)."""
        _from_read(month, data, lambda version: commands.set_points(
            parse_month(month), data["key"], data["points"], data["reason"], authenticate(),
            expected_version=version))
        return _answer(month)


@blp.route("/<string:month>/backdated")
class Backdated(MethodView):
    @require(*ASSESSORS)
    @blp.arguments(AssessmentBackdatedAction)
    @blp.response(200, AssessmentReviewOut)
    @changes
    def post(self, data, month):
        """Confirm or waive a lateness resting on a back-dated entry (with the reason)."""
        _from_read(month, data, lambda version: commands.decide_backdated(
            parse_month(month), data["key"], data["confirm"], data["reason"], authenticate(),
            expected_version=version))
        return _answer(month)


@blp.route("/<string:month>/items")
class Items(MethodView):
    @require(*ASSESSORS)
    @idempotent
    @blp.arguments(AssessmentItemCreate)
    @blp.response(201, AssessmentReviewOut)
    @changes
    def post(self, data, month):
        """Add a discretionary item (department, rule, points in the rule's range, reason,
        evidence)."""
        _from_read(month, data, lambda version: commands.add_item(
            parse_month(month), data["department"], data["rule"], data["points"],
            data["reason"], data["evidence"], authenticate(), expected_version=version))
        return _answer(month)


@blp.route("/<string:month>/issue")
class Issue(MethodView):
    @require(*ASSESSORS)
    @idempotent
    @blp.arguments(AssessmentVersioned)
    @blp.response(201, AssessmentIssuedOut)
    @changes
    def post(self, data, month):
        """Issue the reviewed month as a new report version (old versions stay readable)."""
        row = _from_read(month, data, lambda version: commands.issue(
            parse_month(month), authenticate(), expected_version=version))
        return {"month": row.month, "version": row.version,
                "issued_at": row.issued_at.isoformat()}


@blp.route("/<string:month>/mine")
class Mine(MethodView):
    @require(*WRITERS)
    @blp.response(200, AssessmentDepartmentView)
    def get(self, month):
        """The caller's department's items in the latest issued version, with its appeals."""
        user = authenticate()
        present = presenters.present_issued_for(
            parse_month(month), user.department.code if user.department else "",
            current_language())
        return present, etag_header(present["version"])


@blp.route("/<string:month>/appeals")
class Appeals(MethodView):
    @require(*WRITERS)
    @idempotent
    @blp.arguments(AssessmentAppealCreate)
    @blp.response(201, AssessmentAppealOut)
    @changes
    def post(self, data, month):
        """Appeal an item of the caller's department within the window (working days after
        the issue)."""
        appeal = _from_read(month, data, lambda version: commands.file_appeal(
            parse_month(month), data["key"], data["reason"], authenticate(),
            expected_version=version))
        return presenters.present_appeal(appeal, month, {})


@blp.route("/<string:month>/appeals/<int:appeal_id>/decision")
class Decide(MethodView):
    @require(*ASSESSORS)
    @blp.arguments(AssessmentDecisionAction)
    @blp.response(200, AssessmentReviewOut)
    @changes
    def post(self, data, month, appeal_id):
        """Decide an appeal: upheld (the item changed, or removed) or rejected, with the
        reason; issuing afterwards makes the next version."""
        _from_read(month, data, lambda version: commands.decide_appeal(
            parse_month(month), appeal_id, data["upheld"], data["reason"], authenticate(),
            points=data["points"], expected_version=version))
        return _answer(month)


@blp.route("/open-appeals")
class OpenAppeals(MethodView):
    @require(*READERS)
    @blp.arguments(AssessmentAppealQuery, location="query")
    @blp.response(200, AssessmentAppealOut(many=True))
    def get(self, args):
        """Open appeals, oldest first (of one department when given)."""
        rows = queries.open_appeals(args.get("department"))
        return [presenters.present_appeal(a, queries.month_of(a.review_id) or "", {})
                for a in rows]
