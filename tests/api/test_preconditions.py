"""No lost updates: a GET answers the version as an ETag; every change must say which
version it was made from (If-Match, or `version` in the body): 428 without, 412 for a stale
If-Match, 409 for a stale `version`; nothing changes on a refusal."""
from __future__ import annotations

import pytest

from tests.fixtures.api import table_counts
from tests.fixtures.app import local

EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def _still(frozen):
    """Time stands still: "nothing changed" compares two reads of an application, and a
    running step's used share of its limit moves between them on a slow machine (0.0 against
    0.001 once under load)."""
    frozen(local(2026, 10, 12, 10, 0))


@pytest.fixture
def number(api):
    return api.create("201", contact_phone="0553-1234567")["number"]


def _patch(api, number, body, **headers):
    return api.client.patch(f"/api/v1/applications/{number}", json=body,
                            headers={**api.headers, **headers})


def test_a_get_answers_the_version_as_its_etag(api, number):
    response = api.client.get(f"/api/v1/applications/{number}", headers=api.headers)
    assert response.headers["ETag"] == f'"{response.get_json()["version"]}"'


def test_two_patches_without_a_version_no_longer_both_win(api, app, number):
    before = api.application(number), table_counts(app)
    for phone in ("13900000001", "13900000002"):
        refused = _patch(api, number, {"contact_phone": phone}, **EN)
        assert refused.status_code == 428, refused.get_data(True)
        assert refused.get_json()["message"] == (
            "Say which version you are changing: send If-Match with the ETag of the GET, or "
            "version in the body.")
    assert (api.application(number), table_counts(app)) == before
    chinese = _patch(api, number, {"contact_phone": "13900000003"})
    assert chinese.status_code == 428 and "If-Match" in chinese.get_json()["message"]
    assert chinese.get_json()["status"] == "缺少前提条件"


def test_if_match_with_the_read_etag_changes_and_a_stale_one_is_412(api, app, number):
    read = api.client.get(f"/api/v1/applications/{number}", headers=api.headers)
    etag = read.headers["ETag"]
    first = _patch(api, number, {"contact_phone": "13900000001"}, **{"If-Match": etag})
    assert first.status_code == 200, first.get_data(True)
    assert first.headers["ETag"] == f'"{first.get_json()["version"]}"' != etag
    counts = table_counts(app)
    second = _patch(api, number, {"contact_phone": "13900000002"}, **{"If-Match": etag}, **EN)
    assert second.status_code == 412, second.get_data(True)
    body = second.get_json()
    assert body["message"].startswith("It changed since you read it")
    assert body["current"]["contact_phone"] == "13900000001"
    assert api.application(number)["contact_phone"] == "13900000001"
    assert table_counts(app) == counts


def test_a_stale_version_in_the_body_is_still_409_with_current(api, number):
    version = api.version(number)
    assert _patch(api, number, {"address": "甲", "version": version}).status_code == 200
    stale = _patch(api, number, {"address": "乙", "version": version})
    assert stale.status_code == 409
    assert stale.get_json()["current"]["address"] == "甲"


@pytest.mark.parametrize("path, body", [
    ("steps/survey/complete", {}),
    ("steps/meter_install/start", {}),
    ("steps/municipal_approval/skip", {"note": "无需审批"}),
    ("pauses", {"reason": "municipal_approval"}),
    ("cancel", {"reason": "客户撤回"}),
])
def test_every_state_change_needs_a_version(api, app, number, path, body):
    url = f"/api/v1/applications/{number}/{path}"
    before = api.application(number), table_counts(app)
    assert api.client.post(url, json=body, headers=api.headers).status_code == 428
    stale = api.client.post(url, json=body, headers={**api.headers, "If-Match": '"999"'})
    assert stale.status_code == 412
    assert (api.application(number), table_counts(app)) == before
    done = api.client.post(url, json=body, headers={**api.headers, **api.if_match(number)})
    assert done.status_code in (200, 201, 409), done.get_data(True)  # 409: the flow refuses


def test_the_openapi_documents_if_match_and_the_precondition_answers(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    patch = spec["paths"]["/api/v1/applications/{number}"]["patch"]
    assert {"412", "428", "409"} <= set(patch["responses"])
    assert "If-Match" in [p["name"] for p in patch.get("parameters", [])]


FEATURE_CHANGES = {
    "/api/v1/intake/records/{record_id}/screen": "IntakeRecordOut",
    "/api/v1/aftercare/callbacks/{callback_id}/result": "CallbackOut",
    "/api/v1/aftercare/callbacks/{callback_id}/assignment": "CallbackOut",
    "/api/v1/aftercare/follow-ups/{follow_up_id}/close": "FollowUpOut",
    "/api/v1/problems/{number}/verify": "ProblemOut",
    "/api/v1/problems/{number}/rectified": "ProblemOut",
    "/api/v1/problems/{number}/recheck": "ProblemOut",
    "/api/v1/problems/{number}/issue": "ProblemOut",
    "/api/v1/problems/{number}/adjust": "ProblemOut",
    "/api/v1/applications/{number}/documents/waivers": "ApplicationOut",
    "/api/v1/applications/{number}/attachments": "ApplicationOut",  # with `replaces`
}


def _schema(spec, answer):
    return spec["components"]["schemas"][answer["content"]["application/json"]["schema"][
        "$ref"].rsplit("/", 1)[1]]


def test_the_features_changes_document_if_match_and_the_resource_in_409_and_412(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, resource in FEATURE_CHANGES.items():
        post = spec["paths"][path]["post"]
        assert {"409", "412", "428"} <= set(post["responses"]), path
        assert "If-Match" in [p["name"] for p in post["parameters"]], path
        for status in ("409", "412"):
            current = _schema(spec, post["responses"][status])["properties"]["current"]
            assert current["allOf"] == [{"$ref": f"#/components/schemas/{resource}"}], path
    for path in ("/api/v1/intake/records/{record_id}", "/api/v1/problems/{number}",
                 "/api/v1/aftercare/callbacks/{callback_id}",
                 "/api/v1/aftercare/follow-ups/{follow_up_id}"):
        assert "get" in spec["paths"][path], path


def test_a_method_not_allowed_is_405_with_allow(api):
    response = api.client.delete("/api/v1/applications", headers=api.headers)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.get_json()["code"] == 405
