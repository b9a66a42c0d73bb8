"""Random bodies against the problem-library endpoints: never a 500."""
from __future__ import annotations

from hypothesis import given

from tests.fixtures.fuzz import FUZZ, bodies


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
        assert response.status_code in (200, 400, 403, 404, 409, 412, 422, 428), response.get_data(True)
