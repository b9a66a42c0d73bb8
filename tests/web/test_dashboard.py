"""The connection team's dashboard: open work, due today, overdue with working time over,
this month's on-time rate and working days against the limit, callbacks, the 12-month chart,
its refresh fragment, and a query count that does not grow with the data."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.fixtures.app import local, statements_during
from tests.fixtures.web import complete_all, page_text


def test_an_auditor_sees_the_dashboard(client, web_login, frozen):
    frozen(local(2026, 10, 12, 10, 0) + timedelta(seconds=1))
    web_login("auditor", "audit1", department="inspection_office")
    assert client.get("/dashboard").status_code == 200


def board(app):
    from tracker.extensions import db
    from tracker.services.app_clock import app_clock, now
    from tracker.services.dashboard import build_dashboard

    with app.app_context():
        result = build_dashboard(now(), app_clock())
        db.session.remove()
        return result


def dashboard_ok(client) -> None:
    assert client.get("/dashboard").status_code == 200


@pytest.fixture
def scene(app, make_user, new_application, frozen):
    """Tuesday 2026-10-13 10:00: A (201) just accepted, B (201) accepted on Monday 09:00 and now
    overdue, C (211) completed on time, D (201) accepted on Monday and completed late now."""
    make_user("team_lead", "lead")
    clock = frozen(local(2026, 10, 13, 10, 0), tick=True)
    a = new_application("201", customer_name="甲公司")
    b = new_application("201", customer_name="乙公司", accepted_at=local(2026, 10, 12, 9, 0))
    c = new_application("211", customer_name="丙公司")
    d = new_application("201", customer_name="丁公司", accepted_at=local(2026, 10, 12, 9, 0))
    complete_all(app, c, "lead")
    complete_all(app, d, "lead")
    return {"a": a, "b": b, "c": c, "d": d, "clock": clock}


def test_figures_by_flow_step_overdue_and_due_today(app, scene):
    result = board(app)
    by_flow = {f.code: f for f in result.open_by_flow}
    assert (by_flow["201"].open, by_flow["201"].overdue) == (2, 1)
    assert by_flow["211"].open == 0 and by_flow["101"].open == 0
    assert result.overdue_applications == 1
    by_step = {(s.flow, s.step): s for s in result.open_by_step}
    assert by_step[("201", "survey")].open == 2 and by_step[("201", "survey")].overdue == 1
    assert by_step[("201", "survey")].department == "connection_team"
    assert ("201", "accept") not in by_step  # registering is the acceptance: nothing open
    # D is completed, but its follow-up paperwork is open (system entry, archive, meter entry).
    assert by_step[("201", "system_entry")].open == 1
    assert by_step[("201", "meter_stock_entry")].not_started == 1

    [late] = result.overdue
    assert late.number == scene["b"]
    whole, step = late.duties
    assert whole.step is None and step.step == "survey" and step.department == "connection_team"
    # Monday 17:30 → Tuesday 10:00 is 1.5 working hours; the whole limit fell due at 09:00.
    assert step.over_seconds == pytest.approx(1.5 * 3600, abs=60)
    assert whole.over_seconds == pytest.approx(1.0 * 3600, abs=60)
    assert whole.due_at == local(2026, 10, 13, 9, 0)

    due_today = {(d.number, d.step) for d in result.due_today}
    assert (scene["a"], "survey") in due_today and (scene["d"], "system_entry") in due_today
    assert (scene["a"], None) not in due_today  # A's whole limit runs to tomorrow
    assert result.due_today_total == len(result.due_today)


def test_this_month_on_time_rate_and_working_days_against_the_limit(app, scene):
    result = board(app)
    months = {f.code: f for f in result.month_by_flow}
    assert (months["211"].completed, months["211"].on_time, months["211"].rate) == (1, 1, 1.0)
    assert months["211"].meets_target is True
    assert (months["201"].completed, months["201"].on_time, months["201"].rate) == (1, 0, 0.0)
    assert months["201"].meets_target is False
    # D: Monday 09:00 → Tuesday 10:00 = 7 h + 1.5 h of working time = 8.5 / 7.5 working days.
    assert months["201"].avg_days == pytest.approx(8.5 / 7.5, abs=0.01)
    assert months["201"].p90_days == pytest.approx(8.5 / 7.5, abs=0.01)
    assert months["201"].avg_limit_days == pytest.approx(1.0)
    assert months["101"].completed == 0 and months["101"].rate is None
    assert [c.number for c in result.recent[:2]] == [scene["d"], scene["c"]]
    assert [c.late for c in result.recent[:2]] == [True, False]


def test_paused_time_is_not_counted_in_the_working_days(app, make_user, new_application, frozen):
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services import applications as service

    make_user("team_lead", "lead")
    clock = frozen(local(2026, 10, 12, 9, 0))
    number = new_application("211")
    with app.app_context():
        lead = db.session.scalar(sa.select(User).where(User.username == "lead"))
        clock.move_to(local(2026, 10, 12, 10, 0))
        pause = service.add_pause(number, "missing_documents", lead, step="supply_plan")
        clock.move_to(local(2026, 10, 12, 12, 0))
        service.end_pause(number, pause.id, lead)
        db.session.remove()
    clock.move_to(local(2026, 10, 12, 14, 0))
    complete_all(app, number, "lead")
    months = {f.code: f for f in board(app).month_by_flow}
    # 09:00 → 14:00 is 3.5 working hours, 2 of them paused: 1.5 h = 0.2 working day.
    assert months["211"].avg_days == pytest.approx(0.2, abs=0.001)


def test_the_page_shows_the_figures_and_a_chart(app, client, web_login, scene):
    web_login("team_lead", "lead2")
    page = page_text(client.get("/dashboard"))
    assert "营商报装专班看板" in page
    overdue = page[page.index('id="overdue"'):page.index('id="due-today"')]
    assert scene["b"] in overdue and "营商报装专班" in overdue and "1.5 工作小时" in overdue
    assert scene["a"] not in overdue
    recent = page[page.index('id="recent"'):page.index('id="by-flow"')]
    assert "超时办结" in recent and "按时办结" in recent
    by_flow = page[page.index('id="by-flow"'):page.index('id="chart"')]
    assert "0%" in by_flow and "100%" in by_flow
    assert "1 / 3 / 5" not in by_flow  # 201 follows its seed: 1 working day
    assert "1.13" in by_flow  # D's working days, average and P90
    chart = page[page.index('id="chart"'):page.index('id="by-step"')]
    assert chart.count("<rect class=\"bar\"") == 13  # 12 months and the legend
    assert ">25-11<" in chart and ">26-10<" in chart
    assert 'data-fragment-url="/dashboard/fragment"' in page and "dashboard.js" in page


def test_the_fragment_refreshes_the_figures_without_the_frame(app, client, web_login,
                                                            new_application, frozen):
    frozen(local(2026, 10, 12, 10, 0))
    web_login("team_lead", "lead")
    fragment = page_text(client.get("/dashboard/fragment"))
    assert "<html" not in fragment and "tile-value" in fragment
    first = re.search(r'tile-value">(\d+)<', fragment).group(1)
    new_application("201")  # recorded: the figures are recomputed at once, same minute
    again = page_text(client.get("/dashboard/fragment"))
    assert re.search(r'tile-value">(\d+)<', again).group(1) == str(int(first) + 1)
    response = client.get("/dashboard/fragment")
    assert response.headers["Cache-Control"] == "no-store"


def test_the_fragment_answers_401_to_the_script_once_logged_out(client):
    response = client.get("/dashboard/fragment", headers={"X-Requested-With": "fetch"})
    assert response.status_code == 401
    assert client.get("/dashboard/fragment").status_code == 302


def test_the_callback_rate_is_the_after_care_pages_one(app, client, web_login, scene):
    """回访率 has one definition (services.figures.callback_counts): the callbacks of the
    applications completed this month, answered or not; the after-care page shows the same."""
    from tracker.aftercare.commands import record_callback_result
    from tracker.aftercare.models import Callback
    from tracker.aftercare.rates import callback_rates
    from tracker.extensions import db
    from tracker.models import User

    with app.app_context():
        callbacks = db.session.scalars(sa.select(Callback).order_by(Callback.id)).all()
        assert len(callbacks) == 2  # C and D are completed
        record_callback_result(callbacks[0].id, db.session.scalar(sa.select(User)),
                               reached=True, satisfied=True)
        rates = callback_rates(2026, 10)
        db.session.remove()
    result = board(app)
    assert (result.callbacks_due, result.callbacks_done, result.callback_rate) == (2, 1, 0.5)
    assert (rates["due"], rates["done"], rates["rate"]) == (2, 1, 0.5)
    web_login("team_lead", "lead2")
    page = page_text(client.get("/dashboard"))
    assert "应回访 2，已回访 1" in page and "50%" in page


def test_past_months_on_the_chart(app, make_user, new_application, frozen):
    make_user("team_lead", "lead")
    clock = frozen(local(2026, 8, 10, 9, 0), tick=True)
    on_time = new_application("211")
    complete_all(app, on_time, "lead")
    late = new_application("211", accepted_at=local(2026, 8, 6, 9, 0))
    complete_all(app, late, "lead")
    clock.move_to(local(2026, 10, 12, 10, 0))
    series = {p.month: p for p in board(app).series}
    assert len(series) == 12 and list(series)[-1] == "2026-10"
    assert (series["2026-08"].accepted, series["2026-08"].completed,
            series["2026-08"].on_time) == (2, 2, 1)
    assert series["2026-08"].rate == 0.5
    assert series["2026-09"].completed == 0 and series["2026-09"].rate is None
    # Settled months are kept; the figures stay the same when read again.
    again = {p.month: p for p in board(app).series}
    assert again["2026-08"] == series["2026-08"]


def test_the_query_count_does_not_grow_with_the_data(app, client, web_login, make_user,
                                                    new_application, frozen):
    clock = frozen(local(2026, 10, 12, 10, 0), tick=True)
    web_login("team_lead", "lead")

    def add(n: int) -> None:
        for i in range(n):
            number = new_application("201" if i % 2 else "211",
                                     accepted_at=local(2026, 10, 9, 9, 0) if i % 3 == 0 else None)
            if i % 4 == 1:
                complete_all(app, number, "lead")

    def measured() -> int:
        new_application("211")  # a recorded change: the figures are recomputed
        complete_all(app, new_application("101", requested_at=local(2026, 10, 12, 9, 0)),
                     "lead")
        return len(statements_during(app, lambda: dashboard_ok(client)))

    add(3)
    client.get("/dashboard")  # the settled months are computed once
    small = measured()
    clock.move_to(local(2026, 10, 12, 11, 0))
    add(15)
    large = measured()
    assert large == small
    assert small <= 23  # 20, the shared figures' lease and store (services/dashboard_store), and
    # the per-department figures (issue 13): one query
    # nothing changed within the minute: the figures are kept
    assert len(statements_during(app, lambda: dashboard_ok(client))) <= 3


def _history(app, count: int, now, days: int = 400) -> None:
    """`count` applications accepted evenly over the `days` before `now` (flows 201 and 211 in
    turns), bulk-inserted as the history of a running office would be: those of the last two
    days open with their first step's clock running, every 7th of the rest paused once on its
    way, every 10th done late; each with its step records and timers and, once completed, its
    callback's timer. A change is recorded at the end, as every write records one."""
    from tracker.extensions import db
    from tracker.models import (
        Application,
        AppStatus,
        Channel,
        CustomerType,
        Event,
        Pause,
        SlaTimer,
        StepRecord,
        StepStatus,
        SubjectType,
        TimerState,
    )
    from tracker.services.app_clock import app_clock
    from tracker.services.flows import current_versions, definition_of

    with app.app_context():
        versions = current_versions()
        clock = app_clock()
        day = clock.working_day_length
        base = db.session.scalar(sa.select(sa.func.max(Application.id))) or 0
        timer_id = db.session.scalar(sa.select(sa.func.max(SlaTimer.id))) or 0

        def timer(subject, subject_id, app_id, dept, code, step, start, due, done, late):
            nonlocal timer_id
            timer_id += 1
            db.session.execute(sa.insert(SlaTimer).values(
                id=timer_id, subject_type=subject, subject_id=subject_id, stage=step or "",
                application_id=app_id, department_code=dept, flow_code=code, step_code=step,
                label="", limit={"kind": "working_days", "amount": 1}, round_the_clock=False,
                started_at=start, budget_seconds=int(day.total_seconds()), due_at=due,
                warn_at=due - day / 4, provisional=False,
                state=TimerState.DONE if done else TimerState.RUNNING, completed_at=done,
                late=late, created_at=start, version_id=1))
            return timer_id

        for n in range(1, count + 1):
            i = base + n
            code = "201" if n % 2 else "211"
            flow = definition_of(versions[code])
            accepted = now - timedelta(days=days) * (1 - n / count)
            start = clock.next_working_instant(accepted)
            is_open = now - accepted < timedelta(days=2)
            paused = [] if is_open or n % 7 else [(clock.add_working_time(start, day / 5),
                                                   clock.add_working_time(start, day / 2))]
            due = clock.add_working_time(start, day, paused)
            late = not is_open and n % 10 == 0
            done = None if is_open else min(now, clock.add_working_time(
                start, day * (1.5 if late else 0.5), paused))
            db.session.execute(sa.insert(Application).values(
                id=i, number=f"{code}-{accepted.year}-9{i:05d}", flow_code=code,
                flow_version_id=versions[code].id, customer_type=CustomerType.COMPANY,
                customer_name=f"公司{i}", contact_name="王工", contact_phone="0553-1234567",
                address="芜湖市", channel=Channel.WINDOW, attributes={}, accepted_at=accepted,
                missing_materials=[], note="", cancel_reason="",
                status=AppStatus.OPEN if is_open else AppStatus.COMPLETED,
                water_on_at=done, completed_at=done, created_at=accepted,
                updated_at=done or accepted, version_id=1))
            whole = timer(SubjectType.APPLICATION, i, i, flow.steps[0].department, code, None,
                          start, due, done, late)
            db.session.execute(sa.update(Application).where(Application.id == i)
                               .values(timer_id=whole))
            for pause_start, pause_end in paused:
                db.session.execute(sa.insert(Pause).values(
                    application_id=i, reason_code="missing_documents", note="",
                    started_at=pause_start, ended_at=pause_end, stops_application=True,
                    stopped_steps=["*"]))
            for position, step in enumerate(flow.steps):
                step_timer = None
                if done or position == 0:
                    step_timer = timer(SubjectType.STEP, i * 100 + position, i, step.department,
                                       code, step.code, start, due, done, late)
                db.session.execute(sa.insert(StepRecord).values(
                    application_id=i, code=step.code, position=position,
                    department_code=step.department, completed_at=done,
                    status=StepStatus.DONE if done else
                    StepStatus.READY if position == 0 else StepStatus.WAITING,
                    timer_id=step_timer, note="", version_id=1))
            if done:
                timer(SubjectType.CALLBACK, i, i, "customer_service", code, None, done,
                      clock.add_working_time(done, day * 3), None, False)
        db.session.execute(sa.insert(Event).values(at=now, subject_type="application",
                                                   action="bench.history", data={}))
        db.session.commit()
        db.session.remove()


def _restarted(app) -> None:
    """As after a restart of every worker: nothing kept in the process, nor shared."""
    from tracker.extensions import db
    from tracker.models import DashboardSnapshot

    for name in [k for k in app.extensions if k.startswith("tracker_dashboard")]:
        del app.extensions[name]
    with app.app_context():
        db.session.execute(sa.delete(DashboardSnapshot))
        db.session.commit()
        db.session.remove()


def test_the_first_dashboard_runs_as_many_queries_at_30_as_at_300_applications(
        app, client, web_login, frozen):
    """Issue 15: the first dashboard after a start asked for this month's working days only
    when something had been completed this month, so its query count grew with the data."""
    now = local(2026, 10, 12, 10, 0)
    frozen(now)
    web_login("team_lead", "lead")

    def first_dashboard() -> tuple[int, int]:
        _restarted(app)
        count = len(statements_during(app, lambda: dashboard_ok(client)))
        return count, sum(f.completed for f in board(app).month_by_flow)

    _history(app, 30, now)
    small, done_small = first_dashboard()
    _history(app, 270, now)
    large, done_large = first_dashboard()
    # The two data sets differ where the count grew: nothing completed this month, then some.
    assert done_small == 0 < done_large
    assert large == small


def test_the_same_figures_in_either_language(app, client, web_login, scene):
    """The rendered figures are kept per language: switching shows the other language's."""
    web_login("team_lead", "lead2")
    assert "超时申请" in page_text(client.get("/dashboard"))
    client.get("/language/en")
    english = page_text(client.get("/dashboard"))
    assert "Overdue applications" in english and "超时申请" not in english
    assert "Overdue applications" in page_text(client.get("/dashboard/fragment"))
    client.get("/language/zh")
    assert "超时申请" in page_text(client.get("/dashboard/fragment"))
