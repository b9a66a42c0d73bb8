"""My work's statements (services.work._ordered_timers, _waiting_steps) give what the old
formulation gave: "mine" read as the OR of its two halves over every open timer joined to
its application (`work._mine`), a department's timers with every row joined before the page
was cut. Generated data: three owners, assignees of several departments, timers running,
paused, overdue and without a deadline, open timers on completed applications, steps waiting
to be started; every person, department and `due` filter, pages that cross from one half to
the other and from the timers to the waiting steps."""
from __future__ import annotations

import itertools
import random
from datetime import timedelta

import sqlalchemy as sa
from flask import url_for

from tests.fixtures.app import local

DEPARTMENTS = ("connection_team", "engineering", "customer_service")


def _old_timer_ids(department, person, due, moment):
    """The timers' ids in page order as the old statement gave them."""
    from tracker.extensions import db
    from tracker.models import Application, SlaTimer, SubjectType, TimerState
    from tracker.services import work

    where = [work.OPEN_TIMER, SlaTimer.subject_type != SubjectType.APPLICATION]
    if department and person is None:
        where.append(SlaTimer.department_code == department)
    if due in work.DUE_FILTERS:
        where.append(work.due_predicate(due, moment))
    if person is not None:
        where.append(work._mine(person))
    overdue_first = sa.case((((SlaTimer.state == TimerState.RUNNING)
                              & (SlaTimer.due_at <= moment)), 0), else_=1)
    no_deadline_last = sa.case((SlaTimer.due_at.is_(None), 1), else_=0)
    query = (sa.select(SlaTimer.id).select_from(SlaTimer)
             .outerjoin(Application, Application.id == SlaTimer.application_id)
             .where(*where)
             .order_by(overdue_first, no_deadline_last, SlaTimer.due_at.asc(),
                       SlaTimer.id.asc()))
    return list(db.session.scalars(query))


def _old_waiting(department, person, due):
    """The waiting steps (application number, step code) in page order, as before."""
    from tracker.extensions import db
    from tracker.models import Application, AppStatus, StepRecord
    from tracker.models.applications import OPEN_STEP
    from tracker.services import work

    if due in work.DUE_FILTERS:
        return []
    where = [OPEN_STEP, StepRecord.timer_id.is_(None), Application.status != AppStatus.CANCELLED]
    if department and person is None:
        where.append(work.waits_for(department))
    if person is not None:
        where.append(Application.owner_id == person)
    query = (sa.select(Application.number, StepRecord.code).select_from(StepRecord)
             .join(Application, Application.id == StepRecord.application_id).where(*where)
             .order_by(Application.accepted_at.asc(), StepRecord.id.asc()))
    return [tuple(row) for row in db.session.execute(query)]


def _scramble(app, people, moment):
    """Spread the open timers over departments, assignees, states and deadlines; leave some
    steps waiting with no clock; complete some applications with their timers open."""
    from tracker.extensions import db
    from tracker.models import Application, SlaTimer, StepRecord

    chance = random.Random(15)
    with app.app_context():
        timers = db.session.scalars(sa.select(SlaTimer).where(
            SlaTimer.state.in_(("running", "paused")))).all()
        for timer in timers:
            if timer.subject_type.value != "application":
                timer.department_code = chance.choice(DEPARTMENTS)
                timer.assignee_id = chance.choice([None, None, *people])
            timer.state = chance.choice(["running", "running", "paused"])
            timer.due_at = chance.choice([None, moment - timedelta(hours=chance.randint(1, 90)),
                                          moment - timedelta(hours=chance.randint(1, 9)),
                                          moment + timedelta(hours=chance.randint(1, 90)),
                                          moment + timedelta(minutes=30)])
        records = db.session.scalars(sa.select(StepRecord).where(
            StepRecord.status.in_(("ready", "started")))).all()
        for record in records:
            if chance.random() > 0.4:
                continue
            record.timer_id = None
            record.status = "ready"
            record.department_code = chance.choice(DEPARTMENTS)
        applications = db.session.scalars(sa.select(Application).order_by(Application.id)).all()
        for application in applications[::4]:
            application.status = "completed"  # its open timers stay open (callbacks do)
        for application in applications[1::5]:
            application.owner_id = None
        db.session.commit()
        db.session.remove()


def test_mine_and_departments_give_the_old_answers(app, make_user, new_application, frozen):
    from tracker.extensions import db
    from tracker.services import work

    moment = local(2026, 10, 14, 10, 0)
    frozen(local(2026, 10, 12, 9, 0))
    people = [make_user("clerk", f"own{i}", department=DEPARTMENTS[i])[0] for i in range(3)]
    for i in range(36):
        new_application(("201", "211")[i % 2], by=f"own{i % 3}")
    frozen(moment)
    _scramble(app, people, moment)
    with app.test_request_context("/work"):
        shapes = itertools.product([None, *DEPARTMENTS], [None, *people, 0],
                                   [None, "today", "overdue"])
        checked = 0
        for department, person, due in shapes:
            if department is not None and person is not None:
                continue
            timer_ids = _old_timer_ids(department, person, due, moment)
            waiting = _old_waiting(department, person, due)
            for per_page in (4, 50):
                first = work.my_work(department, 1, per_page, person=person, due=due)
                assert first["total"] == len(timer_ids) + len(waiting), (department, person, due)
                seen = list(first["items"])
                for page in range(2, first["pages"] + 1):
                    seen += work.my_work(department, page, per_page, person=person,
                                         due=due)["items"]
                assert [d.duty_id for d in seen if d.duty_id] == timer_ids
                assert [(d.number, d.url) for d in seen if not d.duty_id] == [
                    (number, url_for("application_pages.detail", number=number,
                                     _anchor=f"step-{code}")) for number, code in waiting]
                checked += bool(timer_ids) and bool(waiting)
            db.session.remove()
        assert checked >= 4  # pages crossed from the timers to the waiting steps
        # Both halves of "mine" and both kinds of application were there.
        assert any(work.my_work(None, 1, 50, person=p)["total"] > 8 for p in people)


def test_a_duty_tel_is_the_old_one():
    from tracker.services.work import Duty

    def old(phone):
        return "".join(ch for ch in phone.split("转")[0] if ch.isdigit() or ch == "+")

    for phone in ("139 0553 0000", "+86 139-0553-0000", "0553-5841234转89", "(0553) 584 1234",
                  "１３９０５５３００００", "95598", "0553²12", "", "转12", "400-800-1234 ext"):
        assert Duty(kind="step", title="", next_action="", url="", phone=phone).tel == old(phone)
