"""Random bodies against the after-care endpoints: never a 500."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fixtures.fuzz import FUZZ, bodies


@FUZZ
@given(result=bodies(["reached", "satisfied", "comment", "version"]),
       close=bodies(["action_taken", "evidence", "version"]),
       query=st.dictionaries(st.sampled_from(["year", "month", "status", "page", "per_page"]),
                             st.text(max_size=6), max_size=3))
def test_random_aftercare_requests_never_fail_with_500(client, auth, result, close, query):
    for url, body in (("/api/v1/aftercare/callbacks/1/result", result),
                      ("/api/v1/aftercare/follow-ups/1/close", close)):
        response = client.post(url, json=body, headers=auth)
        assert response.status_code in (400, 404, 409, 412, 422, 428), response.get_data(True)
    for url in ("/api/v1/aftercare/rates", "/api/v1/aftercare/callbacks",
                "/api/v1/aftercare/follow-ups"):
        response = client.get(url, query_string=query, headers=auth)
        assert response.status_code in (200, 400, 422), response.get_data(True)
