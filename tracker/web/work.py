"""My work: the open steps of my department, overdue on top, then the soonest deadline."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import case, func, select

from ..extensions import db
from ..i18n import current_language, pick
from ..models import Application, AppStatus, SlaTimer, StepRecord, TimerState
from ..models.applications import OPEN_STEP
from ..services.app_clock import app_clock, now
from ..services.applications import flow_of, timer_pauses
from ..services.reference import departments
from ..services.timers import describe

bp = Blueprint("work", __name__)
LIMIT = 200


def open_steps(department: str | None, moment: Any, limit: int = LIMIT) -> tuple[list, int]:
    """(step, application) pairs of open steps of open applications, overdue first."""
    overdue_first = case((((SlaTimer.state == TimerState.RUNNING) & (SlaTimer.due_at <= moment)),
                          0), else_=1)
    no_deadline_last = case((SlaTimer.due_at.is_(None), 1), else_=0)
    # The open-steps partial index answers this however long the history is.
    where = [OPEN_STEP, Application.status != AppStatus.CANCELLED]
    if department:
        where.append(StepRecord.department_code == department)
    query = (select(StepRecord, Application)
             .join(Application, Application.id == StepRecord.application_id)
             .outerjoin(SlaTimer, SlaTimer.id == StepRecord.timer_id)
             .where(*where)
             .order_by(overdue_first, no_deadline_last, SlaTimer.due_at.asc(),
                       Application.accepted_at.asc(), StepRecord.id.asc()))
    total = db.session.scalar(
        select(func.count()).select_from(StepRecord)
        .join(Application, Application.id == StepRecord.application_id).where(*where)) or 0
    return [tuple(row) for row in db.session.execute(query.limit(limit))], int(total)


@bp.route("/work")
def index() -> Any:
    lang = current_language()
    known = departments()
    mine = current_user.department.code if current_user.department else None
    chosen = request.args.get("department", mine or "all")
    department = chosen if chosen in known else None
    if department is None:
        chosen = "all"
    moment, clock = now(), app_clock()
    pairs, total = open_steps(department, moment)
    rows = []
    for step, app in pairs:
        definition = flow_of(app).step(step.code)
        state = describe(step.timer, moment, clock, timer_pauses(app, step.timer)) if step.timer else None
        rows.append({"app": app, "step": step,
                     "step_name": pick(definition.name_zh, definition.name_en, lang),
                     "needs_start": definition.needs_start, "state": state})
    options = [("all", None)] + [(code, pick(d.name_zh, d.name_en, lang))
                                 for code, d in known.items()]
    return render_template("work/index.html", rows=rows, total=total, chosen=chosen,
                           mine=mine, options=options, limit=LIMIT, now=moment)
