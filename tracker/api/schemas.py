"""API schemas: separate load (in) and dump (out); computed SLA fields are dump-only."""
from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from flask import has_request_context, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..localtime import LOCAL
from ..phone import LONGEST, phone_error
from ..services.applications import NewApplication, new_application_errors, update_errors
from ..sla import FIRST_YEAR, LAST_YEAR
from ..text import CONTROL


class AwareDateTime(fields.AwareDateTime):
    """An instant; a time given without an offset is local time (what a clerk means)."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=LOCAL, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_YEAR <= result.year <= LAST_YEAR:
            raise ValidationError("Date out of range (2000–2099).")
        return result


class Text(fields.String):
    """A string a person typed: no control characters, no lone surrogates (not storable)."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "control": "Must not contain control characters.",
        "surrogate": "Not valid text.",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        result = super()._deserialize(value, attr, data, **kwargs)
        if CONTROL.search(result):
            raise self.make_error("control")
        try:
            result.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("surrogate") from None
        return result


class Phone(Text):
    """A phone number `tracker.phone` accepts, trimmed (nothing else is changed); "" for none."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Length(max=LONGEST))
        kwargs.setdefault("metadata", {"description": "A mobile (13905530000), a landline with "
                                       "its area code (0553-5551234, extension -123) or a service "
                                       "number (95598, 400-123-4567)."})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        result = super()._deserialize(value, attr, data, **kwargs).strip()
        problem = phone_error(result)
        if problem:
            raise ValidationError(problem)
        return result


SHORT = validate.Length(max=200)
TEXT = validate.Length(max=2000)


class ApplicationCreate(Schema):
    flow = Text(required=True, validate=validate.Length(min=1, max=20))
    customer_type = Text(load_default="company",
                                  validate=validate.OneOf(["company", "person"]))
    customer_name = Text(required=True, validate=validate.Length(min=1, max=200))
    contact_name = Text(load_default="", validate=validate.Length(max=100))
    contact_phone = Phone(load_default="")
    address = Text(load_default="", validate=validate.Length(max=300))
    channel = Text(load_default="window",
                            validate=validate.OneOf(["window", "online", "phone", "platform"]))
    accepted_at = AwareDateTime(load_default=None, allow_none=True)
    requested_at = AwareDateTime(load_default=None, allow_none=True)
    attributes = fields.Dict(keys=Text(validate=validate.Length(max=40)),
                             values=Text(validate=validate.Length(max=40)),
                             load_default=dict, validate=validate.Length(max=20))
    missing_materials = fields.List(Text(validate=SHORT), load_default=list,
                                    validate=validate.Length(max=50))
    materials_promised_on = fields.Date(load_default=None, allow_none=True)
    note = Text(load_default="", validate=TEXT)
    owner = Text(load_default="", validate=validate.Length(max=64), metadata={
        "description": "The owner's user name (客户代表 / 首问负责人); default: you."})

    @validates_schema(skip_on_field_errors=False)
    def _the_service_checks(self, data, **kwargs):
        """The service's own checks (dates, the flow's needs) in the same 422 as the fields'
        errors; a field that did not load has its error already and is not judged twice."""
        errors = new_application_errors(NewApplication(**{"flow": "", "customer_name": "",
                                                          **data}))
        errors = {name: messages for name, messages in errors.items()
                  if name.split(".")[0] in data}
        if errors:
            raise ValidationError(errors)


class ApplicationUpdate(Schema):
    customer_name = Text(validate=validate.Length(min=1, max=200))
    contact_name = Text(validate=validate.Length(max=100))
    contact_phone = Phone()
    address = Text(validate=validate.Length(max=300))
    note = Text(validate=TEXT)
    materials_promised_on = fields.Date(allow_none=True)
    version = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not {k for k in data if k != "version"}:
            raise ValidationError("Nothing to change.", "_schema")

    @validates_schema(skip_on_field_errors=False)
    def _the_service_checks(self, data, **kwargs):
        """The service's checks of the fields that loaded, in the same 422 as the others."""
        number = (request.view_args or {}).get("number") if has_request_context() else None
        changes = {name: value for name, value in data.items() if name != "version"}
        errors = update_errors(number, changes) if number and changes else {}
        if errors:
            raise ValidationError(errors)


class OwnerChange(Schema):
    owner = Text(required=True, validate=validate.Length(min=1, max=64),
                 metadata={"description": "The new owner's user name"})
    version = fields.Integer(load_default=None, allow_none=True)


class VersionArgs(Schema):
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "Expected application version (optimistic lock)."})


class StepAction(VersionArgs):
    at = AwareDateTime(load_default=None, allow_none=True,
                       metadata={"description": "When it happened (default now); back-dating is limited."})
    note = Text(load_default="", validate=TEXT)
    proxy_reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=500),
                        metadata={"description": "代办: why a team lead or administrator does "
                                                 "this for the step's department."})


class SkipAction(VersionArgs):
    note = Text(required=True, validate=validate.Length(min=1, max=2000))
    proxy_reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=500),
                        metadata={"description": "代办: as for a step's completion."})


class ProxyOut(Schema):
    """A 代办: done by a team lead or administrator on the department's behalf."""

    by = fields.String(allow_none=True)
    at = fields.DateTime()
    department = fields.String()
    department_name = fields.String()
    reason = fields.String()
    action = fields.String()


class CancelAction(VersionArgs):
    reason = Text(required=True, validate=validate.Length(min=1, max=2000))


class PauseCreate(VersionArgs):
    reason = Text(required=True, validate=validate.Length(min=1, max=40))
    # The step the pause is recorded on: required when the reason stops a step.
    step = Text(load_default=None, allow_none=True, validate=validate.Length(max=40))
    note = Text(load_default="", validate=TEXT)
    at = AwareDateTime(load_default=None, allow_none=True)


class PauseEnd(VersionArgs):
    at = AwareDateTime(load_default=None, allow_none=True)


class ApplicationQuery(Schema):
    flow = Text(validate=validate.Length(max=20))
    status = Text(validate=validate.OneOf(["open", "completed", "cancelled"]))
    overdue = fields.Boolean()
    due_before = AwareDateTime()
    department = Text(validate=validate.Length(max=40))
    step = Text(validate=validate.Length(max=40))
    text = Text(validate=validate.Length(max=100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


# --- output -------------------------------------------------------------------------------

class SlaOut(Schema):
    state = fields.String(metadata={"description": "on_track | warning | overdue | paused | done_on_time | done_late | cancelled | not_started | skipped"})
    started_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    remaining_hours = fields.Float(allow_none=True)
    remaining_days = fields.Float(allow_none=True)
    over_hours = fields.Float(allow_none=True)
    over_days = fields.Float(allow_none=True)
    used_ratio = fields.Float(allow_none=True)
    provisional = fields.Boolean()
    limit = fields.Dict(allow_none=True)


class StepOut(Schema):
    code = fields.String()
    name = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    department = fields.String()
    department_name = fields.String()
    status = fields.String()
    needs_start = fields.Boolean()
    skippable = fields.Boolean()
    started_at = fields.DateTime(allow_none=True)
    started_by = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    backdated = fields.Boolean(metadata={
        "description": "补录: the completion was entered after the fact"})
    note = fields.String()
    on_behalf = fields.List(fields.Nested(ProxyOut), dump_only=True,
                            metadata={"description": "代办 acts on this step."})
    sla = fields.Nested(SlaOut, dump_only=True)


class PauseOut(Schema):
    id = fields.Integer()
    reason = fields.String()
    reason_name = fields.String()
    note = fields.String()
    step = fields.String(allow_none=True)
    stops_application = fields.Boolean()
    stopped_steps = fields.List(fields.String())
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    started_by = fields.String(allow_none=True)
    ended_by = fields.String(allow_none=True)


class ApplicationOut(Schema):
    number = fields.String()
    flow = fields.String()
    flow_version = fields.Integer()
    flow_name = fields.String()
    customer_type = fields.String()
    customer_name = fields.String()
    contact_name = fields.String()
    contact_phone = fields.String()
    address = fields.String()
    channel = fields.String()
    attributes = fields.Dict()
    accepted_at = fields.DateTime()
    requested_at = fields.DateTime(allow_none=True)
    missing_materials = fields.List(fields.String())
    materials_promised_on = fields.Date(allow_none=True)
    materials_supplied_at = fields.DateTime(allow_none=True)
    # 容缺受理: the duty of the promised date (reminder and lateness); None when nothing missing.
    materials_sla = fields.Nested(SlaOut, dump_only=True, allow_none=True)
    note = fields.String()
    status = fields.String()
    cancel_reason = fields.String()
    cancelled_at = fields.DateTime(allow_none=True)
    water_on_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    paused = fields.Boolean()
    version = fields.Integer()
    owner = fields.String(allow_none=True, metadata={
        "description": "The owner's user name (客户代表 / 首问负责人); None before owners"})
    owner_name = fields.String(allow_none=True)
    sla = fields.Nested(SlaOut, dump_only=True)
    steps = fields.List(fields.Nested(StepOut), dump_only=True)
    pauses = fields.List(fields.Nested(PauseOut), dump_only=True)
    current_steps = fields.List(fields.String(), dump_only=True)


class SameApplicationOut(Schema):
    number = fields.String()
    url = fields.String()
    customer_name = fields.String()
    address = fields.String()
    accepted_at = fields.DateTime()


class WarningOut(Schema):
    code = fields.String(metadata={"description": "possible_duplicate: an open application "
                                   "of the same customer at the same address exists."})
    message = fields.String(metadata={"description": "In the client's language."})
    applications = fields.List(fields.Nested(SameApplicationOut))


class ApplicationCreated(ApplicationOut):
    warnings = fields.List(fields.Nested(WarningOut), metadata={
        "description": "What the clerk should look at; the application is registered anyway "
                       "(empty when nothing is odd)."})


class EventOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    action = fields.String()
    actor = fields.String(allow_none=True)
    subject_type = fields.String()
    subject_id = fields.Integer(allow_none=True)
    data = fields.Dict()


class ErrorOut(Schema):
    """An error answer: status, message, and per-field messages where fields were wrong."""

    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    errors = fields.Dict(metadata={"description": "Field name → list of messages."})


class ConflictOut(ErrorOut):
    current = fields.Nested(ApplicationOut, metadata={
        "description": "The application as it now stands (someone else changed it first)."})


class PageArgs(Schema):
    """?page= and ?per_page= of a list (50 rows unless asked otherwise)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PageOut(Schema):
    """The envelope of one page of a list (services.pagination.page_of); `items` per list."""

    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class ApplicationPage(PageOut):
    items = fields.List(fields.Nested(ApplicationOut))


class LimitOut(Schema):
    kind = fields.String()
    amount = fields.Float()
    counting = fields.String()
    count_start_day = fields.Boolean()


class FlowStepOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    department = fields.String()
    clock_starts = fields.String()
    after = fields.List(fields.String())
    skippable = fields.Boolean()
    needs_start = fields.Boolean()
    materials = fields.List(fields.String())
    limit = fields.Dict()
    waits_on = fields.List(fields.String())
    done_at_acceptance = fields.Boolean()
    closes_file = fields.Boolean()


class FlowOut(Schema):
    code = fields.String()
    version = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    source = fields.String()
    whole_limit = fields.Dict()
    whole_clock_starts = fields.String()
    completes_with = fields.String()
    target_on_time_rate = fields.Float()
    attributes = fields.List(fields.Dict())
    steps = fields.List(fields.Nested(FlowStepOut))
    pause_reasons = fields.List(fields.String(), allow_none=True)
    requested_due = fields.String()


class PauseReasonOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    stops = fields.List(fields.String())
    party = fields.String()
    needs_step = fields.Boolean()


class PeriodOut(Schema):
    from_ = fields.DateTime(data_key="from", attribute="from")
    to = fields.DateTime()


class PauseRefOut(Schema):
    id = fields.Integer()
    reason = fields.String()
    reason_name = fields.String()
    by = fields.String(allow_none=True)
    ended_by = fields.String(allow_none=True)
    from_ = fields.DateTime(data_key="from", attribute="from")
    to = fields.DateTime(allow_none=True)


class SegmentOut(Schema):
    """One line of a deadline's explanation."""

    kind = fields.String(metadata={"description": "counted | makeup_workday | local_working | "
                                   "partial_closure | outside_hours | weekend | holiday | "
                                   "closure | pause | round_the_clock"})
    from_ = fields.DateTime(data_key="from", attribute="from")
    to = fields.DateTime(allow_none=True, metadata={"description": "null: a pause still running"})
    counted_seconds = fields.Integer(metadata={"description": "working (round the clock: wall) "
                                               "seconds counted towards the limit"})
    reason = fields.String(allow_none=True, metadata={"description": "holiday or closure name, "
                                                      "pause reason"})
    source = fields.String(allow_none=True, metadata={"description": "the notice, the "
                                                      "prediction or the local record"})
    provisional = fields.Boolean()
    days = fields.Integer()
    paused_seconds = fields.Integer(metadata={"description": "working seconds inside a pause "
                                              "(for a pause: the time it removed)"})
    whole_day = fields.Boolean()
    office_hours = fields.List(fields.Nested(PeriodOut))
    pause = fields.Nested(PauseRefOut, allow_none=True)


class DoneOut(Schema):
    at = fields.DateTime()
    used_seconds = fields.Integer()
    over_seconds = fields.Integer()
    late = fields.Boolean()


class ExplanationOut(Schema):
    """Why a deadline is where it is: the segments add up to counted_seconds."""

    event = fields.String()
    start = fields.DateTime()
    limit = fields.Nested(LimitOut)
    limit_text = fields.String()
    budget_seconds = fields.Integer()
    counted_seconds = fields.Integer()
    round_the_clock = fields.Boolean()
    provisional = fields.Boolean()
    due_at = fields.DateTime(allow_none=True)
    unpaused_due_at = fields.DateTime(allow_none=True)
    segments = fields.List(fields.Nested(SegmentOut))
    done = fields.Nested(DoneOut, allow_none=True)
    summary = fields.String(metadata={"description": "why in one line: 含国庆节假期 7 天"})
    lines = fields.List(fields.String(), metadata={"description": "the sentence's clauses"})
    sentence = fields.String()


class StepExplanationOut(Schema):
    code = fields.String()
    name = fields.String()
    explanation = fields.Nested(ExplanationOut, allow_none=True)


class ApplicationExplanationOut(Schema):
    number = fields.String()
    application = fields.Nested(ExplanationOut, allow_none=True)
    steps = fields.List(fields.Nested(StepExplanationOut))
