"""The calendar page and local closures: every open deadline recomputed, the change shown,
only administrators and team leads may change it."""
from __future__ import annotations

import re
from datetime import date, time

import pytest
import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.web import csrf_token, page_text
from tracker.settings import parse_closures


def add_closure(client, day: str, reason: str = "台风停工", kind: str = "off"):
    page = page_text(client.get("/calendar"))
    return client.post("/calendar/closures", data={"csrf_token": csrf_token(page), "day": day,
                                                   "kind": kind, "reason": reason})


def due_of(app, number: str):
    from tracker.extensions import db
    from tracker.services.applications import get_application

    with app.app_context():
        found = get_application(number)
        result = found.timer.due_at, found.step("survey").timer.due_at
        db.session.remove()
        return result


def test_the_year_shows_days_off_make_up_days_and_closures(client, web_login, frozen):
    frozen(local(2026, 10, 12, 10, 0))
    web_login("clerk", "clerk1")
    page = page_text(client.get("/calendar?year=2026"))
    assert "2026 年工作日历" in page and "国务院办公厅关于2026年部分节假日安排的通知" in page

    def cell(day: str) -> str:
        return re.search(rf'<td class="day ([\w ]+)"[^>]*title="{day} ', page).group(1)

    assert cell("2026-10-01") == "holiday"
    assert cell("2026-10-10") == "makeup_working"
    assert cell("2026-10-11") == "weekend"
    assert cell("2026-10-12") == "working today"
    assert "国庆节" in page
    # A clerk reads the calendar but gets no form to change it.
    assert 'action="/calendar/closures"' not in page
    page = page_text(client.get("/calendar?year=2031"))
    assert "尚未公布" in page  # provisional year
    assert client.get("/calendar?year=abc").status_code == 200


def test_a_closure_moves_every_open_deadline_and_lists_them(app, client, web_login,
                                                          new_application, frozen):
    frozen(local(2026, 10, 13, 10, 0), tick=True)
    web_login("admin", "admin1")
    # Accepted at the frozen instant itself: the clock ticks, the deadlines must not.
    number = new_application("201", accepted_at=local(2026, 10, 13, 10, 0))
    done = new_application("211")
    from tests.fixtures.web import complete_all

    complete_all(app, done, "admin1")
    whole, accept = due_of(app, number)
    assert whole == local(2026, 10, 14, 10, 0) and accept == local(2026, 10, 13, 17, 30)

    response = add_closure(client, "2026-10-14", "台风“木兰”停工")
    assert response.status_code == 302
    change_url = response.headers["Location"]
    whole, accept = due_of(app, number)
    assert whole == local(2026, 10, 15, 10, 0)  # Wednesday is no longer a working day
    assert accept == local(2026, 10, 13, 17, 30)  # today's close is untouched

    page = page_text(client.get(change_url))
    assert "停工日已保存" in page and "台风“木兰”停工" in page
    assert number in page and "2026-10-14 10:00" in page and "2026-10-15 10:00" in page
    # The completed one's limit is closed; its callback (回访), still open, moves too.
    callback_row = page[page.index(done):].split("</tr>", 1)[0]
    assert "回访" in callback_row
    moved = re.search(r"(\d+) 个在办时限中有 (\d+) 个截止时间调整", page)
    assert moved and int(moved.group(2)) >= 1

    application_page = page_text(client.get(f"/applications/{number}"))
    assert "截止时间重算（日历调整）" in application_page
    assert "全程：截止时间 2026-10-14 10:00 → 2026-10-15 10:00" in application_page

    calendar = page_text(client.get("/calendar?year=2026"))
    assert re.search(r'<td class="day closure"[^>]*title="2026-10-14 ', calendar)

    # Removing the closure moves the deadline back; the closure row is kept, marked removed.
    from tracker.extensions import db
    from tracker.models import Event, LocalClosure

    with app.app_context():
        closure_id = db.session.scalar(sa.select(LocalClosure.id))
    page = page_text(client.get("/calendar"))
    response = client.post(f"/calendar/closures/{closure_id}/remove",
                           data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert due_of(app, number)[0] == local(2026, 10, 14, 10, 0)
    with app.app_context():
        assert db.session.get(LocalClosure, closure_id).removed_at is not None
        actions = db.session.scalars(sa.select(Event.action).where(
            Event.action.like("calendar.%"))).all()
        assert actions == ["calendar.closure_added", "calendar.closure_removed"]


def test_an_extra_working_day_moves_deadlines_earlier(app, client, web_login, new_application,
                                                     frozen):
    frozen(local(2026, 10, 16, 16, 0), tick=True)  # Friday
    web_login("team_lead", "lead")
    number = new_application("201", accepted_at=local(2026, 10, 16, 16, 0))
    assert due_of(app, number)[0] == local(2026, 10, 19, 16, 0)  # 1.5 h Friday, 6 h Monday
    assert add_closure(client, "2026-10-17", "抢修加班", kind="work").status_code == 302
    assert due_of(app, number)[0] == local(2026, 10, 17, 16, 0)  # Saturday now works


def test_closure_errors_are_shown_at_the_field(app, client, web_login, frozen):
    from tracker.models import LocalClosure

    frozen(local(2026, 10, 13, 10, 0))
    web_login("admin", "admin1")
    response = add_closure(client, "2026-10-11")  # a Sunday: already a day off
    assert response.status_code == 422
    assert re.search(r'id="day-errors"><li>这一天已经是休息日', page_text(response))
    response = add_closure(client, "2026-10-14", reason="")
    assert response.status_code == 422 and "该字段是必填字段" in page_text(response)
    response = add_closure(client, "1999-01-04")
    assert response.status_code == 422 and "日期超出范围" in page_text(response)
    from tracker.extensions import db

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LocalClosure)) == 0


@pytest.mark.parametrize("role", ["clerk", "engineer", "auditor"])
def test_only_admins_and_team_leads_change_the_calendar(app, client, web_login, role, frozen):
    from tracker.models import LocalClosure

    frozen(local(2026, 10, 13, 10, 0))
    web_login(role, f"{role}1")
    response = add_closure(client, "2026-10-14")
    assert response.status_code == 403
    from tracker.extensions import db

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LocalClosure)) == 0


def test_the_service_refuses_a_clerk_and_a_removed_closure(app, make_user, frozen):
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services import calendar_admin
    from tracker.services.errors import Conflict, Forbidden

    frozen(local(2026, 10, 13, 10, 0), tick=True)
    make_user("clerk", "clerk1")
    make_user("admin", "admin1")
    with app.app_context():
        clerk = db.session.scalar(sa.select(User).where(User.username == "clerk1"))
        admin = db.session.scalar(sa.select(User).where(User.username == "admin1"))
        with pytest.raises(Forbidden):
            calendar_admin.add_closure(date(2026, 10, 14), "台风", clerk)
        change = calendar_admin.add_closure(date(2026, 10, 14), "台风", admin)
        assert change.moved == [] and change.checked == 0
        calendar_admin.remove_closure(change.closure.id, admin)
        with pytest.raises(Conflict):
            calendar_admin.remove_closure(change.closure.id, admin)


def test_partial_closures_from_configuration_and_records() -> None:
    closures = parse_closures("2026-07-15 14:00-:off:台风;2026-07-16:off:台风停工;"
                              "2026-07-18:work:抢修;2026-07-20 8:30-10:00:off:停电")
    assert [(c.day.day, c.working, c.start, c.end) for c in closures] == [
        (15, False, time(14), None), (16, False, None, None), (18, True, None, None),
        (20, False, time(8, 30), time(10))]
    assert all(c.recorded_by == "TRACKER_LOCAL_CLOSURES" for c in closures)
    with pytest.raises(ValueError, match="bad entry"):
        parse_closures("2026-07-15 25:00-:off:x")
    with pytest.raises(ValueError, match="kind must be"):
        parse_closures("2026-07-15:closed:x")


def test_a_typhoon_from_two_pm_closes_part_of_the_day(app, client, web_login, new_application,
                                                      frozen):
    """Issue 10: a local closure may cover part of a day; the open deadlines follow."""
    frozen(local(2026, 10, 13, 10, 0), tick=True)
    web_login("admin", "admin1")
    number = new_application("201", accepted_at=local(2026, 10, 13, 10, 0))
    page = page_text(client.get("/calendar"))
    response = client.post("/calendar/closures", data={
        "csrf_token": csrf_token(page), "day": "2026-10-13", "kind": "off",
        "reason": "台风“木兰”", "start": "14:00"})
    assert response.status_code == 302
    whole, survey = due_of(app, number)
    assert survey == local(2026, 10, 13, 14, 0)  # 当天: the office closed at 14:00
    # 1 working day from 10:00: 2.5 h before the closure, then 5 h on Wednesday.
    assert whole == local(2026, 10, 14, 15, 0)
    year = page_text(client.get("/calendar?year=2026"))
    assert "14:00–" in year and "部分时段停工" in year
    # the end before the start is refused at the field, nothing stored
    response = client.post("/calendar/closures", data={
        "csrf_token": csrf_token(year), "day": "2026-10-15", "kind": "off",
        "reason": "停电", "start": "15:00", "end": "14:00"})
    assert response.status_code == 422 and "须晚于开始时间" in page_text(response)
