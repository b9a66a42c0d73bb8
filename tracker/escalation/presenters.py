"""Supervision notices (督办单) as plain data for the API, the pages and the monthly report."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..extensions import db
from ..i18n import pick
from ..localtime import local
from ..models import Application
from ..services.sla_fields import department_name, timer_fields
from ..sla import WorkingClock
from .models import NOTICE_STATUSES, SupervisionNotice


def state_of(notice: SupervisionNotice, now: datetime) -> str:
    """open | overdue (unanswered past its deadline) | answered | answered_late."""
    if notice.status == "answered":
        return "answered_late" if notice.late else "answered"
    due = notice.timer.due_at if notice.timer is not None else None
    return "overdue" if due is not None and now > due else "open"


STATE_NAMES = {"open": ("待答复", "Awaiting answer"), "overdue": ("逾期未答复", "Overdue, unanswered"),
               "answered": ("已按期答复", "Answered on time"),
               "answered_late": ("逾期答复", "Answered late")}


def present_notice(notice: SupervisionNotice, now: datetime, clock: WorkingClock,
                   lang: str) -> dict[str, Any]:
    """A notice as plain data (times in Beijing time), with its answer clock's SLA."""
    app = db.session.get(Application, notice.application_id) if notice.application_id else None
    state = state_of(notice, now)
    return {
        "number": notice.number, "state": state, "state_name": pick(*STATE_NAMES[state], lang),
        "status": notice.status, "status_name": pick(*NOTICE_STATUSES[notice.status], lang),
        "application": app.number if app else None,
        "department": notice.department_code,
        "department_name": department_name(notice.department_code, lang),
        "duty": notice.duty_label, "duty_due_at": local(notice.duty_due_at),
        "issued_at": local(notice.issued_at),
        "answer_due_at": local(notice.timer.due_at) if notice.timer else None,
        "answer": notice.answer, "answered_at": local(notice.answered_at),
        "answered_by": notice.answered_by.label if notice.answered_by else None,
        "late": notice.late, "overdue": state in ("overdue", "answered_late"),
        "version": notice.version_id,
        "sla": timer_fields(notice.timer, now, clock, []),
    }
