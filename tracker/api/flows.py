"""/api/v1/flows and /api/v1/pause-reasons: the configured step lists and limits."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..services.flows import current_versions, definition_of
from ..services.reference import pause_reasons
from .auth import require
from .schemas import FlowOut, PauseReasonOut

blp = Blueprint("flows", __name__, url_prefix="/api/v1", description="Flows and pause reasons")


@blp.route("/flows")
class Flows(MethodView):
    @require()
    @blp.response(200, FlowOut(many=True))
    def get(self):
        """The current version of every flow, with its steps and limits."""
        result = []
        for row in current_versions().values():
            flow = definition_of(row)
            data = flow.to_dict()
            data["version"] = row.version
            data["pause_reasons"] = [code for code in pause_reasons()
                                     if flow.offers_pause_reason(code)]
            data["requested_due"] = flow.requested_due
            for step, step_data in zip(flow.steps, data["steps"], strict=True):
                step_data.update(waits_on=list(step.waits_on),
                                 done_at_acceptance=step.done_at_acceptance,
                                 closes_file=step.closes_file)
            result.append(data)
        return result


@blp.route("/pause-reasons")
class PauseReasons(MethodView):
    @require()
    @blp.response(200, PauseReasonOut(many=True))
    def get(self):
        """The configured reasons a clock may be paused for."""
        return [{"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en,
                 "stops": list(r.stops), "party": r.party, "needs_step": r.needs_step}
                for r in pause_reasons().values()]
