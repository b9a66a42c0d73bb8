"""The public progress page: the right number and phone show the steps, a wrong phone gets the
same answer as a wrong number, lookups are rate-limited per address and per number in the
database (so across workers), and nothing internal shows."""
from __future__ import annotations

import re

from tests.fixtures.app import local
from tests.fixtures.documents import png_bytes
from tracker.settings import reconfigure


def _page(client, number: str = "", phone: str = "", address: str = "203.0.113.5"):
    query = {"number": number, "phone": phone} if number or phone else {}
    return client.get("/progress", query_string=query, environ_base={"REMOTE_ADDR": address})


def _visible(html: str) -> str:
    """The page's words, without the form's echoed values."""
    html = re.sub(r'value="[^"]*"', "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_right_number_and_phone_show_the_current_step(app, client, doc_api, frozen):
    clock = frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create("201", contact_phone="139-5553-1234", note="客户脾气急，内部备注")
    clock.move_to(local(2026, 10, 12, 9, 30))
    response = _page(client, number, "1234")
    assert response.status_code == 200
    text = _visible(response.get_data(as_text=True))
    assert number in text and "办理中" in text and "常规用水报装“201”流程" in text
    assert "申请受理 已完成 2026-10-12 09:00" in text
    assert "现场查勘资料上传 办理中，预计 2026-10-12 17:30 前完成" in text
    assert "承诺办结时间 2026-10-13 09:00" in text
    assert "挂表通水 待办理" in text
    for internal in ("clerk1", "营商报装专班", "工程部", "内部", "备注", "扣分", "资料归档"):
        assert internal not in text, internal


def test_a_wrong_phone_gets_the_same_answer_as_a_wrong_number(app, client, doc_api, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create("201", contact_phone="13955531234")
    wrong_phone = _page(client, number, "9999")
    wrong_number = _page(client, "201-2026-999999", "1234")
    assert wrong_phone.status_code == wrong_number.status_code == 404
    assert _visible(wrong_phone.get_data(as_text=True)) == _visible(
        wrong_number.get_data(as_text=True))
    assert "未找到与该编号和电话相符的申请" in wrong_phone.get_data(as_text=True)
    assert _page(client, number, "12a4").status_code == 422
    filled = client.get(f"/progress?number={number}")  # the QR code's link: number filled in
    assert filled.status_code == 200 and f'value="{number}"' in filled.get_data(as_text=True)


def test_lookups_are_rate_limited_per_address_and_per_number(app, client, doc_api, frozen,
                                                              other_app):
    clock = frozen(local(2026, 10, 12, 9, 0))
    reconfigure(app, TRACKER_PUBLIC_RATE_PER_ADDRESS=3, TRACKER_PUBLIC_RATE_PER_NUMBER=4,
                TRACKER_PUBLIC_RATE_WINDOW_SECONDS=600)
    number = doc_api.create("201", contact_phone="13955531234")
    # A second app on the same database: another worker, or another host.
    other = other_app(TRACKER_PUBLIC_RATE_PER_ADDRESS=3, TRACKER_PUBLIC_RATE_PER_NUMBER=4)
    second = other.test_client()
    assert _page(client, number, "0000", "198.51.100.7").status_code == 404
    assert _page(second, number, "0001", "198.51.100.7").status_code == 404
    assert _page(client, number, "1234", "198.51.100.7").status_code == 200
    refused = _page(second, number, "1234", "198.51.100.7")
    assert refused.status_code == 429
    assert "查询过于频繁，请 10 分钟后再试。" in refused.get_data(as_text=True)
    # Another address may still ask, until the number itself has had its guesses.
    assert _page(client, number, "1234", "192.0.2.1").status_code == 200
    assert _page(client, number, "1234", "192.0.2.2").status_code == 429
    assert _page(client, "201-2026-000777", "1234", "192.0.2.3").status_code == 404
    clock.move_to(local(2026, 10, 12, 9, 11))  # the next window
    assert _page(second, number, "1234", "198.51.100.7").status_code == 200


def test_a_paused_clock_and_documents_to_follow_are_told_plainly(app, client, doc_api, frozen):
    clock = frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create("211", contact_phone="13955531234", missing_materials=["产权证明"],
                             materials_promised_on="2026-10-14")
    doc_api.upload(number, png_bytes(), "申请表.png", kind="给水工程安装审批表")
    version = doc_api.json("get", f"/api/v1/applications/{number}")["version"]
    doc_api.json("post", f"/api/v1/applications/{number}/pauses",
                  {"reason": "customer_deferral", "step": "supply_plan", "note": "客户要求下周再来",
                   "version": version}, 201)
    clock.move_to(local(2026, 10, 12, 10, 0))
    text = _visible(_page(client, number, "1234").get_data(as_text=True))
    assert "请于 2026-10-14 前补交：产权证明。" in text
    assert "暂停计时" in text and "客户要求下周再来" not in text
