"""Fixtures for intake, after-care and problem-library tests: platform tokens, a JSON client,
a 101 application made from a screened push, and the API helpers of tests/api."""
from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import ApiClient, fire_at_once, live_server, table_counts  # noqa: F401
from tests.conftest import local


@pytest.fixture(autouse=True)
def _a_monday_in_october(request) -> None:
    """Each test starts frozen at Monday 2026-10-12 09:00 Beijing time (tests move on from it
    with `frozen`), so the dates in the sample pushes are never stale. Browser tests freeze
    their own time in the future: the browser checks cookie expiry against the real clock."""
    if request.node.get_closest_marker("browser") is None:
        request.getfixturevalue("frozen")(local(2026, 10, 12, 9, 0))


@pytest.fixture
def api(client, auth) -> ApiClient:
    """The API as a clerk of the connection team."""
    return ApiClient(client, auth)


@pytest.fixture
def api_as(client, make_user):
    """api_as("auditor") → an ApiClient for a new user of that role."""

    def build(role: str, username: str | None = None,
              department: str | None = "connection_team") -> ApiClient:
        _, token = make_user(role, username, department=department)
        return ApiClient(client, {"Authorization": f"Bearer {token}"})

    return build


@pytest.fixture
def platform(make_user) -> dict[str, str]:
    """Bearer headers of the 工改 platform's machine account (username = platform code)."""
    _, token = make_user("platform", "gongai", department=None)
    return {"Authorization": f"Bearer {token}"}


def project(external_id: str = "GG-2026-0001", **fields: Any) -> dict[str, Any]:
    """A construction-project push as the 工改 platform sends it."""
    return {"external_id": external_id, "project_name": "芜湖某置业有限公司 江北花园项目",
            "address": "芜湖市鸠江区江北大道 88 号", "contact_name": "王工",
            "contact_phone": "13905530000", "water_need": "DN100，日用水 50 m³",
            "requested_at": "2026-10-12T10:00:00+08:00", **fields}


@pytest.fixture
def push(client, platform):
    """push(body, status=201) → the receipt JSON."""

    def send(body: dict[str, Any] | None = None, status: int | None = 201, **kwargs: Any):
        response = client.post("/api/v1/intake/projects", json=body or project(),
                               headers={**platform, **kwargs.pop("headers", {})}, **kwargs)
        if status is not None:
            assert response.status_code == status, (response.status_code, response.get_data(True))
        return response.get_json()

    return send


@pytest.fixture
def water_on(api, push):
    """water_on(external_id) → the number of a 101 application screened from a push and whose
    meter is installed now (so its callback is open)."""

    def make(external_id: str = "GG-2026-0100", **fields: Any) -> str:
        record = push(project(external_id, **fields))
        screened = api.post(f"/api/v1/intake/records/{record['id']}/screen",
                            {"decision": "needs_water"})
        number = screened["application_number"]
        api.step(number, "meter_install")
        return number

    return make


# The staff pages' log-in helpers (tests/web/conftest.py).
from tests.web.conftest import csrf_token, login, web_login  # noqa: F401
