"""Issue 12: a typhoon closure added afterwards appears in the explanation of the deadline it
moved, and the event log line of the recompute says from what to what and why."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.web import csrf_token, page_text


def test_a_typhoon_closure_added_afterwards_is_explained_and_logged(app, client, web_login,
                                                                    new_application, frozen):
    frozen(local(2026, 10, 7, 18, 0), tick=True)  # the typhoon warning comes on the 7th
    web_login("admin", "admin1")
    number = new_application("201", accepted_at=local(2026, 9, 30, 16, 0))  # 国庆节's eve
    before = page_text(client.get(f"/applications/{number}"))
    assert "10月1日–7日 国庆节" in before and "台风" not in before
    page = page_text(client.get("/calendar"))
    response = client.post("/calendar/closures", data={
        "csrf_token": csrf_token(page), "day": "2026-10-08", "kind": "off",
        "reason": "台风“木兰”停工"})
    assert response.status_code == 302

    after = page_text(client.get(f"/applications/{number}"))
    # the event log: from what to what, and why, naming the closure and who recorded it
    assert "全程：截止时间 2026-10-08 16:00 → 2026-10-09 16:00" in after
    assert "登记本地停工 2026-10-08（台风“木兰”停工）" in after
    # the explanation: the closed day, its reason and who recorded it; the new deadline
    assert "10月8日 本地停工：台风“木兰”停工（本地停工/加班（本单位登记）：admin1），不计" in after
    assert "截止 2026-10-09 16:00" in after

    from tracker.extensions import db
    from tracker.models import Event

    with app.app_context():
        moved = db.session.scalars(sa.select(Event).where(Event.action == "deadline.moved"))
        causes = [e.data["cause"] for e in moved]
        db.session.remove()
    assert causes and all(c["kind"] == "closure_added" and c["day"] == "2026-10-08"
                          and c["reason"] == "台风“木兰”停工" for c in causes)

    client.get("/language/en")
    english = page_text(client.get(f"/applications/{number}?lang=en"))
    assert "recorded a local closure 2026-10-08 (台风“木兰”停工)" in english
    assert "8 Oct local closure: 台风“木兰”停工" in english


def test_a_short_pause_that_moves_a_same_day_step_says_so_in_the_event_log(
        app, client, web_login, new_application, frozen):
    """A 16-second pause at 17:29:50 moves "survey" (same working day) from 17:30 to the next
    day's close; the pause's event lines say from what to what."""
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services.applications import add_pause, end_pause, get_application

    clock = frozen(local(2026, 10, 13, 17, 29, 50))
    web_login("admin", "admin1")
    number = new_application("201", accepted_at=local(2026, 10, 13, 9, 0))
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin1"))
        pause_id = add_pause(number, "customer_deferral", admin, step="survey").id
        clock.move_to(local(2026, 10, 13, 17, 30, 6))
        end_pause(number, pause_id, admin)
        due = get_application(number).step("survey").timer.due_at
        db.session.remove()
    assert due == local(2026, 10, 14, 17, 30)
    log = page_text(client.get(f"/applications/{number}"))
    assert "现场查勘资料上传：截止时间 2026-10-13 17:30 → 暂停计时" in log
    assert "现场查勘资料上传：截止时间 暂停计时 → 2026-10-14 17:30" in log
