"""A JSON body nested about a thousand levels deep is refused with a 400 in the user's
language (the parsers recurse: it used to end in a RecursionError and a 500), and nothing
changes."""
from __future__ import annotations

from tests.fixtures.api import table_counts

DEEP = b'{"customer_name": ' + b"[" * 1000 + b"]" * 1000 + b"}"


def test_a_deeply_nested_body_is_refused_in_chinese(api, app):
    before = table_counts(app)
    response = api.client.post("/api/v1/applications", data=DEEP,
                               headers={**api.headers, "Content-Type": "application/json"})
    assert response.status_code == 400, response.get_data(True)
    body = response.get_json()
    assert body["code"] == 400
    assert body["message"] == "JSON 请求内容的嵌套超过 32 层。"
    assert table_counts(app) == before


def test_a_deeply_nested_patch_is_refused_in_english(api, app):
    number = api.create()["number"]
    before = table_counts(app)
    response = api.client.patch(f"/api/v1/applications/{number}", data=b"[" * 40 + b"]" * 40,
                                headers={**api.headers, "Content-Type": "application/json",
                                         "Accept-Language": "en"})
    assert response.status_code == 400, response.get_data(True)
    assert response.get_json()["message"] == "The JSON body is nested more than 32 levels deep."
    assert table_counts(app) == before


def test_brackets_inside_strings_and_moderate_nesting_are_accepted(api):
    created = api.create(customer_name='[[[[{{{{"\\"[[[' * 10, note="]" * 50)
    assert created["customer_name"].startswith('[[[[{{{{"')
