"""The dashboard's figures on a generated data set are what they were before issue 15's
changes to their queries, and what a plain count over every row says (issue 15's
acceptance: "nothing in the answers changes").

The data: 30 applications of the three flows registered over four weeks across the National
Day holiday (2026-09-21 … 2026-10-16), each then left as it is, paused (the whole or one
step), cancelled, taken one step on, or completed on time or late, chosen by a seeded
random generator so the set is the same on every run. The dashboard is then computed at four
instants: before, during and after the holiday, and on a later afternoon.

Two references:
- the statements as they were before they went out as one UNION each (one query per kind of
  duty, kept here);
- a plain count in Python over every timer and application, read through the ORM: the
  figures a team lead checks by hand (open, overdue, due later today, of how many
  applications).
"""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.fixtures.app import local
from tracker.extensions import db
from tracker.localtime import LOCAL

INSTANTS = [local(2026, 9, 30, 16, 0), local(2026, 10, 6, 10, 0), local(2026, 10, 9, 11, 30),
            local(2026, 10, 16, 15, 0)]


@pytest.fixture
def generated(app, api, api_as, frozen):
    """The data set described above; the numbers made."""
    clock = frozen(local(2026, 9, 21, 9, 0))
    api_as("clerk", "wang", department="connection_team")
    rng = random.Random(20261202)
    made = []
    moment = local(2026, 9, 21, 9, 0)
    for i in range(30):
        flow = rng.choice(["201", "211", "211", "101"])
        extra = {}
        if flow == "101":  # its clock runs from the customer's requested time
            extra["requested_at"] = (moment + timedelta(hours=1)).isoformat()
        number = api.create(flow, customer_name=f"客户{i}", **extra)["number"]
        made.append(number)
        what = rng.choice(["leave", "leave", "pause", "pause_step", "cancel", "step", "done"])
        base = f"/api/v1/applications/{number}"
        if what == "pause":
            api.as_read(number).post(f"{base}/pauses", {"reason": "municipal_approval"},
                                     status=201)
        elif what == "pause_step" and flow == "211":
            api.as_read(number).post(f"{base}/pauses",
                                     {"reason": "customer_deferral", "step": "supply_plan"},
                                     status=201)
        elif what == "cancel":
            api.as_read(number).post(f"{base}/cancel", {"reason": "客户撤回"})
        elif what in ("step", "done") and flow == "211":
            api.step(number, "supply_plan")
            if what == "done":
                api.step(number, "water_on")
        # The next one a few working hours later; some on the same day.
        moment = moment + timedelta(hours=rng.choice([1, 2, 5, 24, 26]))
        if moment.astimezone(LOCAL).time() > time(17, 0):
            moment += timedelta(hours=16)
        clock.move_to(moment)
    return clock, made


def _old_duty_rows(where, limit):
    """services.dashboard._duty_rows before issue 15: one query per kind of duty."""
    from tracker.models import Application, SlaTimer
    from tracker.services.dashboard import DUTY_SUBJECTS

    rows = []
    for subject in DUTY_SUBJECTS:
        rows += db.session.execute(
            select(SlaTimer.application_id, Application.number, Application.flow_code,
                   Application.customer_name, SlaTimer.subject_type, SlaTimer.step_code,
                   SlaTimer.department_code, SlaTimer.due_at, SlaTimer.id)
            .join(Application, Application.id == SlaTimer.application_id)
            .where(where, SlaTimer.subject_type == subject)
            .order_by(SlaTimer.due_at.asc(), SlaTimer.id.asc()).limit(limit)).all()
    rows.sort(key=lambda r: (r.due_at, r.id))
    return rows[:limit]


def _old_overdue_applications(now):
    """services.dashboard._overdue_applications before issue 15."""
    from tracker.models import SlaTimer, TimerState
    from tracker.services.dashboard import DUTY_SUBJECTS

    ids: set[int] = set()
    for subject in DUTY_SUBJECTS:
        ids.update(db.session.scalars(
            select(SlaTimer.application_id).distinct()
            .where(SlaTimer.subject_type == subject, SlaTimer.state == TimerState.RUNNING,
                   SlaTimer.due_at <= now)))
    ids.discard(None)
    return len(ids)


def _old_open_by_flow(now, end_today):
    """services.dashboard._open_by_flow before issue 15's open-applications index: every
    open application's clock joined by key, whatever its state."""
    from sqlalchemy import and_, case, func

    from tracker.models import Application, AppStatus, SlaTimer, TimerState
    from tracker.services.dashboard import FlowOpen

    running = SlaTimer.state == TimerState.RUNNING
    rows = db.session.execute(
        select(Application.flow_code, func.count(),
               func.sum(case((and_(running, SlaTimer.due_at <= now), 1), else_=0)),
               func.sum(case((and_(running, SlaTimer.due_at > now, SlaTimer.due_at < end_today),
                              1), else_=0)),
               func.sum(case((SlaTimer.state == TimerState.PAUSED, 1), else_=0)))
        .select_from(Application).outerjoin(SlaTimer, SlaTimer.id == Application.timer_id)
        .where(Application.status == AppStatus.OPEN)
        .group_by(Application.flow_code))
    return {code: FlowOpen(code, int(n), int(late or 0), int(today or 0), int(paused or 0))
            for code, n, late, today, paused in rows}


def _old_open_by_step(now, end_today, flows):
    """services.dashboard._open_by_step before the open-applications index: the step's
    application (flow, status) looked up by key, any timer joined, "no timer" counted."""
    from sqlalchemy import and_, case, func

    from tracker.models import Application, AppStatus, SlaTimer, StepRecord, TimerState
    from tracker.models.applications import OPEN_STEP
    from tracker.services.dashboard import StepOpen

    def of_application(column):
        return select(column).where(Application.id == StepRecord.application_id) \
            .correlate(StepRecord).scalar_subquery()

    running = SlaTimer.state == TimerState.RUNNING
    flow = of_application(Application.flow_code).label("flow_code")
    rows = db.session.execute(
        select(flow, StepRecord.code, StepRecord.department_code,
               func.min(StepRecord.position), func.count(),
               func.sum(case((SlaTimer.id.is_(None), 1), else_=0)),
               func.sum(case((and_(running, SlaTimer.due_at <= now), 1), else_=0)),
               func.sum(case((and_(running, SlaTimer.due_at > now, SlaTimer.due_at < end_today),
                              1), else_=0)))
        .select_from(StepRecord)
        .outerjoin(SlaTimer, SlaTimer.id == StepRecord.timer_id)
        .where(OPEN_STEP, of_application(Application.status) != AppStatus.CANCELLED)
        .group_by(flow, StepRecord.code, StepRecord.department_code))
    result = [StepOpen(flow, step, dept, int(pos), int(n), int(waiting or 0), int(late or 0),
                       int(today or 0))
              for flow, step, dept, pos, n, waiting, late, today in rows]
    order = {code: i for i, code in enumerate(flows)}
    result.sort(key=lambda s: (order.get(s.flow, len(order)), s.flow, s.position))
    return result


def _old_department_figures(moment):
    """services.department_figures.department_figures before its two halves: one filter
    over the timers (open, or finished this month)."""
    from sqlalchemy import and_, case, func, literal, or_, union_all

    from tracker.models import Application, AppStatus, SlaTimer, StepRecord, SubjectType, TimerState
    from tracker.models.applications import OPEN_STEP, shared_codes
    from tracker.services.department_figures import DepartmentFigures, _month_start
    from tracker.services.reference import departments
    from tracker.services.work import OPEN_TIMER, due_predicate

    start = _month_start(moment)
    done_this_month = and_(SlaTimer.state == TimerState.DONE, SlaTimer.completed_at >= start,
                           SlaTimer.completed_at <= moment)

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    timers = (
        select(SlaTimer.department_code.label("code"), count(OPEN_TIMER).label("open"),
               count(due_predicate("today", moment)).label("due_today"),
               count(due_predicate("overdue", moment)).label("overdue"),
               count(done_this_month).label("done"),
               count(and_(done_this_month, SlaTimer.late.is_(False))).label("on_time"))
        .where(SlaTimer.subject_type != SubjectType.APPLICATION,
               or_(OPEN_TIMER, and_(SlaTimer.completed_at >= start,
                                    SlaTimer.completed_at <= moment)))
        .group_by(SlaTimer.department_code))
    not_started = (OPEN_STEP, StepRecord.timer_id.is_(None),
                   Application.status != AppStatus.CANCELLED)

    def waiting(column):
        return (select(column, func.count(), *[literal(0)] * 4)
                .join(Application, Application.id == StepRecord.application_id)
                .where(*not_started).group_by(column))

    shared = waiting(StepRecord.shared_with).where(StepRecord.shared_with != "")
    totals = {}
    for code, *values in db.session.execute(union_all(
            timers, waiting(StepRecord.department_code), shared)):
        for one in shared_codes(code) if code and code.startswith(",") else [code]:
            sums = totals.setdefault(one, [0] * 5)
            for i, value in enumerate(values):
                sums[i] += int(value or 0)
    known = list(departments())
    return [DepartmentFigures(code, *totals.get(code, [0] * 5))
            for code in [*known, *sorted(set(totals) - set(known))]]


def _board(now: datetime):
    from tracker.services.app_clock import app_clock
    from tracker.services.dashboard import build_dashboard

    db.session.expire_all()
    return build_dashboard(now, app_clock())


def _by_hand(now: datetime) -> dict[str, int]:
    """The headline figures counted over every row in Python."""
    from tracker.models import Application, AppStatus, SlaTimer, SubjectType, TimerState

    duties = [t for t in db.session.scalars(select(SlaTimer))
              if t.subject_type in (SubjectType.APPLICATION, SubjectType.STEP)]
    end_today = datetime.combine(now.astimezone(LOCAL).date() + timedelta(days=1), time(0),
                                 tzinfo=LOCAL)
    running = [t for t in duties if t.state is TimerState.RUNNING]
    overdue = [t for t in running if t.due_at <= now]
    today = [t for t in running if now < t.due_at < end_today]
    open_apps = [a for a in db.session.scalars(select(Application))
                 if a.status is AppStatus.OPEN]
    own_overdue = [a for a in open_apps if a.timer is not None
                   and a.timer.state is TimerState.RUNNING and a.timer.due_at <= now]
    return {"open_total": len(open_apps),
            "overdue_applications": len(own_overdue),
            "overdue_any": len({t.application_id for t in overdue}),
            "due_today_total": len(today),
            "due_today_applications": len({t.application_id for t in today})}


@pytest.mark.parametrize("at", range(len(INSTANTS)))
def test_the_figures_are_those_of_the_old_statements(app, generated, monkeypatch, at):
    from tracker.services import dashboard

    clock, _ = generated
    clock.move_to(INSTANTS[at])
    with app.app_context():
        board = _board(INSTANTS[at])
        monkeypatch.setattr(dashboard, "_duty_rows", _old_duty_rows)
        monkeypatch.setattr(dashboard, "_overdue_applications", _old_overdue_applications)
        monkeypatch.setattr(dashboard, "_open_by_flow", _old_open_by_flow)
        monkeypatch.setattr(dashboard, "_open_by_step", _old_open_by_step)
        monkeypatch.setattr(dashboard, "department_figures", _old_department_figures)
        before = _board(INSTANTS[at])
        assert board == before
        db.session.remove()


@pytest.mark.parametrize("at", range(len(INSTANTS)))
def test_the_headline_figures_are_what_counting_every_row_gives(app, generated, at):
    clock, _ = generated
    clock.move_to(INSTANTS[at])
    with app.app_context():
        board = _board(INSTANTS[at])
        expected = _by_hand(INSTANTS[at])
        shown = {name: getattr(board, name) for name in expected}
        assert shown == expected
        db.session.remove()


def test_the_data_set_holds_every_kind_of_figure(app, generated):
    """The generated set is not trivially empty: at its last instant some applications are
    overdue, some paused, some done late or on time, some cancelled (else the comparisons
    above would compare zeros)."""
    from tracker.models import Application, AppStatus, SlaTimer, TimerState

    clock, _ = generated
    clock.move_to(INSTANTS[-1])
    with app.app_context():
        board = _board(INSTANTS[-1])
        statuses = {a.status for a in db.session.scalars(select(Application))}
        states = {t.state for t in db.session.scalars(select(SlaTimer))}
        assert board.overdue_any > 0 and board.overdue
        assert {AppStatus.OPEN, AppStatus.CANCELLED, AppStatus.COMPLETED} <= statuses
        assert TimerState.PAUSED in states
        assert sum(f.open for f in board.open_by_flow) == board.open_total > 0
        assert any(d.done_this_month for d in board.by_department)
        assert any(d.open for d in board.by_department)
        # Open steps of applications that are not open (the paperwork after water on, and a
        # cancelled one's, never counted): _open_by_step's lookup by key for those.
        from tracker.models import StepRecord, StepStatus

        open_steps = db.session.scalars(select(StepRecord).where(
            StepRecord.status.in_([StepStatus.READY, StepStatus.STARTED]))).all()
        assert {s.application.status for s in open_steps} - {AppStatus.OPEN}
        db.session.remove()
