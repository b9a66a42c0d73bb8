"""The problem-library pages through the test client (CSRF on): registering and verifying,
and who may do what."""
from __future__ import annotations

from tests.fixtures.app import local
from tests.fixtures.web import form_post, page_text, version_in

# --- problems -----------------------------------------------------------------------------

def test_registering_and_verifying_a_problem_through_the_pages(client, web_login, api, frozen,
                                                               office):
    frozen(local(2026, 10, 12, 9, 0))
    web_login("clerk", department="engineering")
    refused = form_post(client, "/problems/new", "/problems/new",
                         {"source": "officer", "department": "engineering", "description": ""})
    assert refused.status_code == 422
    created = form_post(client, "/problems/new", "/problems/new",
                         {"source": "hotline_12345", "department": "engineering",
                          "description": "夜间水压不足", "location": "江北片区"})
    assert created.status_code == 302
    assert created.headers["Location"].endswith("/problems/P-2026-000001")
    page = page_text(client.get("/problems/P-2026-000001"))
    assert "待下达" in page and 'name="outcome"' not in page  # the office issues it first
    office.change("/api/v1/problems/P-2026-000001", "issue", {})
    page = page_text(client.get("/problems/P-2026-000001"))
    assert "待核查" in page and "2026-10-15 09:00" in page
    refused = form_post(client, "/problems/P-2026-000001", "/problems/P-2026-000001/verify",
                         {"outcome": "rectify", "version": version_in(page)})
    assert refused.status_code == 422 and "请给出整改期限" in page_text(refused)
    verified = form_post(client, "/problems/P-2026-000001", "/problems/P-2026-000001/verify",
                          {"outcome": "rectify", "rectify_due_on": "2026-10-20",
                           "note": "属实", "version": version_in(page)})
    assert verified.status_code == 302
    problem = api.get("/api/v1/problems/P-2026-000001")
    assert problem["status"] == "rectifying"
    assert problem["sla"]["due_at"].startswith("2026-10-20T17:30:00+08:00")
    client.get("/language/en")
    listed = page_text(client.get("/problems?status=open"))
    assert "P-2026-000001" in listed and "Rectifying" in listed


def test_auditors_read_problems_but_cannot_register(client, web_login, api):
    api.post("/api/v1/problems", {"source": "visit", "description": "窗口无人",
                                  "department": "business_hall"}, status=201)
    web_login("auditor")
    assert "P-2026-000001" in page_text(client.get("/problems"))
    assert client.get("/problems/new").status_code == 403
    assert 'name="outcome"' not in page_text(client.get("/problems/P-2026-000001"))
