"""API schemas: separate load (in) and dump (out); computed SLA fields are dump-only."""
from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class AwareDateTime(fields.AwareDateTime):
    """An instant; a time given without an offset is Beijing time (what a clerk means)."""

    def __init__(self, **kwargs):
        from zoneinfo import ZoneInfo

        super().__init__(default_timezone=ZoneInfo("Asia/Shanghai"), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        if not 2000 <= result.year <= 2099:
            raise ValidationError("Date out of range (2000–2099).")
        return result


SHORT = validate.Length(max=200)
TEXT = validate.Length(max=2000)


class ApplicationCreate(Schema):
    flow = fields.String(required=True, validate=validate.Length(min=1, max=20))
    customer_type = fields.String(load_default="company",
                                  validate=validate.OneOf(["company", "person"]))
    customer_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    contact_name = fields.String(load_default="", validate=validate.Length(max=100))
    contact_phone = fields.String(load_default="", validate=validate.Length(max=40))
    address = fields.String(load_default="", validate=validate.Length(max=300))
    channel = fields.String(load_default="window",
                            validate=validate.OneOf(["window", "online", "phone", "platform"]))
    accepted_at = AwareDateTime(load_default=None, allow_none=True)
    requested_at = AwareDateTime(load_default=None, allow_none=True)
    attributes = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                             values=fields.String(validate=validate.Length(max=40)),
                             load_default=dict, validate=validate.Length(max=20))
    missing_materials = fields.List(fields.String(validate=SHORT), load_default=list,
                                    validate=validate.Length(max=50))
    materials_promised_on = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=TEXT)


class ApplicationUpdate(Schema):
    customer_name = fields.String(validate=validate.Length(min=1, max=200))
    contact_name = fields.String(validate=validate.Length(max=100))
    contact_phone = fields.String(validate=validate.Length(max=40))
    address = fields.String(validate=validate.Length(max=300))
    note = fields.String(validate=TEXT)
    materials_promised_on = fields.Date(allow_none=True)
    version = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not {k for k in data if k != "version"}:
            raise ValidationError("Nothing to change.", "_schema")


class VersionArgs(Schema):
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "Expected application version (optimistic lock)."})


class StepAction(VersionArgs):
    at = AwareDateTime(load_default=None, allow_none=True,
                       metadata={"description": "When it happened (default now); back-dating is limited."})
    note = fields.String(load_default="", validate=TEXT)


class SkipAction(VersionArgs):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CancelAction(VersionArgs):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PauseCreate(VersionArgs):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=40))
    note = fields.String(load_default="", validate=TEXT)
    at = AwareDateTime(load_default=None, allow_none=True)


class PauseEnd(VersionArgs):
    at = AwareDateTime(load_default=None, allow_none=True)


class ApplicationQuery(Schema):
    flow = fields.String(validate=validate.Length(max=20))
    status = fields.String(validate=validate.OneOf(["open", "completed", "cancelled"]))
    overdue = fields.Boolean()
    due_before = AwareDateTime()
    department = fields.String(validate=validate.Length(max=40))
    step = fields.String(validate=validate.Length(max=40))
    text = fields.String(validate=validate.Length(max=100))
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
    note = fields.String()
    sla = fields.Nested(SlaOut, dump_only=True)


class PauseOut(Schema):
    id = fields.Integer()
    reason = fields.String()
    reason_name = fields.String()
    note = fields.String()
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
    note = fields.String()
    status = fields.String()
    cancel_reason = fields.String()
    cancelled_at = fields.DateTime(allow_none=True)
    water_on_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    paused = fields.Boolean()
    version = fields.Integer()
    sla = fields.Nested(SlaOut, dump_only=True)
    steps = fields.List(fields.Nested(StepOut), dump_only=True)
    pauses = fields.List(fields.Nested(PauseOut), dump_only=True)
    current_steps = fields.List(fields.String(), dump_only=True)


class ApplicationPage(Schema):
    items = fields.List(fields.Nested(ApplicationOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


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


class PauseReasonOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
