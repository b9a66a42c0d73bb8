"""Issue 15: the monthly report reads only the month's rows (the duties due and the completions
of the month, then what belongs to them by key), and nothing in its answers changes.

The reference is the queries before that change, kept here as they were (the rest of the
computation is the same code): the completions joined to their timers, the overdue duties
joined to their applications and step records, the pauses of both through a subquery, the
steps of late applications joined to them by number. On three months of work played through
the services (deadlines across month ends, pauses, late and on-time steps, cancellations
before and after deadlines, callbacks, 国庆节 with its make-up Saturday 10 October), every
figure of the report, the overdue list and the draft assessment are the same at the end of
each month and in its middle.
"""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from tests.fixtures.app import local
from tests.reports import generator
from tracker.reports import compute_monthly_report, monthly, parse_month, points

AS_OF = local(2026, 12, 4, 12, 0)
MIDDLES = {"2026-09": local(2026, 9, 16, 15, 0), "2026-10": local(2026, 10, 12, 9, 30),
           "2026-11": local(2026, 11, 18, 11, 0)}


# --- the queries before: as monthly._completed_figures, monthly._overdue and
# points.step_timers_of read them ----------------------

def old_completed_figures(scope):
    from tracker.extensions import db
    from tracker.models import Application, AppStatus, SlaTimer
    from tracker.services.figures import FlowFigures, day_unit, used_days
    from tracker.services.pause_scope import pauses_by_application

    timer = SlaTimer
    rows = db.session.execute(
        select(Application.id, Application.flow_code, timer.started_at, timer.completed_at,
               timer.late, timer.budget_seconds, timer.round_the_clock)
        .join(timer, timer.id == Application.timer_id)
        .where(Application.status == AppStatus.COMPLETED, scope.within(Application.completed_at))
    ).all()
    pauses = pauses_by_application(select(Application.id).where(
        Application.status == AppStatus.COMPLETED, scope.within(Application.completed_at)))
    figures: dict[str, FlowFigures] = {}
    for row in rows:
        item = figures.setdefault(row.flow_code, FlowFigures(row.flow_code))
        item.add(used_days(scope.clock, row.started_at, row.completed_at, row.round_the_clock,
                           monthly._intervals(pauses.get(row.id, ()))),
                 row.budget_seconds / day_unit(scope.clock, row.round_the_clock), row.late)
    return figures


def old_overdue(scope) -> list[dict[str, Any]]:
    from tracker.extensions import db
    from tracker.models import Application, SlaTimer, StepRecord, SubjectType
    from tracker.services.pause_scope import pauses_by_application

    t, a = SlaTimer, Application
    condition = monthly._overdue_condition(scope, (SubjectType.APPLICATION, SubjectType.STEP))
    rows = db.session.execute(
        select(t.id, t.subject_type, t.step_code, t.department_code, t.started_at, t.due_at,
               t.completed_at, t.state, t.round_the_clock, t.application_id, t.limit, a.number,
               t.overdue_at, StepRecord.backdated,
               a.customer_name, a.flow_code, a.status.label("app_status"))
        .join(a, a.id == t.application_id)
        .outerjoin(StepRecord, StepRecord.timer_id == t.id).where(condition)
        .order_by(t.due_at, a.number, t.id)).all()
    pauses = pauses_by_application(select(t.application_id).where(condition))
    # The per-row computation did not change: the same function makes the items.
    return monthly.overdue_items(scope, [(row, row, row.backdated) for row in rows], pauses)


def old_step_timers_of(numbers: list[str]) -> list[tuple[str, Any]]:
    """points.step_timers_of as it was: one join, found by number."""
    from tracker.extensions import db
    from tracker.models import Application, SlaTimer, SubjectType

    t, a = SlaTimer, Application
    return [(row.number, row) for row in db.session.execute(
        select(a.number, a.id.label("app_id"), t.step_code, t.department_code, t.due_at,
               t.completed_at, t.round_the_clock)
        .join(a, a.id == t.application_id)
        .where(a.number.in_(numbers), t.subject_type == SubjectType.STEP,
               t.due_at.is_not(None))
        .order_by(t.id)).all()]


# --- the data -------------------------------------------------------------------------------

@pytest.fixture
def quarter(app, make_user, frozen):
    """September to November 2026 played through the services (time frozen at each action),
    then time frozen at AS_OF."""
    from tracker.extensions import db
    from tracker.models import User

    rng = random.Random(20260915)
    records = (generator.plan_211(rng, 45, date(2026, 8, 31), date(2026, 11, 27), "q")
               + generator.plan_201())
    completed = [r for r in records if r.water_on is not None]
    evaluations = [("E1", completed[0].key, local(2026, 10, 20, 10, 0), False),
                   ("E2", completed[1].key, local(2026, 10, 22, 10, 0), False)]
    for i, rec in enumerate(r for r in records if r.callback and not r.callback[1]):
        rec.assigned_to = (None, "business_hall")[i % 2]
    user_id, _token = make_user("clerk", "quarter-clerk")
    coordinates = frozen(local(2026, 8, 31, 8, 0))
    with app.app_context():
        generator.run(records, db.session.get(User, user_id), coordinates.move_to, evaluations,
                      generator.surveys(completed))
        db.session.remove()
    coordinates.move_to(AS_OF)
    return records


def old_report(month, as_of, monkeypatch) -> dict[str, Any]:
    with monkeypatch.context() as patch:
        patch.setattr(monthly, "_completed_figures", old_completed_figures)
        patch.setattr(monthly, "_overdue", old_overdue)
        patch.setattr(points, "step_timers_of", old_step_timers_of)
        return compute_monthly_report(month, as_of=as_of)


def test_the_month_queries_give_the_figures_of_the_joins_they_replaced(app, quarter, ctx,
                                                                       monkeypatch):
    accepted = {r.number: r.accepted.astimezone(generator.LOCAL) for r in quarter}
    seen: dict[str, int] = defaultdict(int)
    for label in ("2026-09", "2026-10", "2026-11"):
        month = parse_month(label)
        for as_of in (AS_OF, MIDDLES[label]):
            expected = old_report(month, as_of, monkeypatch)
            assert compute_monthly_report(month, as_of=as_of) == expected, (label, as_of)
            overdue = expected["overdue"]
            seen["completed"] += expected["totals"]["completed"]
            seen["completed late"] += expected["totals"]["completed_late"]
            seen["callbacks done"] += expected["aftercare"]["callbacks_done"]
            for charge in expected["points"]["items"]:
                seen[charge["rule"]] += 1
            for item in overdue:
                seen[f"{item['kind']} {item['state']}"] += 1
                seen["paused"] += bool(item["pause_reasons"])
                seen["from an earlier month"] += accepted[item["number"]].month != month.month
    # The months hold what could go wrong: completions late and on time, overdue duties of
    # both kinds finished late, still open or cancelled, paused ones, duties accepted in one
    # month and due in the next, callbacks, the charges of late steps and late applications.
    for what in ("completed", "completed late", "callbacks done", "step_overdue",
                 "overdue_serious", "application done",
                 "step done", "application running", "application cancelled", "paused",
                 "from an earlier month"):
        assert seen[what], (what, dict(seen))
