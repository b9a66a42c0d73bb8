"""/api/v1/problems: the problem library (问题库): register, verify, rectify, re-check."""
from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from ..api.auth import READERS, WRITERS, authenticate, require
from ..api.idempotency import idempotent
from ..api.preconditions import change_from, conflict_schema, documents_change, etag_header
from ..api.schemas import AwareDateTime, PageArgs, PageOut, ProxyOut, SlaOut, Text
from ..i18n import current_language
from ..services.app_clock import app_clock, now
from ..services.pagination import page_of
from ..sla import FIRST_YEAR, LAST_YEAR
from . import commands, models, presenters, queries

blp = Blueprint("problems", __name__, url_prefix="/api/v1/problems",
                description="The problem library (问题库)")



class Deadline(AwareDateTime):
    """An instant, or a bare date meaning the close of office hours that day."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value.strip()) == 10:
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                pass
            else:
                if not FIRST_YEAR <= day.year <= LAST_YEAR:
                    raise ValidationError("Date out of range (2000–2099).")
                return day
        return super()._deserialize(value, attr, data, **kwargs)


class ProblemCreate(Schema):
    source = Text(required=True, validate=validate.OneOf(list(models.SOURCES)),
                           metadata={"description": "officer | hotline_12345 | haochaping | visit"})
    description = Text(required=True, validate=validate.Length(min=1, max=4000))
    location = Text(load_default="", validate=validate.Length(max=300),
                             metadata={"description": "Where it was found."})
    department = Text(required=True, validate=validate.Length(min=1, max=40),
                               metadata={"description": "Responsible department code."})
    reported_at = AwareDateTime(load_default=None, allow_none=True,
                                metadata={"description": "When it was reported (default now); "
                                                         "the verification clock starts here."})


class ProblemQuery(PageArgs):
    status = Text(validate=validate.OneOf(["open", *models.STATUSES]))
    source = Text(validate=validate.OneOf(list(models.SOURCES)))
    department = Text(validate=validate.Length(max=40))
    overdue = fields.Boolean()
    text = Text(validate=validate.Length(max=100))


class Versioned(Schema):
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "Expected version (optimistic lock)."})


class StageAction(Versioned):
    proxy_reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=500),
                        metadata={"description": "代办: why a team lead or administrator does "
                                                 "this for the stage's department (required "
                                                 "when acting for another department)."})


class VerifyAction(StageAction):
    is_problem = fields.Boolean(required=True)
    note = Text(load_default="", validate=validate.Length(max=4000),
                         metadata={"description": "Findings; the reason when not a problem."})
    rectify_due_at = Deadline(load_default=None, allow_none=True,
                              metadata={"description": "Rectification deadline (任务清单): an "
                                                       "instant, or a date (close of office)."})


class RectifiedAction(StageAction):
    note = Text(required=True, validate=validate.Length(min=1, max=4000))


class RecheckAction(StageAction):
    passed = fields.Boolean(required=True)
    note = Text(load_default="", validate=validate.Length(max=4000))
    rectify_due_at = Deadline(load_default=None, allow_none=True,
                              metadata={"description": "New deadline when sent back."})


class FindingOut(Schema):
    id = fields.Integer()
    number = fields.String()
    year = fields.Integer()
    department = fields.String()
    department_name = fields.String()
    points = fields.Float()
    reason = fields.String()
    recorded_at = fields.DateTime()
    recorded_by = fields.String(allow_none=True)


class StageOut(Schema):
    on_behalf = fields.Nested(ProxyOut, allow_none=True,
                              metadata={"description": "代办: done on the department's behalf."})
    stage = fields.String()
    stage_name = fields.String()
    department = fields.String()
    department_name = fields.String()
    completed_at = fields.DateTime(allow_none=True)
    sla = fields.Nested(SlaOut)


class HistoryOut(Schema):
    at = fields.DateTime()
    action = fields.String()
    actor = fields.String(allow_none=True)
    data = fields.Dict()


class ProblemOut(Schema):
    number = fields.String()
    source = fields.String()
    source_name = fields.String()
    description = fields.String()
    location = fields.String()
    department = fields.String()
    department_name = fields.String()
    status = fields.String(metadata={"description": "registered | verifying | rectifying | "
                                                    "rechecking | closed | not_problem"})
    status_name = fields.String()
    stage = fields.String(allow_none=True)
    reported_at = fields.DateTime()
    reported_by = fields.String(allow_none=True)
    issued_at = fields.DateTime(allow_none=True, metadata={"description": "下达: when it was "
                                                            "issued to the department."})
    verification_note = fields.String()
    not_problem_reason = fields.String()
    rectify_due_at = fields.DateTime(allow_none=True)
    rectification_note = fields.String()
    recheck_note = fields.String()
    closed_at = fields.DateTime(allow_none=True)
    version = fields.Integer()
    sla = fields.Nested(SlaOut, dump_only=True)
    stages = fields.List(fields.Nested(StageOut), dump_only=True)
    history = fields.List(fields.Nested(HistoryOut), dump_only=True)
    findings = fields.List(fields.Nested(FindingOut), dump_only=True)


class ProblemPage(PageOut):
    items = fields.List(fields.Nested(ProblemOut))


def _present(number: str) -> dict:
    return presenters.present_problem(queries.get_problem(number), now(), app_clock(),
                                   current_language(), detail=True)


ProblemConflictOut = conflict_schema("ProblemConflictOut", ProblemOut)
changes = documents_change(blp, ProblemConflictOut)


def _answer(number: str):
    present = _present(number)
    return present, etag_header(present["version"])


def _with_current(number: str, data: dict, action):
    """Run a change from the version the client read (If-Match or `version`); a 409/412
    carries the problem as it now stands, a success its new ETag."""
    change_from(data["version"], lambda: queries.get_problem(number).version_id,
                lambda: ProblemOut().dump(_present(number)), action)
    return _answer(number)


@blp.route("")
class Problems(MethodView):
    @require(*READERS)
    @blp.arguments(ProblemQuery, location="query")
    @blp.response(200, ProblemPage)
    def get(self, args):
        """Problems, filtered; open ones by current deadline first."""
        page, per_page = args.pop("page"), args.pop("per_page")
        moment = now()
        items, total = queries.list_problems(queries.ProblemFilter(**args), moment, page,
                                             per_page)
        clock, lang = app_clock(), current_language()
        return page_of([presenters.present_problem(p, moment, clock, lang) for p in items],
                       total, page, per_page)

    @require(*WRITERS)
    @idempotent
    @blp.arguments(ProblemCreate)
    @blp.response(201, ProblemOut)
    def post(self, data):
        """Register a problem (待下达); once issued it must be verified within
        TRACKER_PROBLEM_VERIFY_DAYS."""
        problem = commands.create_problem(commands.NewProblem(**data), authenticate())
        return _present(problem.number)


class SanctionQuery(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=FIRST_YEAR, max=LAST_YEAR))


class DepartmentSanctions(Schema):
    department = fields.String()
    department_name = fields.String()
    findings = fields.Integer()
    points = fields.Float()
    items = fields.List(fields.Nested(FindingOut))


class AnnualSanctions(Schema):
    year = fields.Integer()
    departments = fields.List(fields.Nested(DepartmentSanctions))
    total_points = fields.Float()
    total_findings = fields.Integer()


@blp.route("/sanctions")
class Sanctions(MethodView):
    @require(*READERS)
    @blp.arguments(SanctionQuery, location="query")
    @blp.response(200, AnnualSanctions)
    def get(self, args):
        """The annual roll-up of sanction findings (年度考核扣分), per department."""
        year = args["year"]
        return presenters.annual_rollup(year, queries.annual_findings(year),
                                        current_language())


@blp.route("/<string:number>")
class ProblemItem(MethodView):
    @require(*READERS)
    @blp.response(200, ProblemOut)
    def get(self, number):
        """One problem with its stages and history; its version is the ETag (send it back as
        If-Match with a change)."""
        return _answer(number)


@blp.route("/<string:number>/verify")
class Verify(MethodView):
    @require(*WRITERS)
    @blp.arguments(VerifyAction)
    @blp.response(200, ProblemOut)
    @changes
    def post(self, data, number):
        """核查: not a problem (with the reason) or rectify by a deadline."""
        return _with_current(number, data, lambda version: commands.verify(
            number, authenticate(), is_problem=data["is_problem"], note=data["note"],
            rectify_due_at=data["rectify_due_at"], expected_version=version,
            proxy_reason=data["proxy_reason"]))


@blp.route("/<string:number>/rectified")
class Rectified(MethodView):
    @require(*WRITERS)
    @blp.arguments(RectifiedAction)
    @blp.response(200, ProblemOut)
    @changes
    def post(self, data, number):
        """整改完成: what was done; the re-check starts."""
        return _with_current(number, data, lambda version: commands.report_rectified(
            number, authenticate(), note=data["note"], expected_version=version,
            proxy_reason=data["proxy_reason"]))


@blp.route("/<string:number>/recheck")
class Recheck(MethodView):
    @require(*WRITERS)
    @blp.arguments(RecheckAction)
    @blp.response(200, ProblemOut)
    @changes
    def post(self, data, number):
        """复核: passed closes it (销号); failed sends it back with a new deadline."""
        return _with_current(number, data, lambda version: commands.recheck(
            number, authenticate(), passed=data["passed"], note=data["note"],
            rectify_due_at=data["rectify_due_at"], expected_version=version,
            proxy_reason=data["proxy_reason"]))


class IssueAction(Versioned):
    at = AwareDateTime(load_default=None, allow_none=True,
                       metadata={"description": "When it was issued (default now); the "
                                                "verification clock starts here."})


class AdjustAction(Versioned):
    reason = Text(required=True, validate=validate.Length(min=1, max=4000))
    department = Text(load_default=None, allow_none=True, validate=validate.Length(max=40),
                      metadata={"description": "Re-assign to this department."})
    description = Text(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    rectify_due_at = Deadline(load_default=None, allow_none=True,
                              metadata={"description": "A new rectification deadline."})


class FindingAction(Schema):
    points = fields.Float(required=True, validate=validate.Range(min=0, max=100,
                                                                 min_inclusive=False))
    reason = Text(required=True, validate=validate.Length(min=1, max=4000))
    year = fields.Integer(load_default=None, allow_none=True,
                          validate=validate.Range(min=FIRST_YEAR, max=LAST_YEAR))


@blp.route("/<string:number>/issue")
class Issue(MethodView):
    @require(*READERS)  # the service lets the assessment office alone
    @blp.arguments(IssueAction)
    @blp.response(200, ProblemOut)
    @changes
    def post(self, data, number):
        """下达: issue the problem to its department (assessment office); the 3 working days of
        verification start."""
        return _with_current(number, data, lambda version: commands.issue(
            number, authenticate(), at=data["at"], expected_version=version))


@blp.route("/<string:number>/adjust")
class Adjust(MethodView):
    @require(*READERS)  # the service lets the assessment office alone
    @blp.arguments(AdjustAction)
    @blp.response(200, ProblemOut)
    @changes
    def post(self, data, number):
        """Adjust after verification (assessment office): re-assign, reword, new deadline."""
        return _with_current(number, data, lambda version: commands.adjust(
            number, authenticate(), reason=data["reason"], department=data["department"],
            description=data["description"], rectify_due_at=data["rectify_due_at"],
            expected_version=version))


@blp.route("/<string:number>/findings")
class Findings(MethodView):
    @require(*READERS)  # the service lets the assessment office alone
    @idempotent
    @blp.arguments(FindingAction)
    @blp.response(201, FindingOut)
    def post(self, data, number):
        """Record a sanction finding (perfunctory handling → annual deduction), assessment
        office only."""
        finding = commands.record_finding(number, authenticate(), points=data["points"],
                                          reason=data["reason"], year=data["year"])
        return presenters.present_finding(finding, current_language())
