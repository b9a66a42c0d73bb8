"""Cancelling an application closes its unfinished steps (issue 15): they leave the open-steps
partial index, and the cancellation's event names them."""
from __future__ import annotations

from sqlalchemy import select

from tests.fixtures.app import local


def open_index_rows() -> list[tuple[str, str]]:
    """(application status, step code) of every row the open-steps index holds: its predicate."""
    from tracker.extensions import db
    from tracker.models import Application, StepRecord
    from tracker.models.applications import OPEN_STEP

    return [(status.value, code) for status, code in db.session.execute(
        select(Application.status, StepRecord.code)
        .join(Application, Application.id == StepRecord.application_id).where(OPEN_STEP))]


def test_cancelling_an_application_closes_its_steps(app, actor, application_at):
    from tracker.extensions import db
    from tracker.models import Application, Event, StepStatus
    from tracker.services.applications import cancel_application, start_step

    kept = application_at(local(2026, 10, 12, 9, 0), flow="201")
    gone = application_at(local(2026, 10, 12, 9, 30), flow="201")
    started = next(s.code for s in db.session.scalar(
        select(Application).where(Application.number == gone)).steps
        if s.status is StepStatus.READY)
    start_step(gone, started, actor)
    before = {code for status, code in open_index_rows()}
    assert started in before

    cancel_application(gone, "客户撤回申请", actor)
    db.session.expire_all()
    row = db.session.scalar(select(Application).where(Application.number == gone))
    statuses = {s.code: s.status for s in row.steps}
    assert StepStatus.READY not in statuses.values()
    assert StepStatus.STARTED not in statuses.values()
    assert StepStatus.WAITING not in statuses.values()
    assert statuses[started] is StepStatus.CANCELLED
    assert statuses["accept"] is StepStatus.DONE  # what was done stays done
    closed = sorted(code for code, status in statuses.items() if status is StepStatus.CANCELLED)
    event = db.session.scalar(select(Event).where(Event.action == "application.cancelled"))
    assert sorted(event.data["closed_steps"]) == closed

    # The open-steps index holds only the steps of applications still in progress.
    rows = open_index_rows()
    assert rows and {status for status, _code in rows} == {"open"}
    other = db.session.scalar(select(Application).where(Application.number == kept))
    assert len(rows) == sum(1 for s in other.steps
                            if s.status in (StepStatus.READY, StepStatus.STARTED))


def test_the_page_and_api_show_a_cancelled_step_as_cancelled(app, actor, application_at):
    from tracker.extensions import db
    from tracker.models import Application
    from tracker.services.app_clock import app_clock, now
    from tracker.services.applications import cancel_application
    from tracker.services.presenters import present_step

    number = application_at(local(2026, 10, 12, 9, 0), flow="201")
    cancel_application(number, "客户撤回申请", actor)
    row = db.session.scalar(select(Application).where(Application.number == number))
    shown = {s.code: present_step(row, s, now(), app_clock(), "zh") for s in row.steps}
    assert shown["accept"]["status"] == "done"
    assert {v["sla"]["state"] for k, v in shown.items() if k != "accept"} == {"cancelled"}
