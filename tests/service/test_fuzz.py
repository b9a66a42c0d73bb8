"""Random bodies against the intake, after-care and problem endpoints: never a 500, and every
refused platform push is kept in the rejected-intake log."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.service.conftest import table_counts

FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False), st.text(max_size=40),
                    st.sampled_from(["2026-10-12T10:00:00+08:00", "2026-10-12", "", "  ",
                                     "9999-01-01T00:00:00", "P-2026-000001", "满意", "x" * 400,
                                     "a\x00b", "\ud800", "\x1b[31m"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)),
    max_leaves=6)


def bodies(keys: list[str]):
    return st.one_of(st.dictionaries(st.sampled_from([*keys, "extra\x00"]), values,
                                     max_size=len(keys)), values)


PUSH_KEYS = ["external_id", "project_name", "company_name", "kind", "address", "contact_name",
             "contact_phone", "water_need", "requested_at"]


@FUZZ
@given(body=bodies(PUSH_KEYS))
def test_random_pushes_are_answered_and_refusals_logged(client, platform, app, body):
    before = table_counts(app)
    response = client.post("/api/v1/intake/projects", data=json.dumps(body).encode("utf-8",
                                                                                 "surrogatepass"),
                           headers={**platform, "Content-Type": "application/json"})
    assert response.status_code in (200, 201, 400, 413, 422), response.get_data(True)
    assert response.get_json()["code" if response.status_code >= 400 else "id"] is not None
    after = table_counts(app)
    if response.status_code >= 400:
        assert after["rejected_intakes"] == before["rejected_intakes"] + 1
        assert after["intake_records"] == before["intake_records"]
    else:
        assert after["rejected_intakes"] == before["rejected_intakes"]


@FUZZ
@given(create=bodies(["source", "description", "location", "department", "reported_at"]),
       verify=bodies(["is_problem", "note", "rectify_due_at", "version"]),
       recheck=bodies(["passed", "note", "rectify_due_at", "version"]))
def test_random_problem_requests_never_fail_with_500(client, auth, create, verify, recheck):
    response = client.post("/api/v1/problems", json=create, headers=auth)
    assert response.status_code in (201, 400, 422), response.get_data(True)
    number = response.get_json()["number"] if response.status_code == 201 else "P-2026-000001"
    for path, body in (("verify", verify), ("rectified", verify), ("recheck", recheck)):
        response = client.post(f"/api/v1/problems/{number}/{path}", json=body, headers=auth)
        assert response.status_code in (200, 400, 404, 409, 422), response.get_data(True)


@FUZZ
@given(result=bodies(["reached", "satisfied", "comment", "version"]),
       close=bodies(["action_taken", "evidence", "version"]),
       query=st.dictionaries(st.sampled_from(["year", "month", "status", "page", "per_page"]),
                             st.text(max_size=6), max_size=3))
def test_random_aftercare_requests_never_fail_with_500(client, auth, result, close, query):
    for url, body in (("/api/v1/aftercare/callbacks/1/result", result),
                      ("/api/v1/aftercare/follow-ups/1/close", close)):
        response = client.post(url, json=body, headers=auth)
        assert response.status_code in (400, 404, 409, 422), response.get_data(True)
    for url in ("/api/v1/aftercare/rates", "/api/v1/aftercare/callbacks",
                "/api/v1/aftercare/follow-ups"):
        response = client.get(url, query_string=query, headers=auth)
        assert response.status_code in (200, 400, 422), response.get_data(True)
