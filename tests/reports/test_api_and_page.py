"""The report over HTTP: the API (JSON, XLSX, versions, issuing) and the staff page."""
from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from tests.fixtures.web import csrf_token, login
from tracker.extensions import db
from tracker.models import MonthlyReport, Notification


def _bearer(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def test_the_api_serves_live_then_issued_figures(app, client, make_user, october):
    _uid, clerk = make_user("clerk", "api-clerk")
    _lid, lead = make_user("team_lead", "api-lead")
    live = client.get("/api/v1/reports/monthly/2026-10", headers=_bearer(clerk))
    assert live.status_code == 200, live.get_json()
    body = live.get_json()
    assert body["issue"] is None and body["month"] == "2026-10"
    assert {f["flow"] for f in body["flows"]} == {"101", "201", "211"}
    assert body["overdue"] and body["overdue"][0]["due_at"].endswith("+08:00")

    refused = client.post("/api/v1/reports/monthly/2026-10/issue", headers=_bearer(clerk))
    assert refused.status_code == 403
    issued = client.post("/api/v1/reports/monthly/2026-10/issue", headers=_bearer(lead))
    assert issued.status_code == 201, issued.get_json()
    assert issued.get_json()["version"] == 1 and issued.get_json()["issued_by"] == "api-lead"

    official = client.get("/api/v1/reports/monthly/2026-10", headers=_bearer(clerk)).get_json()
    assert official["issue"]["version"] == 1 and official["issue"]["issued_by"] == "api-lead"
    again = client.get("/api/v1/reports/monthly/2026-10?live=true", headers=_bearer(clerk))
    assert again.get_json()["issue"] is None
    assert again.get_json()["overdue"] == official["overdue"]

    versions = client.get("/api/v1/reports/monthly/2026-10/versions", headers=_bearer(clerk))
    assert [v["version"] for v in versions.get_json()] == [1]
    listing = client.get("/api/v1/reports/monthly", headers=_bearer(clerk)).get_json()
    assert listing[0]["xlsx_url"] == "/api/v1/reports/monthly/2026-10.xlsx?version=1"

    workbook = client.get("/api/v1/reports/monthly/2026-10.xlsx", headers=_bearer(clerk))
    assert workbook.status_code == 200
    assert workbook.mimetype.endswith("spreadsheetml.sheet")
    assert "monthly-report-2026-10-v1.xlsx" in workbook.headers["Content-Disposition"]
    with app.app_context():
        stored = db.session.scalar(select(MonthlyReport.xlsx).where(MonthlyReport.version == 1))
    assert workbook.data == stored  # exactly what was issued
    book = openpyxl.load_workbook(io.BytesIO(workbook.data))
    assert book["超时清单"].max_row == len(official["overdue"]) + 1


def test_api_errors_are_clear(app, client, make_user):
    _uid, clerk = make_user("clerk", "api-clerk2")
    bad = client.get("/api/v1/reports/monthly/2026-13", headers=_bearer(clerk))
    assert bad.status_code == 422
    assert bad.get_json()["message"] == "月份格式应为 YYYY-MM，例如 2026-10。"
    english = client.get("/api/v1/reports/monthly/oct.xlsx",
                         headers=_bearer(clerk, **{"Accept-Language": "en"}))
    assert english.status_code == 422
    assert english.get_json()["message"] == "Give the month as YYYY-MM, e.g. 2026-10."
    missing = client.get("/api/v1/reports/monthly/2026-09?version=3", headers=_bearer(clerk))
    assert missing.status_code == 404
    assert "没有签发过第 3 版" in missing.get_json()["message"]
    both = client.get("/api/v1/reports/monthly/2026-09?version=1&live=1", headers=_bearer(clerk))
    assert both.status_code == 422
    assert client.get("/api/v1/reports/monthly/2026-09").status_code == 401
    _lid, lead = make_user("team_lead", "api-lead2")
    future = client.post("/api/v1/reports/monthly/2099-12/issue", headers=_bearer(lead))
    assert future.status_code == 422
    assert "尚未结束" in future.get_json()["message"]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/reports/monthly/{month}.xlsx" in spec["paths"]


def test_the_page_shows_the_report_with_charts(app, client, make_user, october):
    make_user("team_lead", "page-lead")
    assert login(client, "page-lead").status_code == 302
    page = client.get("/reports/monthly?month=2026-10")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2026-10 用水报装时效与考核月报" in html
    assert html.count("<svg") >= 3
    assert "尚未签发：以下为实时数据。" in html
    assert "各部门考核扣分" in html

    token = csrf_token(html)
    issued = client.post("/reports/monthly/2026-10/issue", data={"csrf_token": token})
    assert issued.status_code == 302
    shown = client.get(issued.headers["Location"]).get_data(as_text=True)
    assert "2026-10 报告已签发为第 1 版。" in shown
    assert "page-lead" in shown  # issued by
    download = client.get("/reports/monthly/2026-10.xlsx?version=1")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    csv = client.get("/reports/monthly/2026-10.csv?table=points")
    assert csv.status_code == 200 and "考核项目" in csv.get_data(as_text=True)


def test_the_page_for_a_clerk_and_bad_input(app, client, make_user):
    make_user("clerk", "page-clerk")
    login(client, "page-clerk")
    page = client.get("/reports/monthly?month=nonsense")
    assert page.status_code == 422
    assert "月份格式应为 YYYY-MM" in page.get_data(as_text=True)
    html = client.get("/reports/monthly?month=2026-10").get_data(as_text=True)
    assert "签发新版本" not in html  # only leads and administrators issue
    assert "发送失败的通知" not in html and 'id="outbox"' not in html
    refused = client.post("/reports/monthly/2026-10/issue", data={"csrf_token": csrf_token(html)})
    assert refused.status_code == 403


def test_failed_notifications_are_shown_to_a_lead_and_can_be_retried(app, client, make_user):
    from tracker.models import now_utc

    with app.app_context():
        db.session.add(Notification(dedupe_key="1:overdue:0:webhook:x", channel="webhook",
                                    target="http://robot.example/x", subject="超时：211-2026-000001",
                                    body="…", payload={}, status="failed", attempts=8,
                                    last_error="HTTP 500 Internal Server Error: boom",
                                    next_attempt_at=now_utc()))
        db.session.commit()
    make_user("team_lead", "outbox-lead")
    login(client, "outbox-lead")
    html = client.get("/reports/monthly?month=2026-10").get_data(as_text=True)
    assert 'id="outbox"' in html and "HTTP 500 Internal Server Error: boom" in html
    assert "发送失败:1" in html.replace(" ", "").replace("\n", "")
    with app.app_context():
        row_id = db.session.scalar(select(Notification.id))
    retried = client.post(f"/reports/notifications/{row_id}/retry",
                          data={"csrf_token": csrf_token(html), "month": "2026-10"})
    assert retried.status_code == 303
    with app.app_context():
        row = db.session.get(Notification, row_id)
        assert (row.status, row.attempts) == ("pending", 0)
