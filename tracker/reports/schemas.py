"""The report's JSON as the API answers it (the API and the JSON build dump through these)."""
from __future__ import annotations

from marshmallow import Schema, fields


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
