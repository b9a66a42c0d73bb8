"""GET /api/v1/applications answers byte for byte what main's path answers: the list items
built in their dumped form from the page's one statement (api.listing.listed_items) against
each application read through the ORM, presented by present_application and dumped by the
documented ApplicationPage schema, then jsonify'd, on the data set of
test_list_same_answers (pauses open and closed, several flows, completed, cancelled, paused,
overdue, 容缺, 补录, owners), for filters, pages and both languages (issue 15)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import jsonify

from tests.api.test_list_same_answers import FILTERS, varied  # noqa: F401 (the fixture)
from tracker.extensions import db

PAGES = ["per_page=5&page=1", "per_page=5&page=2", "per_page=5&page=3", "per_page=3&page=9",
         "per_page=1&page=7&status=open", "per_page=2&page=2&overdue=true"]


def _reference_bytes(app, url: str, numbers: list[str], total: int, page: int,
                     per_page: int, headers: dict[str, str]) -> bytes:
    """The answer of main's path for the applications `numbers`, in that order."""
    from tracker.api.schemas import ApplicationPage
    from tracker.i18n import current_language
    from tracker.models import Application
    from tracker.services.app_clock import app_clock, now
    from tracker.services.pagination import page_of
    from tracker.services.presenters import present_application

    with app.test_request_context(url, headers=headers):
        db.session.expire_all()
        apps = {a.number: a for a in db.session.scalars(
            sa.select(Application).where(Application.number.in_(numbers)))}
        moment, clock, lang = now(), app_clock(), current_language()
        items = [present_application(apps[n], moment, clock, lang, with_steps=False)
                 for n in numbers]
        return jsonify(ApplicationPage().dump(page_of(items, total, page, per_page))).get_data()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_list_answers_main_paths_bytes(app, api, varied, lang):  # noqa: F811
    headers = {**api.headers, "Accept-Language": lang}
    seen_items = 0
    for query in [f"per_page=200&{q}" for q in FILTERS] + PAGES:
        url = f"/api/v1/applications?{query}"
        response = api.client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(True)
        body = response.get_json()
        numbers = [item["number"] for item in body["items"]]
        seen_items += len(numbers)
        expected = _reference_bytes(app, url, numbers, body["total"], body["page"],
                                    body["per_page"], headers)
        assert response.get_data() == expected, query
    assert seen_items >= 90  # the filters and pages were not empty


def test_an_empty_page_answers_main_paths_bytes(app, api, varied):  # noqa: F811
    url = "/api/v1/applications?per_page=20&page=50"
    response = api.client.get(url, headers=api.headers)
    body = response.get_json()
    assert body["items"] == [] and body["total"] == len(varied)
    assert response.get_data() == _reference_bytes(app, url, [], body["total"], 50, 20,
                                                   api.headers)


def test_the_list_is_documented_as_before(app):
    """The OpenAPI document still gives the list its ApplicationQuery parameters and the
    ApplicationPage answer (the view now returns its JSON itself)."""
    with app.test_client() as client:
        doc = client.get("/api/v1/openapi.json").get_json()
    get = doc["paths"]["/api/v1/applications"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApplicationPage"}
    assert {p["name"] for p in get["parameters"]} >= {
        "flow", "status", "overdue", "due_before", "department", "step", "text", "page",
        "per_page"}
    assert set(doc["components"]["schemas"]["ApplicationPage"]["properties"]) == {
        "items", "total", "page", "per_page", "pages"}
