"""补录 (issue 11): a back-dated completion never erases a lateness the watcher recorded; it
is marked on the step, in the event log, in the API and in the report, and yields an item
the assessor confirms or waives."""
from __future__ import annotations

import pytest

from tests.fixtures.app import local
from tracker.extensions import db
from tracker.jobs.watcher import run_watcher
from tracker.models import Application, Event, StepRecord
from tracker.reports import compute_monthly_report, parse_month
from tracker.services.app_clock import app_clock
from tracker.services.applications import complete_step
from tracker.services.presenters import present_application

AS_OF = local(2026, 11, 5, 12, 0)


def _step(number: str, code: str) -> StepRecord:
    return db.session.scalar(db.select(StepRecord).join(Application)
                             .where(Application.number == number, StepRecord.code == code))


def test_a_back_dated_completion_keeps_the_recorded_lateness_in_the_report(
        app, ctx, actor, application_at, frozen):
    # Accepted Monday 12 October 2026 09:00: the supply plan (营业厅) is due by the close of
    # that day. The watcher records it overdue on Tuesday morning; at 09:30 a clerk enters
    # the completion as done on Monday 16:00.
    number = application_at(local(2026, 10, 12, 9, 0))
    frozen(local(2026, 10, 13, 9, 0))
    run_watcher()
    step = _step(number, "supply_plan")
    assert step.timer.overdue_at is not None
    frozen(local(2026, 10, 13, 9, 30))
    complete_step(number, "supply_plan", actor, at=local(2026, 10, 12, 16, 0))
    db.session.expire_all()
    step = _step(number, "supply_plan")
    assert step.backdated is True and step.timer.late is False

    event = db.session.scalar(db.select(Event).where(Event.action == "step.completed")
                              .order_by(Event.id.desc()))
    assert event.data["backdated"] is True
    assert event.data["entered_at"].startswith("2026-10-13T01:30")  # 09:30 Beijing, in UTC

    frozen(AS_OF)
    data = compute_monthly_report(parse_month("2026-10"), as_of=AS_OF)
    [row] = [o for o in data["overdue"] if o["number"] == number and o["step"] == "supply_plan"]
    assert row["recorded_late"] is True and row["backdated"] is True and row["state"] == "done"
    [charge] = [i for i in data["points"]["items"]
                if i["subject"]["number"] == number and i["rule"] == "step_overdue"
                and i["department"] == "business_hall"]
    assert charge["backdated"] is True
    assert "补录" in charge["why_zh"] and "back-dated" in charge["why_en"]

    view = present_application(db.session.scalar(
        db.select(Application).where(Application.number == number)), AS_OF, app_clock(), "zh")
    [shown] = [s for s in view["steps"] if s["code"] == "supply_plan"]
    assert shown["backdated"] is True


@pytest.mark.parametrize(("entered", "backdated"), [
    (local(2026, 10, 12, 10, 20), False),  # 20 minutes after: within the 30-minute margin
    (local(2026, 10, 12, 11, 0), True),  # an hour after: 补录
])
def test_a_completion_entered_long_after_is_marked_back_dated(
        app, ctx, actor, application_at, frozen, entered, backdated):
    number = application_at(local(2026, 10, 12, 9, 0))
    frozen(entered)
    complete_step(number, "supply_plan", actor, at=local(2026, 10, 12, 10, 0))
    db.session.expire_all()
    step = _step(number, "supply_plan")
    assert step.backdated is backdated
    assert step.timer.late is False
    frozen(AS_OF)
    data = compute_monthly_report(parse_month("2026-10"), as_of=AS_OF)
    # on time and never recorded late: not in the overdue list, charged to nobody
    assert not [o for o in data["overdue"] if o["number"] == number and o["step"] == "supply_plan"]


def test_the_application_list_marks_an_application_with_a_back_dated_step(
        app, actor, application_at, frozen, client, web_login):
    """补录 shows in lists too: the list marks the application whose step was entered after the
    fact, and not the one whose step was entered as it happened."""
    from flask_babel import refresh

    from tests.fixtures.web import rows_of

    late = application_at(local(2026, 10, 12, 9, 0))
    live = application_at(local(2026, 10, 12, 9, 30))
    frozen(local(2026, 10, 13, 9, 30))
    complete_step(late, "supply_plan", actor, at=local(2026, 10, 12, 16, 0))
    complete_step(live, "supply_plan", actor)
    web_login("clerk", "lister")
    for lang, word in (("zh", "补录"), ("en", "Back-dated")):
        refresh()  # the test's own app context would keep the first request's language
        page = client.get(f"/applications?lang={lang}").get_data(as_text=True)
        rows = {number: row for row in rows_of(page) for number in (late, live)
                if f">{number}</a>" in row}
        assert word in rows[late], (lang, late, rows[late])
        assert word not in rows[live], (lang, live, rows[live])
