"""Escalation in levels (issue 13): 黄牌, 红牌, 督办 each fire once per duty, at their thresholds
on the working clock, to the recipients the configuration names; the 督办单 and its answer;
a user who opted out of a level gets no message for it; robot messages @-mention by mobile."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.escalation.helpers import issued_problem
from tests.fixtures.app import local
from tracker.escalation import commands as escalation
from tracker.escalation import recipients
from tracker.escalation.jobs import run_escalation
from tracker.escalation.models import EscalationMark, SupervisionNotice
from tracker.escalation.presenters import state_of
from tracker.extensions import db
from tracker.models import Event, Notification, Role, SlaTimer, SubjectType, User
from tracker.settings import reconfigure

ROBOT = "http://127.0.0.1:9/engineering-robot"
LEVELS = {
    # Per duty: the problem library's verification (a 5-working-day limit here).
    "problem": [
        {"level": "yellow", "share": 0.6, "notify": ["team_lead"]},
        {"level": "red", "notify": ["team_lead", "department_head"]},
        {"level": "supervision", "over_hours": 4, "notify": ["department_head", "inspection"]},
    ],
    "*": [],
}


def _user(username: str, role: str, department: str, phone: str = "", email: str = "") -> User:
    from tracker.models import Department

    dept = db.session.scalar(select(Department).where(Department.code == department))
    user = User(username=username, display_name=username, role=Role(role), department=dept,
                phone=phone, email=email)
    user.set_password("correct-horse-9")
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def people(app, ctx):
    reconfigure(app, TRACKER_ESCALATION_LEVELS=LEVELS, TRACKER_PROBLEM_VERIFY_DAYS=5.0,
                TRACKER_WEBHOOKS={"engineering": ROBOT},
                TRACKER_DEPARTMENT_HEADS={"engineering": "eng-head"})
    return {
        "lead": _user("eng-lead", "team_lead", "engineering", "138 0000 1111", "lead@example.cn"),
        "head": _user("eng-head", "engineer", "engineering", "+86 139 0000 2222",
                      "head@example.cn"),
        "inspector": _user("inspector", "clerk", "inspection_office", "", "duban@example.cn"),
        "clerk": _user("eng-clerk", "engineer", "engineering", "13700003333", "c@example.cn"),
    }


def _problem(actor: User, frozen, reported_at: datetime) -> SlaTimer:
    frozen(reported_at)
    problem = issued_problem(actor)
    return db.session.get(SlaTimer, problem.timer_id)


def _marks(level: str | None = None) -> list[EscalationMark]:
    query = select(EscalationMark).order_by(EscalationMark.id)
    if level:
        query = query.where(EscalationMark.level == level)
    return list(db.session.scalars(query))


def _outbox(level: str) -> list[Notification]:
    """The outbox rows of one level (keys "esc:<timer>:<level>:<channel>:<target>")."""
    return [n for n in db.session.scalars(select(Notification).order_by(Notification.id))
            if n.dedupe_key.startswith("esc:") and n.dedupe_key.split(":")[2] == level]


def _targets(level: str) -> set[tuple[str, str]]:
    return {(n.channel, n.target) for n in _outbox(level)}


def test_each_level_fires_once_at_its_working_time_threshold(app, people, frozen):
    """A 5-working-day verification started Wed 30 Sep 2026 09:00: 30 Sep has 7 h left,
    1–7 Oct are the National Day holidays, Sat 10 Oct is a make-up working day. 60 % (22.5 h)
    → Sat 10 Oct 09:00; the deadline (37.5 h) → Tue 13 Oct 09:00; 4 working hours past it
    → Tue 13 Oct 14:30 (3 h to noon, 1 h after 13:30)."""
    timer = _problem(people["clerk"], frozen, local(2026, 9, 30, 9, 0))
    assert timer.due_at == local(2026, 10, 13, 9, 0)

    assert run_escalation(local(2026, 10, 10, 8, 59)).fired == \
        {"yellow": 0, "red": 0, "supervision": 0}
    fired = run_escalation(local(2026, 10, 10, 9, 0))
    assert fired.fired == {"yellow": 1, "red": 0, "supervision": 0}
    assert [(m.level, m.reached_at) for m in _marks()] == [("yellow", local(2026, 10, 10, 9, 0))]
    # yellow → the team lead only: e-mail, and the department robot @-mentioning the mobile.
    assert _targets("yellow") == {("webhook", ROBOT), ("email", "lead@example.cn")}
    robot = next(n for n in _outbox("yellow") if n.channel == "webhook")
    assert robot.payload["text"]["mentioned_mobile_list"] == ["13800001111"]  # WeCom
    assert robot.payload["at"] == {"atMobiles": ["13800001111"], "isAtAll": False}  # DingTalk
    assert "@13800001111" in robot.payload["text"]["content"]
    assert "黄牌预警" in robot.payload["text"]["content"]

    # Again at the same minute, and later before the deadline: nothing more.
    for minute in (local(2026, 10, 10, 9, 0), local(2026, 10, 13, 8, 59)):
        assert sum(run_escalation(minute).fired.values()) == 0

    assert run_escalation(local(2026, 10, 13, 9, 0)).fired["red"] == 1
    assert _targets("red") == {("webhook", ROBOT), ("email", "lead@example.cn"),
                               ("email", "head@example.cn")}
    red_robot = next(n for n in _outbox("red") if n.channel == "webhook")
    assert red_robot.payload["text"]["mentioned_mobile_list"] == ["13800001111", "13900002222"]

    assert sum(run_escalation(local(2026, 10, 13, 14, 29)).fired.values()) == 0
    last = run_escalation(local(2026, 10, 13, 14, 30))
    assert last.fired["supervision"] == 1 and last.notices == 1
    assert _targets("supervision") == {("webhook", ROBOT), ("email", "head@example.cn"),
                                       ("email", "duban@example.cn")}
    for minute in (local(2026, 10, 13, 14, 30), local(2026, 10, 20, 9, 0)):
        assert sum(run_escalation(minute).fired.values()) == 0

    assert [(m.level, m.reached_at) for m in _marks()] == [
        ("yellow", local(2026, 10, 10, 9, 0)), ("red", local(2026, 10, 13, 9, 0)),
        ("supervision", local(2026, 10, 13, 14, 30))]
    actions = [e.action for e in db.session.scalars(
        select(Event).where(Event.action.like("escalation.%")).order_by(Event.id))]
    assert actions == ["escalation.yellow", "escalation.red", "escalation.supervision"]
    assert db.session.scalar(select(func.count()).select_from(SupervisionNotice)) == 1


def test_a_supervision_notice_answered_late_is_overdue(app, people, frozen):
    """督办 reached Tue 13 Oct 14:30; 2 working days to answer: 3 h that day, 7.5 h Wed, 4.5 h
    Thu (08:30–12:00, 13:30–14:30) → Thu 15 Oct 14:30. Answered at 15:00: late."""
    _problem(people["clerk"], frozen, local(2026, 9, 30, 9, 0))
    run_escalation(local(2026, 10, 13, 14, 30))
    notice = db.session.scalar(select(SupervisionNotice))
    assert notice.issued_at == local(2026, 10, 13, 14, 30)
    assert notice.timer.due_at == local(2026, 10, 15, 14, 30)
    assert notice.timer.subject_type == SubjectType.SUPERVISION
    assert notice.department_code == "engineering"
    assert state_of(notice, local(2026, 10, 15, 14, 30)) == "open"
    assert state_of(notice, local(2026, 10, 15, 14, 31)) == "overdue"  # unanswered, past due

    frozen(local(2026, 10, 15, 15, 0))
    escalation.answer_notice(notice.number, people["clerk"], "原因：人手不足；措施：增派一人。",
                             expected_version=notice.version_id)
    db.session.expire_all()
    notice = db.session.get(SupervisionNotice, notice.id)
    assert (notice.status, notice.late) == ("answered", True)
    assert state_of(notice, local(2026, 10, 16, 9, 0)) == "answered_late"
    assert notice.timer.late and notice.answered_at == local(2026, 10, 15, 15, 0)
    assert notice.answered_by_id == people["clerk"].id
    answered = db.session.scalar(select(Event).where(Event.action == "supervision.answered"))
    assert answered.actor_id == people["clerk"].id and answered.data["late"] is True


def test_a_supervision_notice_answered_in_time_is_not_overdue(app, people, frozen):
    from tracker.services.errors import Conflict, ValidationFailed

    _problem(people["clerk"], frozen, local(2026, 9, 30, 9, 0))
    run_escalation(local(2026, 10, 13, 14, 30))
    notice = db.session.scalar(select(SupervisionNotice))
    frozen(local(2026, 10, 15, 14, 0))
    with pytest.raises(ValidationFailed):
        escalation.answer_notice(notice.number, people["clerk"], "   ")
    with pytest.raises(Conflict):
        escalation.answer_notice(notice.number, people["clerk"], "已整改",
                                 expected_version=notice.version_id + 5)
    escalation.answer_notice(notice.number, people["clerk"], "已整改",
                             expected_version=notice.version_id)
    notice = db.session.get(SupervisionNotice, notice.id)
    assert (notice.status, notice.late, state_of(notice, local(2026, 10, 20, 9, 0))) == \
        ("answered", False, "answered")
    with pytest.raises(Conflict):  # answered once; the record stays as it was
        escalation.answer_notice(notice.number, people["head"], "再答一次")
    assert notice.answer == "已整改"


def test_a_supervision_notice_shows_in_the_departments_my_work(app, people, frozen):
    from tracker.services.work import my_work

    _problem(people["clerk"], frozen, local(2026, 9, 30, 9, 0))
    run_escalation(local(2026, 10, 13, 14, 30))
    notice = db.session.scalar(select(SupervisionNotice))
    frozen(local(2026, 10, 14, 9, 0))
    with app.test_request_context("/work"):
        mine = [d for d in my_work("engineering")["items"] if d.kind == "supervision"]
        elsewhere = [d for d in my_work("business_hall")["items"] if d.kind == "supervision"]
    assert len(mine) == 1 and elsewhere == []
    assert mine[0].url == f"/supervision/{notice.number}"
    assert notice.number in mine[0].title
    assert mine[0].state.due_at == local(2026, 10, 15, 14, 30)


def test_a_user_who_opted_out_of_a_level_gets_no_message_for_it(app, people, frozen):
    escalation.choose_levels(people["head"], ["yellow", "supervision"], people["head"])
    _problem(people["clerk"], frozen, local(2026, 9, 30, 9, 0))
    run_escalation(local(2026, 10, 13, 9, 0))  # yellow and red, caught up at once
    red = _outbox("red")
    assert ("email", "head@example.cn") not in {(n.channel, n.target) for n in red}
    robot = next(n for n in red if n.channel == "webhook")
    assert robot.payload["text"]["mentioned_mobile_list"] == ["13800001111"]  # not the head's
    assert _marks("red")[0].recipients["users"] == [people["lead"].id]
    run_escalation(local(2026, 10, 13, 14, 30))
    assert ("email", "head@example.cn") in _targets("supervision")  # still wanted
    chosen = db.session.scalar(select(Event).where(Event.action == "escalation.levels_chosen"))
    assert chosen.data["opted_out"] == ["red"]


def test_the_owner_is_a_recipient_kind_that_resolves_to_nobody_without_owners(app, people):
    class Owned:
        owner_id = people["clerk"].id

    assert recipients.resolve(["owner"], "engineering", None, "red") == []
    assert [u.username for u in recipients.resolve(["owner"], "engineering", Owned(), "red")] == \
        ["eng-clerk"]
    both = recipients.resolve(["owner", "team_lead"], "engineering", Owned(), "red")
    assert [u.username for u in both] == ["eng-lead", "eng-clerk"]


def test_default_levels_follow_the_watchers_warning_and_deadline(app, actor, application_at):
    """Without configuration: yellow at the watcher's warning instant (75 %), red at the
    deadline, supervision 7.5 working hours past it. A 211 accepted Thu 8 Oct 2026 09:00: the
    whole application is due Fri 9 Oct 09:00, warned Thu 16:07:30; 7.5 h past the deadline:
    7 h on Friday, then 0.5 h on Sat 10 Oct, a make-up working day → Sat 10 Oct 09:00."""
    reconfigure(app, TRACKER_WEBHOOKS={"engineering": ROBOT})
    application_at(local(2026, 10, 8, 9, 0))
    whole = db.session.scalar(select(SlaTimer).where(
        SlaTimer.subject_type == SubjectType.APPLICATION))
    assert (whole.warn_at, whole.due_at) == (local(2026, 10, 8, 16, 7, 30), local(2026, 10, 9, 9, 0))
    run_escalation(local(2026, 10, 10, 8, 59))
    assert {(m.level, m.reached_at) for m in _marks() if m.timer_id == whole.id} == {
        ("yellow", local(2026, 10, 8, 16, 7, 30)), ("red", local(2026, 10, 9, 9, 0))}
    run_escalation(local(2026, 10, 10, 9, 0))
    assert [(m.level, m.reached_at) for m in _marks("supervision")
            if m.timer_id == whole.id] == [("supervision", local(2026, 10, 10, 9, 0))]


def test_recipients_with_a_mobile_get_an_sms_through_the_gateway(app, people, frozen):
    reconfigure(app, TRACKER_SMS_GATEWAY_URL="http://127.0.0.1:9/sms")
    _problem(people["clerk"], frozen, local(2026, 9, 30, 9, 0))
    run_escalation(local(2026, 10, 13, 9, 0))
    sms = {n.target: n.payload for n in _outbox("red") if n.channel == "sms"}
    assert set(sms) == {"13800001111", "13900002222"}  # the lead's and the head's mobiles
    assert sms["13900002222"]["phone"] == "13900002222"
    assert "红牌超时" in sms["13900002222"]["content"]
    sms_yellow = {n.target for n in _outbox("yellow") if n.channel == "sms"}
    assert sms_yellow == {"13800001111"}  # yellow reaches the team lead only


@pytest.mark.parametrize("levels", [
    {"*": {"level": "red"}},  # not a list
    {"*": [{"level": "purple"}]},
    {"*": [{"level": "red"}, {"level": "red"}]},
    {"*": [{"level": "yellow", "share": 1.5}]},
    {"*": [{"level": "supervision"}]},  # no threshold
    {"*": [{"level": "supervision", "over_hours": -1}]},
    {"*": [{"level": "red", "notify": ["the_mayor"]}]},
])
def test_a_bad_escalation_configuration_stops_the_start_up_naming_it(app, levels):
    from tracker.settings import SettingsError, settings

    with pytest.raises(SettingsError, match="TRACKER_ESCALATION_LEVELS"):
        reconfigure(app, TRACKER_ESCALATION_LEVELS=levels)
    with app.app_context():
        assert "yellow" in {item["level"] for item in settings().escalation_levels["*"]}
