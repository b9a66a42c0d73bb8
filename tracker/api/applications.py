"""/api/v1/applications: register, list, read, log steps, pause, cancel."""
from __future__ import annotations

from flask import jsonify, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..errors import translate
from ..i18n import current_language
from ..services import applications as service
from ..services import owners
from ..services.app_clock import app_clock, now
from ..services.explanations import present_explanations
from ..services.pagination import page_of
from ..services.presenters import present_application, present_events
from ..services.queries import ApplicationFilter, list_stored_rows, open_duplicates
from ..web.formatting import limit_text
from .auth import WRITERS, authenticate, require
from .dumping import compile_dump
from .idempotency import idempotent
from .listing import listed_items
from .preconditions import IF_MATCH, change_from, etag_header
from .schemas import (
    ApplicationCreate,
    ApplicationCreated,
    ApplicationExplanationOut,
    ApplicationOut,
    ApplicationPage,
    ApplicationQuery,
    ApplicationUpdate,
    CancelAction,
    ConflictOut,
    ErrorOut,
    EventOut,
    OwnerChange,
    PageOut,
    PauseCreate,
    PauseEnd,
    SkipAction,
    StepAction,
)

blp = Blueprint("applications", __name__, url_prefix="/api/v1/applications",
                description="Applications (报装申请) and their steps")
# The envelope of ApplicationPage (PageOut's fields) dumped by its compiled form; the items
# are already in their dumped form (listing.listed_items).
_DUMP_FIELDS = compile_dump(PageOut)


def _dump_page(page: dict) -> dict:
    """ApplicationPage's dump of a page whose items are dumped already."""
    return {**_DUMP_FIELDS(page), "items": page["items"]}


CHANGES = (401, 403, 404, 409, 412, 422, 428)  # what every change can answer


def errors(*statuses: int):
    """Document the error answers of a view (409 and 412 carry the application as it
    stands); a change (one answering 428) documents its If-Match header too."""

    def decorate(view):
        for status in sorted(statuses, reverse=True):
            schema = ConflictOut if status in (409, 412) else ErrorOut
            view = blp.alt_response(status, schema=schema)(view)
        if 428 in statuses:
            view = blp.doc(parameters=[IF_MATCH])(view)
        return view

    return decorate


def _present(number: str) -> dict:
    return _presented(service.get_application(number))


def _presented(app) -> dict:
    return present_application(app, now(), app_clock(), current_language())


def _current(number: str) -> dict:
    return ApplicationOut().dump(_present(number))


def _with_current(number: str, data: dict, action):
    """Run a change from the version the client read (`version` in `data`, or If-Match);
    on a conflict answer 409 (412 for a stale If-Match) with the application as it now
    stands, and the new version as the ETag on success."""
    change_from(data.pop("version", None), lambda: service.get_application(number).version_id,
                lambda: _current(number), action)
    present = _present(number)
    return present, etag_header(present["version"])


def _warnings(app) -> list[dict]:
    same = open_duplicates(app.customer_name, app.address, exclude=app.id)
    if not same:
        return []
    return [{"code": "possible_duplicate",
             "message": translate("An open application of the same customer at the same "
                                  "address exists: %(numbers)s.",
                                  {"numbers": ", ".join(a.number for a in same)}),
             "applications": [{"number": a.number, "customer_name": a.customer_name,
                               "address": a.address, "accepted_at": a.accepted_at,
                               "url": url_for("applications.ApplicationItem", number=a.number)}
                              for a in same]}]


@blp.route("")
class Applications(MethodView):
    @require()
    # An instance, not the class: webargs builds a new schema (deep copies of every field)
    # for each request when given the class.
    @blp.arguments(ApplicationQuery(), location="query")
    @blp.response(200, ApplicationPage)
    @errors(401, 403, 422)
    def get(self, args):
        """List applications, filtered and paginated."""
        page, per_page = args.pop("page"), args.pop("per_page")
        clock, lang, moment = app_clock(), current_language(), now()
        rows, total, forms = list_stored_rows(ApplicationFilter(**args), moment, page, per_page)
        # The documented ApplicationPage: its items built in their dumped form from the
        # page's rows (api.listing, the list's hot path), the envelope by its compiled dump.
        return jsonify(_dump_page(page_of(listed_items(rows, forms, moment, clock, lang), total,
                                             page, per_page)))

    @require(*WRITERS)
    @idempotent
    @blp.arguments(ApplicationCreate)
    @blp.response(201, ApplicationCreated)
    @errors(401, 403, 422)
    def post(self, data):
        """Register an application; its clocks start at acceptance (or the requested time).

        An open application of the same customer at the same address does not stop it (a
        client has no one to ask, and a refusal would make a retry loop): the answer names it
        under `warnings`, for the clerk to look at."""
        app = service.create_application(service.NewApplication(**data), authenticate())
        # The committed application itself, read back once (its first attribute loads it):
        # looking it up again by number read it twice.
        return {**_presented(app), "warnings": _warnings(app)}


@blp.route("/<string:number>")
class ApplicationItem(MethodView):
    @require()
    @blp.response(200, ApplicationOut)
    @errors(401, 403, 404)
    def get(self, number):
        """One application with its steps, deadlines and pauses; its version is the ETag
        (send it back as If-Match with a change)."""
        present = _present(number)
        return present, etag_header(present["version"])

    @require(*WRITERS)
    @blp.arguments(ApplicationUpdate)
    @blp.response(200, ApplicationOut)
    @errors(*CHANGES)
    def patch(self, data, number):
        """Correct customer details (each change is logged)."""
        return _with_current(number, data, lambda version: service.update_application(
            number, data, authenticate(), expected_version=version))


@blp.route("/<string:number>/events")
class ApplicationEvents(MethodView):
    @require()
    @blp.response(200, EventOut(many=True))
    @errors(401, 403, 404)
    def get(self, number):
        """The application's event log (who changed what, when), oldest first."""
        return present_events(service.get_application(number))


@blp.route("/<string:number>/explain")
class ApplicationExplain(MethodView):
    @require()
    @blp.response(200, ApplicationExplanationOut)
    @errors(401, 403, 404)
    def get(self, number):
        """Why each deadline is where it is: the days counted and skipped (with the holiday
        notices and local closures), the pauses, the result; as data and as a sentence."""
        return present_explanations(service.get_application(number), app_clock(),
                                    current_language(), limit_text)


@blp.route("/<string:number>/cancel")
class Cancel(MethodView):
    @require(*WRITERS)
    @blp.arguments(CancelAction)
    @blp.response(200, ApplicationOut)
    @errors(*CHANGES)
    def post(self, data, number):
        """Cancel an open application, with a reason."""
        return _with_current(number, data, lambda version: service.cancel_application(
            number, data["reason"], authenticate(), expected_version=version))


@blp.route("/<string:number>/owner")
class Owner(MethodView):
    @require(*WRITERS)
    @blp.arguments(OwnerChange)
    @blp.response(200, ApplicationOut)
    @errors(*CHANGES)
    def post(self, data, number):
        """Hand the application to another owner (客户代表 / 首问负责人): a team lead or an
        administrator only; logged."""
        return _with_current(number, data, lambda version: owners.set_owner(
            number, data["owner"], authenticate(), expected_version=version))


@blp.route("/<string:number>/materials/supplied")
class MaterialsSupplied(MethodView):
    @require(*WRITERS)
    @blp.arguments(PauseEnd)
    @blp.response(200, ApplicationOut)
    @errors(*CHANGES)
    def post(self, data, number):
        """容缺受理: record that the missing materials arrived."""
        return _with_current(number, data, lambda version: service.supply_materials(
            number, authenticate(), at=data["at"], expected_version=version))


@blp.route("/<string:number>/steps/<string:code>/start")
class StartStep(MethodView):
    @require(*WRITERS)
    @blp.arguments(StepAction)
    @blp.response(200, ApplicationOut)
    @errors(*CHANGES)
    def post(self, data, number, code):
        """Start a step whose clock runs from when work begins."""
        return _with_current(number, data, lambda version: service.start_step(
            number, code, authenticate(), at=data["at"], note=data["note"],
            expected_version=version, proxy_reason=data["proxy_reason"]))


@blp.route("/<string:number>/steps/<string:code>/complete")
class CompleteStep(MethodView):
    @require(*WRITERS)
    @blp.arguments(StepAction)
    @blp.response(200, ApplicationOut)
    @errors(*CHANGES)
    def post(self, data, number, code):
        """Log a step as done, now or earlier within the back-dating window."""
        return _with_current(number, data, lambda version: service.complete_step(
            number, code, authenticate(), at=data["at"], note=data["note"],
            expected_version=version, proxy_reason=data["proxy_reason"]))


@blp.route("/<string:number>/steps/<string:code>/skip")
class SkipStep(MethodView):
    @require(*WRITERS)
    @blp.arguments(SkipAction)
    @blp.response(200, ApplicationOut)
    @errors(*CHANGES)
    def post(self, data, number, code):
        """Skip a skippable step, with the reason."""
        return _with_current(number, data, lambda version: service.skip_step(
            number, code, authenticate(), note=data["note"], expected_version=version,
            proxy_reason=data["proxy_reason"]))


@blp.route("/<string:number>/pauses")
class Pauses(MethodView):
    @require(*WRITERS)
    @idempotent
    @blp.arguments(PauseCreate)
    @blp.response(201, ApplicationOut)
    @errors(*CHANGES)
    def post(self, data, number):
        """Pause the clocks the reason concerns (补正材料, 市政审批, …): give `step` when the
        reason stops the step it is recorded on (GET /pause-reasons: `needs_step`)."""
        return _with_current(number, data, lambda version: service.add_pause(
            number, data["reason"], authenticate(), note=data["note"], at=data["at"],
            step=data["step"], expected_version=version))


@blp.route("/<string:number>/pauses/<int:pause_id>/end")
class EndPause(MethodView):
    @require(*WRITERS)
    @blp.arguments(PauseEnd)
    @blp.response(200, ApplicationOut)
    @errors(*CHANGES)
    def post(self, data, number, pause_id):
        """Resume the clocks."""
        return _with_current(number, data, lambda version: service.end_pause(
            number, pause_id, authenticate(), at=data["at"], expected_version=version))
