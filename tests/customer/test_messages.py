"""Telling the customer: an SMS through the configured HTTP gateway (a real one on 127.0.0.1),
through the outbox and its retries: delivered once, after two failures; the 101 status pushed
back to the platform that sent the project."""
from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.documents import png_bytes
from tests.fixtures.jobs import wait_for
from tracker.extensions import db
from tracker.jobs.delivery import deliver_pending
from tracker.settings import reconfigure


def _outbox(app, channel: str):
    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT * FROM notifications WHERE channel = :c ORDER BY id"), {"c": channel}
        ).mappings().all()
        db.session.remove()
    return rows


def _deliver(app, at):
    with app.app_context():
        return deliver_pending(at)


def test_an_sms_reaches_the_gateway_once_with_retries_after_two_failures(app, doc_api, frozen,
                                                                          webhook):
    receiver = webhook()
    clock = frozen(local(2026, 10, 12, 9, 0))
    reconfigure(app, TRACKER_SMS_GATEWAY_URL=f"{receiver.base}/sms/send",
                TRACKER_SMS_SIGNATURE="芜湖华衍水务", TRACKER_PUBLIC_URL="https://bz.example.cn",
                TRACKER_SMS_TEMPLATE={"mobile": "{phone}", "sign": "{signature}",
                                      "text": "{text}", "biz": {"no": "{number}"}})
    number = doc_api.create("201", contact_phone="+86 139 5553 1234")
    (row,) = _outbox(app, "sms")
    assert (row["target"], row["status"]) == ("13955531234", "pending")
    receiver.fail_next(2)
    moment = local(2026, 10, 12, 9, 0)
    first = _deliver(app, moment)
    assert (first.sent, first.retrying) == (0, 1)
    assert _deliver(app, moment + timedelta(seconds=10)).sent == 0  # not yet due again
    second = _deliver(app, moment + timedelta(seconds=31))
    assert (second.sent, second.retrying) == (0, 1)
    third = _deliver(app, moment + timedelta(seconds=31 + 61))
    assert third.sent == 1
    wait_for(lambda: len(receiver.received) == 1)
    (row,) = _outbox(app, "sms")
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, "")
    message = receiver.received[0]
    assert message["path"] == "/sms/send"
    assert message["json"]["mobile"] == "13955531234" and message["json"]["sign"] == "芜湖华衍水务"
    assert message["json"]["biz"] == {"no": number}
    assert message["json"]["text"] == (
        f"您的用水报装申请已受理，编号{number}，承诺2026-10-13 09:00前办结。"
        f"查询进度：https://bz.example.cn/progress?number={number}（输入联系电话后四位）。")
    clock.move_to(local(2026, 10, 12, 10, 0))
    assert _deliver(app, local(2026, 10, 12, 10, 0)).sent == 0
    assert len(receiver.received) == 1  # delivered once


def test_sms_at_documents_due_and_at_water_on(app, doc_api, frozen, webhook):
    receiver = webhook()
    frozen(local(2026, 10, 12, 9, 0))
    reconfigure(app, TRACKER_SMS_GATEWAY_URL=f"{receiver.base}/sms")
    number = doc_api.create("211", contact_phone="13955531234", missing_materials=["产权证明"],
                             materials_promised_on="2026-10-14")
    doc_api.upload(number, png_bytes(), "申请表.png", kind="给水工程安装审批表")
    doc_api.step(number, "supply_plan")
    doc_api.step(number, "water_on")
    doc_api.create("211", contact_phone="0532-87203111")  # a landline gets no SMS
    texts = [r["body"] for r in _outbox(app, "sms")]
    assert texts[1] == f"您的报装申请{number}为容缺受理，请于2026-10-14前补交：产权证明。"
    assert texts[2] == f"您的用水报装{number}已于2026-10-12 09:00挂表通水，感谢您的支持。"
    assert len(texts) == 3
    _deliver(app, local(2026, 10, 12, 9, 0))
    wait_for(lambda: len(receiver.received) == 3)


def test_the_101_status_goes_back_to_the_platform_that_sent_it(app, client, doc_api, frozen,
                                                              make_user, webhook):
    receiver = webhook()
    frozen(local(2026, 10, 12, 9, 0))
    reconfigure(app, TRACKER_PLATFORM_CALLBACKS={"gongai": f"{receiver.base}/gongai/status"})
    _, token = make_user("platform", "gongai", department=None)
    pushed = client.post("/api/v1/intake/projects", headers={"Authorization": f"Bearer {token}"},
                         json={"external_id": "GG-2026-0042", "project_name": "江北花园项目",
                               "address": "芜湖市鸠江区江北大道 88 号", "contact_name": "王工",
                               "contact_phone": "13905530000",
                               "requested_at": "2026-10-12T10:00:00+08:00"})
    assert pushed.status_code == 201, pushed.get_data(True)
    record = doc_api.json("get", "/api/v1/intake/records")["items"][0]
    screened = doc_api.json("post", f"/api/v1/intake/records/{record['id']}/screen",
                             {"decision": "needs_water", "version": record["version"]})
    number = screened["application_number"]
    doc_api.upload(number, png_bytes(), "验收.png", kind="客户验收确认单")
    doc_api.step(number, "meter_install")
    rows = _outbox(app, "platform")
    events = [(json.loads(r["payload"]) if isinstance(r["payload"], str) else r["payload"])["event"]
              for r in rows]
    assert events == ["accepted", "step_completed", "water_on"]
    assert all(r["target"] == f"{receiver.base}/gongai/status" for r in rows)
    _deliver(app, local(2026, 10, 12, 9, 0))
    wait_for(lambda: len(receiver.received) == 3)
    water_on = receiver.received[2]["json"]
    assert (water_on["external_id"], water_on["application"], water_on["status_name"]) == (
        "GG-2026-0042", number, "已通水")
    assert water_on["at"] == "2026-10-12T09:00:00+08:00"
