"""Random bodies against the assessment's endpoints, as the assessor and as a department:
never a 500, and a refused change leaves the review as it was."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fixtures.fuzz import FUZZ, bodies

CHANGES = ["points", "backdated", "items", "issue", "appeals", "appeals/1/decision"]
KEYS = ["key", "points", "reason", "confirm", "department", "rule", "evidence", "upheld",
        "version"]


@pytest.fixture
def people(api_as):
    return {"assessor": api_as("assessor", "kaohe-f", department="human_resources"),
            "engineer": api_as("engineer", "gong-f", department="engineering")}


@FUZZ
@given(who=st.sampled_from(["assessor", "engineer"]), action=st.sampled_from(CHANGES),
       month=st.sampled_from(["2026-08", "2026-13", "x", "2099-12"]), body=bodies(KEYS),
       if_match=st.sampled_from([None, '"0"', '"1"', "*", "nonsense"]))
def test_random_assessment_requests_never_fail_with_500(people, who, action, month, body,
                                                        if_match):
    client = people[who]
    headers = {"If-Match": if_match} if if_match else {}
    response = client.client.post(f"/api/v1/assessment/{month}/{action}", json=body,
                                  headers={**client.headers, **headers})
    assert response.status_code in (200, 201, 400, 403, 404, 409, 412, 422, 428), \
        response.get_data(True)
    for url in (f"/api/v1/assessment/{month}", f"/api/v1/assessment/{month}/mine"):
        answer = client.client.get(url, headers=client.headers)
        assert answer.status_code in (200, 403, 404, 422), answer.get_data(True)
