"""Migration 0015_perf closes the steps cancelled applications left open, and nothing anybody
reads changes: the dashboard, the lists, My work and the monthly report give the same figures
on a generated month before the fix (rows as the old code left them), after it, and as the
new code records them."""
from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import func, select

from tests.reports.generator import AS_OF


def figures() -> dict[str, Any]:
    """Everything the dashboard, the lists, My work and the report say (flows' definitions
    and instants of computation left out)."""
    from tracker.extensions import db
    from tracker.models import Application
    from tracker.reports.monthly import compute_monthly_report
    from tracker.services.app_clock import app_clock
    from tracker.services.dashboard import build_dashboard
    from tracker.services.months import Month
    from tracker.services.queries import ApplicationFilter, list_applications
    from tracker.services.reference import departments
    from tracker.services.work import my_work

    board = build_dashboard(AS_OF, app_clock())
    result: dict[str, Any] = {"dashboard": {f.name: getattr(board, f.name)
                                            for f in fields(board) if f.name != "flows"}}
    filters = {"all": ApplicationFilter(), "open": ApplicationFilter(status="open"),
               "cancelled": ApplicationFilter(status="cancelled"),
               "overdue": ApplicationFilter(overdue=True)}
    filters |= {f"dept:{code}": ApplicationFilter(department=code) for code in departments()}
    filters |= {f"step:{step}": ApplicationFilter(step=step)
                for step in ("supply_plan", "water_on", "archive", "survey")}
    for name, f in filters.items():
        items, total = list_applications(f, AS_OF, 1, 500)
        result[f"list:{name}"] = (total, [a.number for a in items])
    for code in [None, *departments()]:
        work = my_work(code, 1, 500)
        result[f"work:{code}"] = (work["total"], [(d.number, d.title) for d in work["items"]])
    report = compute_monthly_report(Month(2026, 10), AS_OF)
    report.pop("as_of")
    result["report"] = report
    result["cancelled"] = db.session.scalar(
        select(func.count()).where(Application.status == "cancelled"))
    return result


def cancelled_in_open_index() -> int:
    from tracker.extensions import db
    from tracker.models import Application, StepRecord
    from tracker.models.applications import OPEN_STEP

    return db.session.scalar(
        select(func.count()).select_from(StepRecord)
        .join(Application, Application.id == StepRecord.application_id)
        .where(OPEN_STEP, Application.status == "cancelled"))


def test_closing_old_cancelled_steps_changes_no_figure(app, october):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import update

    from tracker.extensions import db
    from tracker.models import StepRecord

    with app.test_request_context():  # My work builds the links of its duties
        recorded = figures()
        assert recorded["cancelled"] >= 3
        assert cancelled_in_open_index() == 0
        db.session.remove()
        try:
            downgrade(revision="0015_perf-1")  # the rows as the code before 0015_perf left them …
            db.session.remove()
            assert cancelled_in_open_index() > 0
            # Read with the columns every revision has: later migrations add columns the
            # models read, so nothing else is asked of the old schema.
            old_rows = db.session.execute(select(StepRecord.id, StepRecord.status)).all()
            db.session.remove()
        finally:
            upgrade()  # … and the upgrade a utility runs (also when the test fails: the
            db.session.remove()  # database is the worker's for the tests after this one)
        assert cancelled_in_open_index() == 0
        after = figures()
        db.session.remove()
        # The rows as the old code left them, under today's schema: the figures do not
        # depend on whether a cancelled application's steps were closed.
        now_closed = dict(db.session.execute(select(StepRecord.id, StepRecord.status)).all())
        for row_id, status in old_rows:
            if now_closed[row_id] == status:
                continue
            db.session.execute(update(StepRecord).where(StepRecord.id == row_id)
                               .values(status=status)
                               .execution_options(synchronize_session=False))
        db.session.commit()
        assert cancelled_in_open_index() > 0
        before = figures()
        db.session.remove()
    assert before == recorded
    assert after == recorded
