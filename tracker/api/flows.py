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
            data = definition_of(row).to_dict()
            data["version"] = row.version
            result.append(data)
        return result


@blp.route("/pause-reasons")
class PauseReasons(MethodView):
    @require()
    @blp.response(200, PauseReasonOut(many=True))
    def get(self):
        """The configured reasons a clock may be paused for."""
        return [{"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en}
                for r in pause_reasons().values()]
