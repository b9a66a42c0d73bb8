"""How a duty's deadline is shown, for every presenter: the timer as plain data at `now`,
and a department's name. A leaf: it knows timers and the reference data, nothing above."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..i18n import pick
from ..localtime import local
from ..models import SlaTimer
from ..sla import WorkingClock
from .reference import departments
from .timers import describe


def timer_fields(timer: SlaTimer | None, now: datetime, clock: WorkingClock,
                 pauses: list) -> dict[str, Any]:
    """State, deadline, time left or over, share used and limit of a timer (or "not started")."""
    if timer is None:
        return {"state": "not_started", "due_at": None, "remaining_hours": None,
                "remaining_days": None, "over_hours": None, "over_days": None,
                "used_ratio": None, "provisional": False, "started_at": None, "limit": None}
    view = describe(timer, now, clock, pauses).as_dict(clock.working_day_length.total_seconds())
    view["due_at"] = local(view["due_at"])
    view["started_at"] = local(timer.started_at)
    view["limit"] = timer.limit
    return view


def department_name(code: str, lang: str) -> str:
    dept = departments().get(code)
    if dept is None:
        return code
    return pick(dept.name_zh, dept.name_en, lang)
