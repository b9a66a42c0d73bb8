"""Random pushes: never a 500, and every refused push is kept in the rejected-intake log."""
from __future__ import annotations

import json

from hypothesis import given

from tests.fixtures.api import table_counts
from tests.fixtures.fuzz import FUZZ, bodies

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
