"""Printed documents: the 受理通知单 (limits, QR code), the 一次性告知单, the 督办单 from
plain data, the monthly report; text read back with pdftotext, fonts with pdffonts, and the
first page rendered to PNG under test-artifacts/screenshots to look at."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.fixtures.app import local
from tests.fixtures.documents import pdf_page_png, pdffonts, pdftotext
from tracker.documents.printed import SupervisionNotice, render_supervision_notice
from tracker.localtime import LOCAL
from tracker.settings import reconfigure


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_acceptance_notice_pdf_holds_the_number_and_the_limits(app, doc_api, frozen,
                                                                   tmp_path):
    frozen(local(2026, 9, 30, 16, 0))
    reconfigure(app, TRACKER_UTILITY_NAME="芜湖华衍水务有限公司", TRACKER_UTILITY_PHONE="0553-96306",
                TRACKER_PUBLIC_URL="https://bz.example.cn")
    number = doc_api.create("201", address="芜湖市镜湖区长江路 1 号")
    response = doc_api.call("get", f"/api/v1/applications/{number}/acceptance-notice.pdf")
    assert response.headers["Content-Type"] == "application/pdf"
    content = response.get_data()
    assert content.startswith(b"%PDF-")
    text = _flat(pdftotext(content, tmp_path))
    for expected in ("用水报装受理通知单", number, "芜湖某置业有限公司", "芜湖华衍水务有限公司",
                     "常规用水报装“201”流程", "申请受理", "挂表通水", "当日下班前",
                     "0.5个工作日", "1个工作日", "0553-96306",
                     # accepted 30 Sep 16:00, 1 working day (7.5 h, 003 三(二)1): 1.5 h on
                     # 30 Sep, 1–7 Oct off, 6 h on 8 Oct (08:30–12:00, 13:30–16:00)
                     "承诺办结时间2026-10-0816:00",
                     f"https://bz.example.cn/progress?number={number}"):
        assert _flat(expected) in text, expected
    assert "资料归档" not in text  # follow-up paperwork is not the customer's business
    assert "Noto-Sans-CJK-SC" in pdffonts(content, tmp_path)  # Chinese glyphs embedded
    png = pdf_page_png(content, "documents-acceptance-notice-zh")
    assert png.stat().st_size > 20_000


def test_the_acceptance_notice_in_english_and_as_a_print_view(app, doc_api, client, web_login,
                                                              frozen, tmp_path):
    frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create("211", missing_materials=["产权证明"],
                            materials_promised_on="2026-10-14")
    english = doc_api.call("get", f"/api/v1/applications/{number}/acceptance-notice.pdf",
                           headers={"Accept-Language": "en"}).get_data()
    text = _flat(pdftotext(english, tmp_path))
    assert _flat("Water connection acceptance notice") in text and number in text
    assert all(_flat(t) in text for t in ("Accept the application", "Supply plan",
                                          "by close of the same", "1 working day"))
    pdf_page_png(english, "documents-acceptance-notice-en")
    web_login("clerk")
    page = client.get(f"/applications/{number}/acceptance-notice")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and number in html
    assert "style=" not in html and "<style" not in html  # the CSP allows no inline style
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # nor inline script


def test_the_one_time_notice_lists_what_is_missing_and_by_when(app, doc_api, frozen, tmp_path):
    frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create("211", missing_materials=["产权证明", "营业执照复印件"],
                            materials_promised_on="2026-10-14")
    content = doc_api.call("get", f"/api/v1/applications/{number}/missing-notice.pdf").get_data()
    text = _flat(pdftotext(content, tmp_path))
    assert "一次性告知单" in text and "产权证明" in text and "营业执照复印件" in text
    assert text.count("2026-10-14") == 2
    pdf_page_png(content, "documents-missing-notice-zh")
    complete = doc_api.create("211")
    body = doc_api.json("get", f"/api/v1/applications/{complete}/missing-notice.pdf",
                        status=409)
    assert body["message"] == f"申请 {complete} 受理时材料齐全，无需一次性告知。"


def test_the_supervision_notice_renders_from_plain_data(app, tmp_path):
    notice = SupervisionNotice(
        number="DB-2026-000007", issued_at=datetime(2026, 10, 20, 9, 0, tzinfo=LOCAL),
        issued_by="督查办", to_department="工程管理部",
        subject="报装申请 201-2026-000123 挂表通水超时",
        facts=(("环节", "挂表通水"), ("时限", "2026-10-19 16:15"), ("超时", "3.5 工作小时")),
        requirement="请于 2 个工作日内查明原因、整改并反馈佐证材料。",
        due_at=datetime(2026, 10, 22, 17, 30, tzinfo=LOCAL), cc="营商报装专班")
    with app.test_request_context():
        content = render_supervision_notice(notice)
    text = _flat(pdftotext(content, tmp_path))
    for expected in ("督办单", "DB-2026-000007", "工程管理部", "督查办", "挂表通水超时",
                     "3.5工作小时", "2026-10-2217:30", "营商报装专班", "部门负责人"):
        assert expected in text, expected
    pdf_page_png(content, "documents-supervision-notice-zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_monthly_report_as_pdf(app, doc_api, frozen, tmp_path, lang):
    frozen(local(2026, 11, 3, 9, 0))
    response = doc_api.call("get", "/api/v1/reports/monthly/2026-10.pdf?live=true",
                            headers={"Accept-Language": lang})
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = _flat(pdftotext(response.get_data(), tmp_path))
    assert "2026-10" in text and ("用水报装时效与考核月报" if lang == "zh" else "report") in text
    pdf_page_png(response.get_data(), f"documents-monthly-report-{lang}")
    doc_api.call("get", "/api/v1/reports/monthly/2026-13.pdf", 422)
