"""After water is on: the customer callback (回访) every completed application gets."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from ..extensions import db
from ..models import Application, Callback, SubjectType
from ..sla import Limit, LimitKind, WorkingClock
from . import timers


def open_callback(app: Application, at: datetime, clock: WorkingClock) -> Callback:
    """Queue the callback of a completed application, due within the configured limit."""
    callback = Callback(application_id=app.id, status="open")
    db.session.add(callback)
    db.session.flush()
    days = float(current_app.config.get("TRACKER_CALLBACK_LIMIT_DAYS", 3.0))
    callback.timer = timers.new_timer(
        subject_type=SubjectType.CALLBACK, subject_id=callback.id, start=at,
        limit=Limit(LimitKind.WORKING_DAYS, days),
        department=current_app.config.get("TRACKER_CALLBACK_DEPARTMENT", "customer_service"),
        clock=clock, application_id=app.id, flow_code=app.flow_code,
        label=f"{app.number} 回访", stage="callback")
    return callback
