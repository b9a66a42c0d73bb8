"""Idempotency-Key on creates: a retry with the same key gets the first answer and creates
nothing; the same key with another body is refused; keys are per user and live a day."""
from __future__ import annotations

from tests.fixtures.api import fire_at_once, table_counts
from tests.fixtures.app import local

BODY = {"flow": "201", "customer_name": "芜湖某置业有限公司"}


def _post(api, body, key, **headers):
    return api.client.post("/api/v1/applications", json=body,
                           headers={**api.headers, "Idempotency-Key": key, **headers})


def test_a_retry_with_the_same_key_returns_the_first_answer_and_creates_nothing(api, app):
    first = _post(api, BODY, "retry-1")
    assert first.status_code == 201, first.get_data(True)
    counts = table_counts(app)
    again = _post(api, BODY, "retry-1")
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert table_counts(app) == counts
    assert counts["applications"] == 1
    # another key is another application
    assert _post(api, BODY, "retry-2").get_json()["number"] != first.get_json()["number"]


def test_the_same_key_with_another_body_is_refused(api, app):
    assert _post(api, BODY, "k").status_code == 201
    counts = table_counts(app)
    refused = _post(api, {**BODY, "customer_name": "别的公司"}, "k", **{"Accept-Language": "en"})
    assert refused.status_code == 422
    assert refused.get_json()["message"] == ("This Idempotency-Key was already used for a "
                                             "different request; use a new key.")
    assert "已用于另一个请求" in _post(api, {**BODY, "note": "x"}, "k").get_json()["message"]
    assert table_counts(app) == counts


def test_keys_are_per_user_and_expire_after_a_day(api, api_as, app, frozen):
    traveller = frozen(local(2026, 10, 12, 9, 0))
    assert _post(api, BODY, "shared").status_code == 201
    other = api_as("clerk")
    assert _post(other, BODY, "shared").status_code == 201  # another user's key is another key
    assert table_counts(app)["applications"] == 2
    traveller.move_to(local(2026, 10, 13, 9, 1))
    assert _post(api, BODY, "shared").status_code == 201
    assert table_counts(app)["applications"] == 3
    # the expired keys were pruned: one per user is left
    assert table_counts(app)["idempotency_keys"] == 1


def test_a_refused_create_keeps_no_key(api, app):
    refused = _post(api, {"flow": "201"}, "bad-first")
    assert refused.status_code == 422
    assert table_counts(app)["idempotency_keys"] == 0
    assert _post(api, BODY, "bad-first").status_code == 201


def test_a_bad_key_is_refused(api, app):
    response = _post(api, BODY, "x" * 256, **{"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.get_json()["message"] == ("The Idempotency-Key header must be 1 to 255 "
                                              "printable characters.")
    assert table_counts(app)["applications"] == 0


def test_a_pause_takes_a_key_too(api, app):
    number = api.create()["number"]
    body = {"reason": "municipal_approval", "note": "市政审批中"}
    url = f"/api/v1/applications/{number}/pauses"
    headers = {**api.headers, **api.if_match(number), "Idempotency-Key": "pause-1"}
    first = api.client.post(url, json=body, headers=headers)
    assert first.status_code == 201, first.get_data(True)
    again = api.client.post(url, json=body, headers=headers)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert len(api.application(number)["pauses"]) == 1


def test_concurrent_posts_with_one_key_make_one_application(api, app, auth, live_server, frozen):
    frozen(local(2026, 10, 12, 9, 0), tick=True)

    def create(session, _index):
        return session.post(f"{live_server}/api/v1/applications", json=BODY,
                            headers={**auth, "Idempotency-Key": "at-once"}, timeout=60)

    responses = fire_at_once(4, create)
    assert [r.status_code for r in responses] == [201] * 4, [r.text for r in responses]
    assert len({r.json()["number"] for r in responses}) == 1
    assert table_counts(app)["applications"] == 1
    assert table_counts(app)["idempotency_keys"] == 1


def test_the_openapi_documents_the_header_on_every_create(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    creates = [(path, op) for path, item in spec["paths"].items()
               for method, op in item.items()
               if method == "post" and "201" in op.get("responses", {})
               and not path.startswith("/api/v1/intake")]
    assert len(creates) >= 7
    for path, op in creates:
        names = [p.get("name") for p in op.get("parameters", [])]
        assert "Idempotency-Key" in names, path
