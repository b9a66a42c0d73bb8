"""The SLA watcher: transitions recorded once, with their true time, set-based."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.fixtures.app import local
from tracker.extensions import db
from tracker.jobs.watcher import run_watcher
from tracker.models import Application, Event, Notification, SlaTimer, StepRecord
from tracker.services.app_clock import app_clock
from tracker.settings import reconfigure


def _timer(number: str, step: str | None = None) -> SlaTimer:
    app = db.session.scalar(select(Application).where(Application.number == number))
    if step is None:
        return app.timer
    return db.session.scalar(select(StepRecord).where(StepRecord.application_id == app.id,
                                                      StepRecord.code == step)).timer


def _events(action: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.action == action).order_by(Event.id)))


def _complete_acceptance(number: str, actor, at) -> None:
    from tracker.services.applications import complete_step

    complete_step(number, "supply_plan", actor, at=at)


def test_stopped_over_the_deadline_records_true_times_once(app, actor, application_at, frozen):
    # 211 accepted Thu 8 Oct 2026 09:00 (first working day after the National Day holiday):
    # water on within 1 working day (7.5 h) → due Fri 9 Oct 09:00; warning at 75 % (5 h 37.5 min
    # of working time) → Thu 16:07:30 (3 h to noon, 2 h 37.5 min after 13:30).
    reconfigure(app, TRACKER_WEBHOOKS={"*": "http://127.0.0.1:9/unused"})
    number = application_at(local(2026, 10, 8, 9, 0))
    frozen(local(2026, 10, 8, 10, 0))
    _complete_acceptance(number, actor, local(2026, 10, 8, 10, 0))

    first = run_watcher(local(2026, 10, 8, 10, 0))
    assert (first.warnings, first.overdue) == (0, 0)

    # The watcher is down from 10:00 Thursday to 10:00 Friday: both transitions happened then.
    second = run_watcher(local(2026, 10, 9, 10, 0))
    assert (second.warnings, second.overdue) == (2, 2)  # the water_on step and the whole

    water_on = _timer(number, "water_on")
    assert water_on.due_at == local(2026, 10, 9, 9, 0)
    assert water_on.warn_at == local(2026, 10, 8, 16, 7, 30)
    assert water_on.overdue_at == water_on.due_at  # the true instant, not 10:00 when noticed
    assert water_on.warned_at == water_on.warn_at

    overdue = _events("sla.overdue")
    warnings = _events("sla.warning")
    assert sorted(e.subject_type for e in overdue) == ["application", "step"]
    assert {e.at for e in overdue} == {local(2026, 10, 9, 9, 0)}
    assert {e.at for e in warnings} == {local(2026, 10, 8, 16, 7, 30)}
    assert all(e.actor_id is None for e in overdue + warnings)
    step_event = next(e for e in overdue if e.subject_type == "step")
    assert step_event.subject_id == db.session.scalar(
        select(StepRecord.id).where(StepRecord.timer_id == water_on.id))
    assert datetime.fromisoformat(step_event.data["noticed_at"]) == local(2026, 10, 9, 10, 0)
    assert datetime.fromisoformat(step_event.data["due_at"]) == water_on.due_at

    # Running again (or many times) changes nothing.
    for hours in (0, 1, 30):
        again = run_watcher(local(2026, 10, 9, 10, 0) + timedelta(hours=hours))
        assert (again.warnings, again.overdue, again.queued) == (0, 0, 0)
    assert len(_events("sla.overdue")) == 2
    assert len(_events("sla.warning")) == 2
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 4


def test_each_transition_is_found_when_it_happens(app, actor, application_at, frozen):
    number = application_at(local(2026, 10, 8, 9, 0))
    frozen(local(2026, 10, 8, 10, 0))
    _complete_acceptance(number, actor, local(2026, 10, 8, 10, 0))
    assert run_watcher(local(2026, 10, 8, 16, 7, 29)).warnings == 0
    assert run_watcher(local(2026, 10, 8, 16, 7, 30)).warnings == 2  # at warn_at exactly
    result = run_watcher(local(2026, 10, 9, 8, 59))
    assert (result.warnings, result.overdue) == (0, 0)
    assert run_watcher(local(2026, 10, 9, 9, 0)).overdue == 2


def test_done_paused_and_cancelled_timers_are_left_alone(app, actor, application_at, frozen):
    from tracker.services.applications import add_pause, cancel_application, complete_step

    on_time = application_at(local(2026, 10, 8, 9, 0))
    paused = application_at(local(2026, 10, 8, 9, 0))
    cancelled = application_at(local(2026, 10, 8, 9, 0))
    frozen(local(2026, 10, 8, 9, 30))
    for number in (on_time, paused, cancelled):
        _complete_acceptance(number, actor, local(2026, 10, 8, 9, 30))
    complete_step(on_time, "water_on", actor, at=local(2026, 10, 8, 9, 30))
    add_pause(paused, "missing_documents", actor, at=local(2026, 10, 8, 9, 30), step="water_on")
    cancel_application(cancelled, "客户撤回申请", actor)

    result = run_watcher(local(2026, 10, 20, 12, 0))
    # Only the callback (回访) of the completed application, a duty of its own, went overdue.
    assert (result.warnings, result.overdue) == (1, 1)
    assert [e.subject_type for e in _events("sla.overdue")] == ["callback"]


def test_a_deadline_moved_after_it_was_passed_is_notified_again(app, actor, application_at,
                                                               frozen):
    """A back-dated pause moves a passed deadline: the old flag is dropped (services/timers),
    and the new deadline, when it passes, is a new transition with a new notification."""
    from tracker.services.applications import add_pause, end_pause

    reconfigure(app, TRACKER_WEBHOOKS={"engineering": "http://127.0.0.1:9/eng"})
    number = application_at(local(2026, 10, 8, 9, 0))
    frozen(local(2026, 10, 8, 10, 0))
    _complete_acceptance(number, actor, local(2026, 10, 8, 10, 0))
    assert run_watcher(local(2026, 10, 9, 9, 30)).overdue == 2
    frozen(local(2026, 10, 9, 9, 30))
    pause = add_pause(number, "missing_documents", actor, at=local(2026, 10, 8, 16, 0),
                      step="water_on")
    end_pause(number, pause.id, actor, at=local(2026, 10, 9, 9, 30))
    water_on = _timer(number, "water_on")
    # 2.5 working hours paused (Thu 16:00–17:30, Fri 08:30–09:30): due Fri 11:30.
    assert water_on.overdue_at is None and water_on.due_at == local(2026, 10, 9, 11, 30)

    assert run_watcher(local(2026, 10, 9, 11, 29)).overdue == 0
    assert run_watcher(local(2026, 10, 9, 11, 30)).overdue == 2
    keys = sorted(db.session.scalars(select(Notification.dedupe_key)
                                     .where(Notification.department_code == "engineering",
                                            Notification.dedupe_key.like("%:overdue:%"))))
    assert len(keys) == 2  # the engineering step, before and after the move
    assert keys[0] != keys[1]


def test_notifications_are_queued_per_target_in_chinese(app, actor, application_at, frozen):
    reconfigure(app, TRACKER_WEBHOOKS={"engineering": "http://127.0.0.1:9/eng",
                                       "*": "http://127.0.0.1:9/all"})
    reconfigure(app, TRACKER_EMAILS={"engineering": ["eng@example.cn", "lead@example.cn"]})
    number = application_at(local(2026, 10, 8, 9, 0))
    frozen(local(2026, 10, 8, 10, 0))
    _complete_acceptance(number, actor, local(2026, 10, 8, 10, 0))
    run_watcher(local(2026, 10, 9, 11, 0))

    rows = list(db.session.scalars(select(Notification).where(
        Notification.dedupe_key.like("%:overdue:%")).order_by(Notification.id)))
    targets = sorted((r.department_code, r.channel, r.target) for r in rows)
    # water_on is engineering's; the whole application is charged to the first step's
    # department (business_hall), which has no own webhook: "*" applies.
    assert targets == [
        ("business_hall", "webhook", "http://127.0.0.1:9/all"),
        ("engineering", "email", "eng@example.cn"),
        ("engineering", "email", "lead@example.cn"),
        ("engineering", "webhook", "http://127.0.0.1:9/eng"),
    ]
    step_hook = next(r for r in rows if r.target.endswith("/eng"))
    body = step_hook.body
    assert number in body
    assert "开栓通水" in body and "工程部" in body
    assert "2026-10-09 09:00（北京时间）" in body
    # 09:00 → 11:00 on Friday is 2 working hours over.
    assert "已超时：2.0 个工作小时（0.27 个工作日）" in body
    assert step_hook.payload["msgtype"] == "text"
    assert step_hook.payload["text"]["content"] == body
    assert step_hook.payload["tracker"]["over_seconds"] == 7200
    assert step_hook.payload["tracker"]["application"] == number
    whole = next(r for r in rows if r.department_code == "business_hall")
    assert "整体时限" in whole.body


@pytest.mark.parametrize("held", [True, False])
def test_a_run_skips_while_another_holds_the_job_lock(app, actor, application_at, frozen, held,
                                                      backend):
    """The lock is what keeps a second scheduler idle: held → the run does nothing."""
    import sqlalchemy as sa

    from tracker.jobs.locks import ADVISORY_KEYS
    from tracker.models import JobLock

    number = application_at(local(2026, 10, 8, 9, 0))
    other = None
    if held and backend == "postgresql":
        other = db.engine.connect()  # another host, inside its transaction
        assert other.execute(sa.select(sa.func.pg_try_advisory_xact_lock(
            ADVISORY_KEYS["watcher"]))).scalar_one()
    elif held:
        from tracker.models import now_utc

        db.session.add(JobLock(name="watcher", holder="other-host:1",
                               expires_at=now_utc() + timedelta(minutes=5)))
        db.session.commit()
    try:
        result = run_watcher(local(2026, 10, 12, 9, 0))
    finally:
        if other is not None:
            other.rollback()
            other.close()
    assert result.skipped is held
    assert len(_events("sla.overdue")) == (0 if held else 2)  # the whole and "supply_plan"
    whole = _timer(number)
    assert whole.overdue_at == (None if held else whole.due_at)


def test_an_expired_lease_is_taken_over(app, ctx, backend):
    """SQLite: a holder that died leaves a lease that expires; the next run takes it."""
    if backend != "sqlite":
        pytest.skip("leases are the SQLite mechanism")
    from tracker.models import JobLock, now_utc

    db.session.add(JobLock(name="watcher", holder="dead-host:1",
                           expires_at=now_utc() - timedelta(seconds=1)))
    db.session.commit()
    assert run_watcher().skipped is False
    row = db.session.get(JobLock, "watcher")
    db.session.refresh(row)
    assert row.expires_at is None and row.last_run_at is not None  # released after the run


def test_queuing_a_transition_again_adds_nothing(app, actor, application_at, frozen):
    """The outbox's dedupe key: a transition queued twice (say, by a run that crashed after
    queuing and was retried by hand) is one notification per target."""
    from tracker.services import notifications

    reconfigure(app, TRACKER_WEBHOOKS={"*": "http://127.0.0.1:9/all"})
    application_at(local(2026, 10, 8, 9, 0))
    first = run_watcher(local(2026, 10, 9, 10, 0))
    assert first.queued == 4
    now = local(2026, 10, 9, 10, 5)
    notices = notifications.build_notices(first.transitions, now, app_clock())
    assert notifications.queue(notices, now) == 0
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 4


def test_a_warning_says_how_much_time_is_left(app, actor, application_at, frozen):
    from tracker.services import notifications

    application_at(local(2026, 10, 8, 9, 0))
    result = run_watcher(local(2026, 10, 8, 16, 0))  # the "supply_plan" step warned at 15:45
    [warning] = result.transitions
    [notice] = notifications.build_notices([warning], local(2026, 10, 8, 16, 0), app_clock())
    subject, body, payload = notifications.compose(notice)
    assert subject.startswith("预警：211-2026-")
    assert "【用水报装时限预警】" in body and "剩余时间：1.5 个工作小时" in body
    english = notifications.compose(notice, "en")[1]
    assert "Working time left: 1.5 working hours (0.20 working days)" in english
    assert payload["tracker"]["left_seconds"] == 5400


def test_the_promised_date_of_missing_documents_is_a_duty_with_a_reminder(app, actor,
                                                                         application_at):
    """容缺受理 (004): no clock stops; the promised date has its own timer, which the watcher
    warns about on the day and marks overdue after its close, like any duty."""
    from tracker.models import SubjectType

    reconfigure(app, TRACKER_WEBHOOKS={"business_hall": "http://127.0.0.1:9/hall"})
    number = application_at(local(2026, 10, 12, 9, 0), missing_materials=["产权证明"],
                            materials_promised_on=local(2026, 10, 14).date())
    app_row = db.session.scalar(select(Application).where(Application.number == number))
    duty = db.session.scalar(select(SlaTimer).where(
        SlaTimer.subject_type == SubjectType.MATERIALS, SlaTimer.subject_id == app_row.id))
    assert duty.due_at == local(2026, 10, 14, 17, 30)
    assert duty.department_code == "business_hall" and "容缺材料补交" in duty.label
    assert app_row.timer.state.value == "running"  # the whole clock runs on
    run_watcher(local(2026, 10, 14, 16, 0))
    db.session.refresh(duty)
    assert duty.warned_at is not None and duty.overdue_at is None
    run_watcher(local(2026, 10, 15, 9, 0))
    db.session.refresh(duty)
    assert duty.overdue_at == local(2026, 10, 14, 17, 30)
    texts = [n.body for n in db.session.scalars(select(Notification))]
    assert any("容缺材料补交" in text for text in texts)
