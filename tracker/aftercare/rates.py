"""The monthly after-care rates: 回访率 and 满意率, and the 好差评 and home-visit counts."""
from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, select, true

from ..extensions import db
from ..models import Application
from ..services.figures import CallbackCounts, callback_counts_statement, ratio
from ..services.months import Month
from ..services.plain_reads import plain_rows
from .models import Callback, Evaluation, FollowUp


def callback_rates(year: int, month: int) -> dict[str, Any]:
    """回访率 and 满意率 of the applications whose water went on in the month (local time).

    due, done, rate and done_on_time are the one definition of the callback rate
    (`services.figures.callback_counts`, which the dashboard shows too); satisfied /
    dissatisfied among the done ones, satisfaction_rate = satisfied / done. Evaluations (好差评) evaluated in the
    month are counted apart (the government survey, another source, is not 好差评), as are the
    follow-ups opened in the month.
    """
    start, end = Month.checked(year, month).bounds
    row = plain_rows(_rates(), {"start": start, "end": end}).one()
    due, done, done_on_time, satisfied, dissatisfied, evaluated, evaluated_bad, opened, \
        closed = (int(v or 0) for v in row)
    calls = CallbackCounts(due, done, done_on_time)
    return {
        "year": year, "month": month,
        "due": calls.due, "done": calls.done, "rate": calls.rate,
        "done_on_time": calls.done_on_time,
        "satisfied": satisfied, "dissatisfied": dissatisfied,
        "satisfaction_rate": ratio(satisfied, calls.done),
        "evaluations": evaluated, "evaluations_dissatisfied": evaluated_bad,
        "follow_ups_opened": opened, "follow_ups_closed": closed,
    }


@cache
def _rates() -> Select:
    """The callback counts (services.figures.callback_counts, the one definition of the
    callback rate) and _month_counts' figures in one statement, one round trip: each is one
    row of aggregates."""
    calls = callback_counts_statement().subquery("calls")
    month = _month_counts().subquery("month")
    return select(*calls.c, *month.c).select_from(calls).join(month, true())


@cache
def _month_counts() -> Select:
    """The satisfied / dissatisfied callbacks, the 好差评 and the follow-ups of [:start,
    :end) in one statement, built once per process: three aggregates, each one row, side by
    side (the callbacks page asked three round trips and built three statements per view)."""
    start, end = bindparam("start"), bindparam("end")
    answers = (select(func.count(case((Callback.satisfied.is_(True), 1))).label("satisfied"),
                      func.count(case((Callback.satisfied.is_(False), 1))).label("dissatisfied"))
               .join(Application, Application.id == Callback.application_id)
               .where(Callback.status == "done", Application.completed_at >= start,
                      Application.completed_at < end).subquery())
    evaluations = (select(func.count(Evaluation.id).label("evaluated"),
                          func.count(case((Evaluation.satisfied.is_(False), 1))).label("bad"))
                   .where(Evaluation.evaluated_at >= start, Evaluation.evaluated_at < end,
                          Evaluation.source == "haochaping").subquery())
    follow_ups = (select(func.count(FollowUp.id).label("opened"),
                         func.count(case((FollowUp.status == "closed", 1))).label("closed"))
                  .where(FollowUp.created_at >= start, FollowUp.created_at < end).subquery())
    return (select(answers.c.satisfied, answers.c.dissatisfied, evaluations.c.evaluated,
                   evaluations.c.bad, follow_ups.c.opened, follow_ups.c.closed)
            .select_from(answers).join(evaluations, true()).join(follow_ups, true()))


def dissatisfied_callbacks(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Each "not satisfied" callback answered in [start, end): id, application number, flow
    version, when it was answered, the department it was assigned to (None: not yet)."""
    rows = db.session.execute(
        select(Callback.id, Callback.done_at, Callback.assigned_department, Application.number,
               Application.flow_version_id)
        .join(Application, Application.id == Callback.application_id)
        .where(Callback.done_at >= start, Callback.done_at < end, Callback.status == "done",
               Callback.satisfied.is_(False))
        .order_by(Callback.done_at, Callback.id))
    return [{"id": r.id, "done_at": r.done_at, "number": r.number,
             "flow_version_id": r.flow_version_id, "assigned_department": r.assigned_department}
            for r in rows]


def bad_reviews(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Each "not satisfied" evaluation evaluated in [start, end): id, source, application number
    (None when no application is known), flow version."""
    rows = db.session.execute(
        select(Evaluation.id, Evaluation.source, Evaluation.evaluated_at, Application.number,
               Application.flow_version_id)
        .select_from(Evaluation).outerjoin(Application, Application.id == Evaluation.application_id)
        .where(Evaluation.evaluated_at >= start, Evaluation.evaluated_at < end,
               Evaluation.satisfied.is_(False))
        .order_by(Evaluation.evaluated_at, Evaluation.id))
    return [{"id": r.id, "source": r.source, "evaluated_at": r.evaluated_at, "number": r.number,
             "flow_version_id": r.flow_version_id} for r in rows]
