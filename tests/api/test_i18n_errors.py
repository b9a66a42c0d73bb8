"""Error answers: JSON, Chinese by default and English on request, for domain errors,
marshmallow's own messages (numbers included), malformed and oversized bodies; never a 500."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.fixtures.app import local

EN = {"Accept-Language": "en"}


@pytest.fixture
def done_accept(api, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    number = api.create("201")["number"]  # 申请受理 is done by registering
    return number


def test_already_completed_in_chinese_by_default(api, done_accept):
    body = api.step(done_accept, "accept", status=409)
    assert body["message"] == "环节 accept 已经办结，不能重复办理。"
    assert body["status"] == "冲突"
    assert body["code"] == 409


def test_already_completed_in_english_on_request(api, done_accept):
    url = f"/api/v1/applications/{done_accept}/steps/accept/complete"
    body = api.as_read(done_accept).post(url, status=409, headers=EN)
    assert body["message"] == "Step accept is already completed."
    assert body["status"] == "Conflict"
    # a Chinese preference with English as a second choice stays Chinese
    body = api.as_read(done_accept).post(url, status=409, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert body["message"] == "环节 accept 已经办结，不能重复办理。"


def test_field_errors_are_translated(api, done_accept):
    url = f"/api/v1/applications/{done_accept}/steps/survey/complete"
    body = api.as_read(done_accept).post(url, {"at": "2030-01-01T09:00:00+08:00"}, status=422)
    assert body["errors"] == {"at": ["不能晚于当前时间。"]}
    assert body["message"] == "所填时间不被接受。"
    body = api.as_read(done_accept).post(url, {"at": "2030-01-01T09:00:00+08:00"},
                                        status=422, headers=EN)
    assert body["errors"] == {"at": ["Cannot be in the future."]}


@pytest.mark.parametrize("body, field, zh, en", [
    ({"flow": "201", "customer_name": "x", "note": "长" * 2001}, "note",
     "长度不能超过 2000 个字符。", "Longer than maximum length 2000."),
    ({"flow": "201", "customer_name": "x" * 201}, "customer_name",
     "长度须在 1 到 200 之间。", "Length must be between 1 and 200."),
    ({"flow": "201", "customer_name": "x", "channel": "fax"}, "channel",
     "必须是以下之一：window（窗口）、online（线上）、phone（电话）、platform（平台推送）。",
     "Must be one of: window, online, phone, platform."),
    ({"flow": "201"}, "customer_name", "缺少必填字段。", "Missing data for required field."),
    ({"flow": "201", "customer_name": None}, "customer_name", "该字段不能为空。",
     "Field may not be null."),
    ({"flow": "201", "customer_name": "x", "colour": "red"}, "colour", "未知字段。",
     "Unknown field."),
])
def test_marshmallow_messages_in_both_languages(api, body, field, zh, en):
    assert api.post("/api/v1/applications", body, status=422)["errors"][field] == [zh]
    assert api.post("/api/v1/applications", body, status=422, headers=EN)["errors"][field] == [en]


def test_marshmallow_range_message_with_numbers_in_chinese(api):
    body = api.get("/api/v1/applications?per_page=500", status=422)
    assert body["errors"] == {"per_page": ["须大于或等于 1，且小于或等于 200。"]}
    assert body["message"] == "请求中有错误。"
    body = api.get("/api/v1/applications?per_page=0", status=422, headers=EN)
    assert body["errors"] == {
        "per_page": ["Must be greater than or equal to 1 and less than or equal to 200."]}


def test_patterns_cover_every_marshmallow_number_message():
    from marshmallow import ValidationError, validate

    from tracker.errors import BUILTIN_PATTERNS

    validators = [validate.Length(max=5), validate.Length(min=5), validate.Length(2, 3),
                  validate.Length(equal=4), validate.Range(1, 9),
                  validate.Range(1, 9, min_inclusive=False, max_inclusive=False),
                  validate.Range(1, 9, max_inclusive=False),
                  validate.Range(1, 9, min_inclusive=False), validate.Range(min=1),
                  validate.Range(min=1, min_inclusive=False), validate.Range(max=9),
                  validate.Range(max=9, max_inclusive=False), validate.OneOf(["a", "b"])]
    for validator in validators:
        value = "z" if isinstance(validator, validate.OneOf) else (
            "abcdefgh" if isinstance(validator, validate.Length) and validator.max else
            "a" if isinstance(validator, validate.Length) else 100 if validator.max else -5)
        with pytest.raises(ValidationError) as raised:
            validator(value)
        message = raised.value.messages[0]
        matches = [msgid for pattern, msgid in BUILTIN_PATTERNS if pattern.match(message)]
        assert len(matches) == 1, message
        assert "%(" in matches[0]


def test_pattern_messages_all_have_chinese(app):
    from flask_babel import force_locale

    from tracker.errors import BUILTIN_PATTERNS, translate

    with app.test_request_context("/api/v1/flows"), force_locale("zh"):
        for _pattern, msgid in BUILTIN_PATTERNS:
            params = {"min": 1, "max": 9, "equal": 4, "choices": "a, b"}
            assert translate(msgid, params) != msgid % params, msgid


def test_a_huge_payload_is_413_json_in_chinese(api, app):
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    response = api.client.post("/api/v1/applications", data=b'{"note": "' + b"x" * size + b'"}',
                               content_type="application/json", headers=api.headers)
    assert response.status_code == 413
    assert response.is_json
    assert response.get_json()["message"] == "请求内容超过允许的大小。"
    assert response.get_json()["status"] == "请求内容过大"


@pytest.mark.parametrize("data", [b"{bad json", b'{"flow": "201",}', b"\xff\xfe", b"[1, 2",
                                  b'{"flow": "201", "customer_name": "\\ud800"}'])
def test_malformed_json_is_400_json(api, data):
    response = api.client.post("/api/v1/applications", data=data,
                               content_type="application/json", headers=api.headers)
    assert response.status_code in (400, 422), response.get_data(True)
    body = response.get_json()
    assert body["code"] == response.status_code
    assert body["errors"]


def test_malformed_json_message(api):
    response = api.client.post("/api/v1/applications", data=b"{bad",
                               content_type="application/json", headers=api.headers)
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"json": ["JSON 请求体无效。"]}


def test_a_body_that_is_not_an_object(api):
    body = api.post("/api/v1/applications", [1, 2], status=422)
    assert body["errors"] == {"_schema": ["输入类型无效。"]}


def test_nul_characters_are_refused_not_a_server_error(api, done_accept):
    body = api.post("/api/v1/applications", {"flow": "201", "customer_name": "a\x00b"},
                    status=422, headers=EN)
    assert body["errors"] == {"customer_name": ["Must not contain control characters."]}
    assert api.get("/api/v1/applications?text=a%00b", status=422)["errors"]["text"]
    assert api.get("/api/v1/applications/201-2026-%00", status=404)["code"] == 404
    api.step(done_accept, "survey", note="\x00", status=422)


def test_unknown_routes_and_methods_answer_json(api):
    body = api.get("/api/v1/no-such-thing", status=404)
    assert body["message"] == "未找到"
    response = api.client.delete("/api/v1/applications", headers=api.headers)
    assert response.status_code == 405
    assert response.get_json()["status"] == "不支持该请求方法"


def _service_msgids() -> set[str]:
    """English msgids the services and the API raise or put in field errors."""
    root = Path(__file__).resolve().parents[2] / "tracker"
    errors = {"ValidationFailed", "Conflict", "NotFound", "Forbidden", "Unauthorized"}
    found: set[str] = set()
    for path in [root / "services" / "applications.py", root / "services" / "flows.py",
                 *(root / "api" / name for name in ("applications.py", "flows.py", "schemas.py",
                                                    "auth.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in errors or name == "append" or name == "ValidationError":
                if node.args and isinstance(node.args[0], ast.Constant) \
                        and isinstance(node.args[0].value, str):
                    found.add(node.args[0].value)
                for keyword in node.keywords:
                    if keyword.arg == "fields" and isinstance(keyword.value, ast.Dict):
                        for value in keyword.value.values:
                            for item in getattr(value, "elts", []):
                                if isinstance(item, ast.Constant):
                                    found.add(item.value)
    return {m for m in found if isinstance(m, str) and m[:1].isupper()}


def test_every_service_message_has_chinese(app):
    from flask_babel import force_locale, gettext

    msgids = _service_msgids()
    assert "Step %(step)s is already completed." in msgids
    with app.test_request_context("/api/v1/flows"), force_locale("zh"):
        missing = sorted(m for m in msgids if gettext(m) == m)
    assert not missing
