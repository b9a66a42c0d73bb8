"""Online appointment (网上预约): a public form with CSRF, a duty with its own deadline (an
SlaTimer of subject `appointment`, in My work, warned by the watcher), and accepting it
creates the application from what the customer typed."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.web import csrf_token
from tracker.extensions import db
from tracker.jobs.watcher import run_watcher
from tracker.models import SubjectType

FORM = {"customer_type": "company", "customer_name": "芜湖某食品有限公司", "contact_name": "李经理",
        "contact_phone": "139 5553 6789", "address": "芜湖市弋江区花津南路 18 号",
        "purpose": "business", "preferred_day": "2026-10-14", "preferred_period": "afternoon",
        "note": "厂房二期"}


def _submit(client, **changes):
    page = client.get("/appointment")
    data = {**FORM, **changes, "csrf_token": csrf_token(page.get_data(as_text=True))}
    return client.post("/appointment", data=data, environ_base={"REMOTE_ADDR": "203.0.113.9"})


def _rows(app, sql: str):
    with app.app_context():
        rows = db.session.execute(sa.text(sql)).mappings().all()
        db.session.remove()
    return rows


def test_an_appointment_is_a_duty_and_becomes_an_application(app, client, make_user, frozen,
                                                              web_login):
    clock = frozen(local(2026, 10, 12, 9, 0))
    assert client.post("/appointment", data=FORM).status_code == 400  # no CSRF token: refused
    response = _submit(client)
    assert response.status_code == 302 and "done=YY-2026-000001" in response.location
    done = client.get(response.location).get_data(as_text=True)
    assert "YY-2026-000001" in done and "1 个工作日" in done
    (row,) = _rows(app, "SELECT * FROM appointments")
    assert (row["customer_name"], row["contact_phone"], row["status"]) == (
        "芜湖某食品有限公司", "139 5553 6789", "pending")  # as typed: nothing but trimming
    (timer,) = _rows(app, "SELECT * FROM sla_timers WHERE subject_type = 'appointment'")
    assert timer["department_code"] == "connection_team" and timer["state"] == "running"
    # Answered within 1 working day: due 13 Oct 09:00; the watcher warns like any duty.
    with app.app_context():
        clock.move_to(local(2026, 10, 13, 8, 0))
        run_watcher()
    (timer,) = _rows(app, "SELECT * FROM sla_timers WHERE subject_type = 'appointment'")
    assert timer["warned_at"] is not None and timer["overdue_at"] is None
    web_login("clerk")
    work = client.get("/work").get_data(as_text=True)
    # Once: a row of My work like any duty (it also had a table of its own below the list).
    assert "duty-appointment" in work and work.count("YY-2026-000001") == 1
    listing = client.get("/appointments").get_data(as_text=True)
    assert "芜湖某食品有限公司" in listing and "生产经营用水" in listing
    token = csrf_token(listing)
    answer = client.post(f"/appointments/{row['id']}/accept", data={
        f"accept-{row['id']}-flow": "201",
        f"accept-{row['id']}-version": str(row["version_id"]),
        f"accept-{row['id']}-csrf_token": token})
    assert answer.status_code == 302 and answer.location.endswith("/applications/201-2026-000001")
    (application,) = _rows(app, "SELECT * FROM applications")
    assert (application["customer_name"], application["contact_name"],
            application["contact_phone"], application["address"], application["channel"]) == (
        "芜湖某食品有限公司", "李经理", "139 5553 6789", "芜湖市弋江区花津南路 18 号", "online")
    (row,) = _rows(app, "SELECT * FROM appointments")
    assert (row["status"], row["application_id"]) == ("accepted", application["id"])
    (timer,) = _rows(app, "SELECT * FROM sla_timers WHERE subject_type = 'appointment'")
    assert timer["state"] == "done" and timer["late"] in (0, False)
    # The archive finds the appointment on record (客户预约报装信息, 003 四(四)3).
    detail = client.get("/applications/201-2026-000001").get_data(as_text=True)
    assert "网上预约 YY-2026-000001" in detail
    again = client.post(f"/appointments/{row['id']}/accept", data={
        f"accept-{row['id']}-flow": "201", f"accept-{row['id']}-csrf_token": token})
    assert again.status_code == 409 and "已经答复过了" in again.get_data(as_text=True)
    assert len(_rows(app, "SELECT id FROM applications")) == 1


def test_bad_input_is_refused_in_chinese_and_stores_nothing(app, client, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    response = _submit(client, contact_phone="12345", customer_name="", preferred_day="2026-10-01")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "不是有效的电话号码。请填写手机号（如 13905530000" in page
    assert "不能早于现在。" in page
    assert 'value="芜湖市弋江区花津南路 18 号"' in page  # what was typed stays
    assert _rows(app, "SELECT id FROM appointments") == []
    assert _rows(app, "SELECT id FROM sla_timers") == []


def test_declining_needs_a_reason(app, client, frozen, web_login):
    frozen(local(2026, 10, 12, 9, 0))
    _submit(client)
    (row,) = _rows(app, "SELECT * FROM appointments")
    web_login("clerk")
    token = csrf_token(client.get("/appointments").get_data(as_text=True))
    prefix = f"decline-{row['id']}"
    refused = client.post(f"/appointments/{row['id']}/decline", data={
        f"{prefix}-reason": "", f"{prefix}-csrf_token": token})
    assert refused.status_code == 422
    done = client.post(f"/appointments/{row['id']}/decline", data={
        f"{prefix}-reason": "地址不在本公司供水范围", f"{prefix}-csrf_token": token})
    assert done.status_code == 302
    (row,) = _rows(app, "SELECT * FROM appointments")
    assert (row["status"], row["decline_reason"]) == ("declined", "地址不在本公司供水范围")


def test_the_timer_subject_constraint_knows_appointments(app):
    """The enum's CHECK constraint was changed by hand in 0006_documents (Alembic does not see
    a new member): every member of SubjectType is allowed by the migrated database."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            ddl = db.session.scalar(sa.text(
                "SELECT sql FROM sqlite_master WHERE name = 'sla_timers'"))
        else:
            ddl = db.session.scalar(sa.text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conname = 'ck_sla_timers_timer_subject'"))
        db.session.remove()
    assert all(f"'{member.value}'" in ddl for member in SubjectType)
