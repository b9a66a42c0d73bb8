"""责成相关部门处理 on the callbacks page (issue 11): customer service names the department a
"not satisfied" callback is charged to; the list shows it, or that it awaits assignment."""
from __future__ import annotations

from tests.fixtures.app import local
from tests.fixtures.web import form_post, page_text, version_in


def test_assigning_a_complaint_to_a_department_through_the_page(client, web_login, water_on,
                                                                api, frozen):
    frozen(local(2026, 10, 12, 10, 0))
    number = water_on()
    callback = api.get(f"/api/v1/aftercare/applications/{number}")["callback"]
    url = f"/api/v1/aftercare/callbacks/{callback['id']}"
    api.change(url, "result", {"reached": True, "satisfied": False, "comment": "窗口排队太久"})
    web_login("clerk")
    page = page_text(client.get("/callbacks?status=done"))
    assert "待责成部门" in page
    prefix = f"as{callback['id']}-"
    version = version_in(page, prefix)
    done = form_post(client, "/callbacks?status=done",
                     f"/callbacks/{callback['id']}/assignment?status=done",
                     {f"{prefix}department": "business_hall", f"{prefix}version": version})
    assert done.status_code == 302
    assert api.get(url)["assigned_department"] == "business_hall"
    page = page_text(client.get("/callbacks?status=done"))
    assert "责任部门: 营业厅（客户服务中心）" in page or "营业厅（客户服务中心）" in page
    stale = form_post(client, "/callbacks?status=done",
                      f"/callbacks/{callback['id']}/assignment?status=done",
                      {f"{prefix}department": "engineering", f"{prefix}version": version},
                      follow_redirects=True)
    assert api.get(url)["assigned_department"] == "business_hall"  # a stale form changes nothing
    assert "alert" in page_text(stale) or "flash" in page_text(stale)
