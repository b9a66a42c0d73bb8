"""A month of work for report tests, made through the services with time frozen at each action.

Every application of flow 211 is accepted during office hours on a working day (registering
it is the acceptance); its supply plan is done first (on time, or the next morning: late), then
the clock may be paused (recorded on the water-on step, stopping it and the whole clock), then
the water goes on (on time or late) and the file is archived a minute later, or the
application is cancelled (before or after its deadline), or it stays open. The generator records what it did; the tests compute
what the report must say from these records with the working clock alone.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tests.fixtures.app import LOCAL, local
from tracker.sla import default_clock

CLOCK = default_clock()
DAY = CLOCK.working_day_length  # 7.5 h
AS_OF = local(2026, 11, 5, 12, 0)  # when the tests look at October
# Reasons 211 offers that stop the step they are recorded on and the whole clock.
REASONS = ("missing_documents", "customer_deferral")


@dataclass
class Record:
    """One application as generated: every instant the tests need."""

    key: str
    flow: str
    accepted: datetime
    accept_done: datetime | None = None
    supply_done: datetime | None = None
    pauses: list[tuple[datetime, datetime, str]] = field(default_factory=list)
    water_on: datetime | None = None
    archived: datetime | None = None
    cancelled: datetime | None = None
    callback: tuple[datetime, bool] | None = None  # (done at, satisfied)
    assigned_to: str | None = None  # the department a "not satisfied" callback is assigned to
    number: str = ""
    # 201 only: every step done on time, at these instants
    steps_201: dict[str, datetime] = field(default_factory=dict)

    @property
    def intervals(self) -> list[tuple[datetime, datetime]]:
        return [(start, end) for start, end, _reason in self.pauses]

    @property
    def whole_due(self) -> datetime:
        """211 and 201 (no external works): 1 working day from acceptance, pauses pushing it."""
        return CLOCK.add_working_time(self.accepted, DAY, self.intervals)

    @property
    def same_day_due(self) -> datetime:
        """The acceptance steps: by the close of the acceptance day (accepted in office hours)."""
        return CLOCK.close_of_day(self.accepted.astimezone(LOCAL).date())


@dataclass
class Action:
    at: datetime
    order: int
    run: Callable[[], Any]


def _working_days(start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if CLOCK.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def plan_211(rng: random.Random, count: int, first: date = date(2026, 9, 28),
             last: date = date(2026, 10, 30), prefix: str = "211") -> list[Record]:
    """`count` 211 applications accepted on working days from `first` to `last` (by default
    28 Sep to 30 Oct 2026) with varied fates; keys start with `prefix`."""
    days = _working_days(first, last)
    records = []
    for i in range(count):
        day = rng.choice(days)
        accepted = local(day.year, day.month, day.day, rng.choice([9, 10, 11, 14, 15, 16]),
                         rng.choice([0, 10, 20, 30]))
        rec = Record(key=f"{prefix}-{i}", flow="211", accepted=accepted)
        late_acceptance = rng.random() < 0.2
        if late_acceptance:  # the supply plan the next working morning: late
            next_day = CLOCK.working_day_after(day)
            rec.accept_done = local(next_day.year, next_day.month, next_day.day, 8, 45)
            rec.supply_done = rec.accept_done + timedelta(minutes=5)
        else:
            rec.accept_done = accepted + timedelta(minutes=10)
            rec.supply_done = accepted + timedelta(minutes=15 + rng.choice([0, 5, 10]))
        fate = rng.choices(["on_time", "late", "paused", "cancel_early", "cancel_late", "open"],
                           weights=[30, 20, 15, 8, 10, 8])[0]
        last = rec.supply_done
        if fate == "paused" or (fate in ("late", "on_time") and rng.random() < 0.25):
            start = last + timedelta(minutes=10)
            end = CLOCK.add_working_time(start, timedelta(hours=rng.choice([2, 5, 9])))
            rec.pauses.append((start, end, rng.choice(REASONS)))
            last = end
        due = rec.whole_due
        if fate == "cancel_early":
            rec.cancelled = last + timedelta(minutes=5)
            if rec.cancelled >= due:  # the acceptance ran late: cancel after, then
                rec.cancelled = due + timedelta(minutes=1)
        elif fate == "cancel_late":
            rec.cancelled = CLOCK.add_working_time(due, timedelta(hours=rng.choice([1, 4, 8])))
        elif fate == "open":
            pass
        elif fate == "late" or last >= due:
            rec.water_on = CLOCK.add_working_time(max(due, last),
                                                  timedelta(minutes=rng.choice([30, 90, 300, 600])))
        else:
            window = int((due - last).total_seconds() // 60)
            rec.water_on = last + timedelta(minutes=rng.randint(1, max(1, window - 1)))
            if rec.water_on >= due:
                rec.water_on = due - timedelta(minutes=1)
        if rec.water_on is not None:
            rec.archived = rec.water_on + timedelta(minutes=1)
        if rec.water_on is not None and rng.random() < 0.8:
            done = CLOCK.add_working_time(rec.water_on, timedelta(hours=rng.choice([1, 3, 7])))
            rec.callback = (done, rng.random() > 0.25)
        records.append(rec)
    return records


def plan_201() -> list[Record]:
    """Two 201 applications done on time step by step, and one cancelled at once."""
    records = []
    for key, day in (("201-a", 12), ("201-b", 21)):
        accepted = local(2026, 10, day, 9, 0)
        rec = Record(key=key, flow="201", accepted=accepted)
        rec.steps_201 = {  # 申请受理 is the registration itself
            "survey": accepted + timedelta(minutes=20),
            "municipal_approval": accepted + timedelta(minutes=25),  # skipped
            "meter_install:start": accepted + timedelta(minutes=30),
            "meter_stock_entry:start": accepted + timedelta(minutes=35),
            "meter_stock_entry": accepted + timedelta(minutes=60),
            "meter_install": accepted + timedelta(minutes=90),
            "system_entry": accepted + timedelta(minutes=120),
            "archive": accepted + timedelta(minutes=150),
        }
        rec.water_on = rec.steps_201["meter_install"]
        records.append(rec)
    cancelled = Record(key="201-c", flow="201", accepted=local(2026, 10, 13, 10, 0))
    cancelled.cancelled = cancelled.accepted + timedelta(minutes=30)
    records.append(cancelled)
    return records


def surveys(completed: list[Record]) -> list[tuple[str, str | None, datetime, bool]]:
    """Government third-party survey rows: two not satisfied in October, one satisfied, one
    not satisfied in September (not counted)."""
    return [("G1", completed[3].key, local(2026, 10, 23, 10, 0), False),
            ("G2", completed[4].key, local(2026, 10, 23, 11, 0), True),
            ("G3", completed[5].key, local(2026, 10, 26, 10, 0), False),
            ("G4", completed[6].key, local(2026, 9, 29, 10, 0), False)]


EVALUATIONS_AT = local(2026, 10, 31, 18, 0)  # imported then; evaluated earlier in October
PROBLEM_AT = local(2026, 10, 12, 10, 0)  # a problem nobody verifies: overdue 3 working days on


def run(records: list[Record], actor, move_to: Callable[[datetime], None],
        evaluations: list[tuple[str, str | None, datetime, bool]],
        surveys: list[tuple[str, str | None, datetime, bool]] = ()) -> None:
    """Play every action in time order through the services (time frozen at each); `surveys`
    are government third-party survey rows, imported with the evaluations."""
    from tracker.aftercare.commands import assign_callback, record_callback_result
    from tracker.aftercare.importer import import_evaluations
    from tracker.aftercare.models import Callback
    from tracker.extensions import db
    from tracker.models import Application, Role, User
    from tracker.problems.commands import NewProblem, create_problem, issue
    from tracker.services import applications as svc

    actions: list[Action] = []
    n = 0

    def add(at: datetime, fn: Callable[[], Any]) -> None:
        nonlocal n
        n += 1
        actions.append(Action(at, n, fn))

    for rec in records:
        def create(rec=rec):
            rec.number = svc.create_application(
                svc.NewApplication(flow=rec.flow, customer_name=f"客户{rec.key}"), actor).number
        add(rec.accepted, create)
        if rec.flow == "201":
            for code, at in rec.steps_201.items():
                if code == "municipal_approval":
                    add(at, lambda rec=rec: svc.skip_step(rec.number, "municipal_approval",
                                                          actor, note="无需占道"))
                elif code.endswith(":start"):
                    add(at, lambda rec=rec, code=code: svc.start_step(
                        rec.number, code.split(":")[0], actor))
                else:
                    add(at, lambda rec=rec, code=code: svc.complete_step(rec.number, code, actor))
        else:
            add(rec.supply_done,
                lambda rec=rec: svc.complete_step(rec.number, "supply_plan", actor))
            for start, end, reason in rec.pauses:
                holder: dict[str, int] = {}

                def pause(rec=rec, reason=reason, holder=holder):
                    holder["id"] = svc.add_pause(rec.number, reason, actor, step="water_on").id

                add(start, pause)
                add(end, lambda rec=rec, holder=holder: svc.end_pause(rec.number, holder["id"],
                                                                      actor))
            if rec.water_on is not None:
                add(rec.water_on, lambda rec=rec: svc.complete_step(rec.number, "water_on", actor))
            if rec.archived is not None:
                add(rec.archived, lambda rec=rec: svc.complete_step(rec.number, "archive", actor))
        if rec.cancelled is not None:
            add(rec.cancelled, lambda rec=rec: svc.cancel_application(rec.number, "客户撤回",
                                                                       actor))
        if rec.callback is not None:
            def callback(rec=rec):
                app_id = db.session.scalar(db.select(Application.id)
                                           .where(Application.number == rec.number))
                callback_id = db.session.scalar(db.select(Callback.id)
                                                .where(Callback.application_id == app_id))
                record_callback_result(callback_id, actor, reached=True,
                                       satisfied=rec.callback[1],
                                       comment="" if rec.callback[1] else "施工后路面未恢复")
                if rec.assigned_to:  # customer service assigns it at once (责成相关部门处理)
                    assign_callback(callback_id, actor, department=rec.assigned_to)
            add(rec.callback[0], callback)

    def import_all():
        by_key = {r.key: r.number for r in records}
        for rows, source in ((evaluations, "haochaping"), (surveys, "government_survey")):
            if not rows:
                continue
            lines = ["评价编号,申请编号,评价时间,评价结果"]
            for external_id, key, at, satisfied in rows:
                lines.append(f"{external_id},{by_key[key] if key else ''},"
                             f"{at.astimezone(LOCAL):%Y-%m-%d %H:%M},"
                             f"{'满意' if satisfied else '不满意'}")
            report = import_evaluations("\n".join(lines) + "\n", actor, source=source)
            assert report.imported == len(rows), report.errors

    add(EVALUATIONS_AT, import_all)
    def problem_issued() -> None:
        """Registered and issued (下达) at once: its verification runs from PROBLEM_AT."""
        problem = create_problem(NewProblem(source="officer", description="水表箱破损",
                                            department="meter_station"), actor)
        office = db.session.scalar(sa.select(User).where(User.username == "october-office"))
        if office is None:
            office = User(username="october-office", role=Role.ASSESSOR, display_name="考核办")
            db.session.add(office)
            db.session.commit()
        issue(problem.number, office)

    add(PROBLEM_AT, problem_issued)
    for action in sorted(actions, key=lambda a: (a.at, a.order)):
        move_to(action.at)
        action.run()
        db.session.expire_all()
