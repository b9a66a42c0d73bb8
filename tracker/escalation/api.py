"""/api/v1/supervision: supervision notices (督办单): the list, one notice, its written answer;
/api/v1/escalation/my-levels: the levels that reach me."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..api.auth import READERS, WRITERS, authenticate, require
from ..api.preconditions import change_from, conflict_schema, documents_change, etag_header
from ..api.schemas import PageArgs, PageOut, SlaOut, Text
from ..i18n import current_language
from ..services.app_clock import app_clock, now
from ..services.errors import Forbidden
from ..services.pagination import page_of
from . import commands, presenters, queries
from .commands import ANSWER_LONGEST
from .models import LEVELS

blp = Blueprint("supervision", __name__, url_prefix="/api/v1",
                description="Escalation (电子监察): supervision notices (督办单) and my levels")


class NoticeQuery(PageArgs):
    department = Text(validate=validate.Length(max=40))
    status = Text(validate=validate.OneOf(["open", "answered"]))


class NoticeOut(Schema):
    number = fields.String()
    state = fields.String(metadata={"description": "open | overdue | answered | answered_late"})
    state_name = fields.String()
    status = fields.String()
    application = fields.String(allow_none=True)
    department = fields.String()
    department_name = fields.String()
    duty = fields.String()
    duty_due_at = fields.DateTime(allow_none=True)
    issued_at = fields.DateTime()
    answer_due_at = fields.DateTime(allow_none=True)
    answer = fields.String()
    answered_at = fields.DateTime(allow_none=True)
    answered_by = fields.String(allow_none=True)
    late = fields.Boolean()
    overdue = fields.Boolean()
    version = fields.Integer()
    sla = fields.Nested(SlaOut, dump_only=True)


class NoticePage(PageOut):
    items = fields.List(fields.Nested(NoticeOut))


class AnswerIn(Schema):
    answer = Text(required=True, validate=validate.Length(min=1, max=ANSWER_LONGEST))
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "Expected version (optimistic lock)."})


class LevelsIn(Schema):
    levels = fields.List(fields.String(validate=validate.OneOf(list(LEVELS))), required=True)


class LevelsOut(Schema):
    levels = fields.List(fields.String())


def _present(number: str) -> dict:
    return presenters.present_notice(queries.get_notice(number), now(), app_clock(),
                                     current_language())


NoticeConflictOut = conflict_schema("NoticeConflictOut", NoticeOut)
changes = documents_change(blp, NoticeConflictOut)


@blp.route("/supervision")
class Notices(MethodView):
    @require(*READERS)
    @blp.arguments(NoticeQuery, location="query")
    @blp.response(200, NoticePage)
    def get(self, args):
        """Supervision notices, open ones by answer deadline first."""
        page, per_page = args["page"], args["per_page"]
        items, total = queries.list_notices(args.get("department"), args.get("status"), page,
                                            per_page)
        moment, clock, lang = now(), app_clock(), current_language()
        return page_of([presenters.present_notice(n, moment, clock, lang) for n in items],
                       total, page, per_page)


@blp.route("/supervision/<string:number>")
class NoticeItem(MethodView):
    @require(*READERS)
    @blp.response(200, NoticeOut)
    def get(self, number):
        """One notice; its version is the ETag (send it back as If-Match with the answer)."""
        present = _present(number)
        return present, etag_header(present["version"])


@blp.route("/supervision/<string:number>/answer")
class Answer(MethodView):
    @require(*WRITERS)
    @blp.arguments(AnswerIn)
    @blp.response(200, NoticeOut)
    @blp.alt_response(403, description="Not the responsible department")
    @changes
    def post(self, data, number):
        """The responsible department's written answer; after the deadline it is late."""
        user = authenticate()
        notice = queries.get_notice(number)
        own = user.department.code if user.department else None
        if own != notice.department_code and not user.is_manager:
            raise Forbidden("Only the responsible department answers this notice.")
        change_from(data["version"], lambda: queries.get_notice(number).version_id,
                    lambda: NoticeOut().dump(_present(number)),
                    lambda version: commands.answer_notice(number, user, data["answer"],
                                                           expected_version=version))
        present = _present(number)
        return present, etag_header(present["version"])


@blp.route("/escalation/my-levels")
class MyLevels(MethodView):
    @require(*READERS)
    @blp.response(200, LevelsOut)
    def get(self):
        """The escalation levels whose messages reach me (default: all)."""
        return {"levels": queries.levels_of(authenticate().id)}

    @require(*READERS)
    @blp.arguments(LevelsIn)
    @blp.response(200, LevelsOut)
    def put(self, data):
        """Choose the levels that reach me; the others no longer do."""
        user = authenticate()
        return {"levels": commands.choose_levels(user, data["levels"], user)}
