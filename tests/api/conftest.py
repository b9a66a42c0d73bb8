"""API test helpers: a JSON client with a clerk's token, snapshots of the whole database for
"nothing changed" checks, and a real threaded HTTP server for concurrency tests."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa


class ApiClient:
    """The Flask test client with JSON in and out; each call asserts the expected status."""

    def __init__(self, client, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def _call(self, method: str, url: str, status: int | None, json: Any = None,
              headers: dict[str, str] | None = None, **kwargs: Any):
        response = getattr(self.client, method)(
            url, json=json, headers={**self.headers, **(headers or {})}, **kwargs)
        if status is not None:
            assert response.status_code == status, (response.status_code, response.get_data(True))
        return response

    def get(self, url: str, status: int | None = 200, **kwargs: Any) -> Any:
        return self._call("get", url, status, **kwargs).get_json()

    def post(self, url: str, json: Any = None, status: int | None = 200, **kwargs: Any) -> Any:
        return self._call("post", url, status, json=json if json is not None else {},
                          **kwargs).get_json()

    def patch(self, url: str, json: Any = None, status: int | None = 200, **kwargs: Any) -> Any:
        return self._call("patch", url, status, json=json, **kwargs).get_json()

    def create(self, flow: str = "201", status: int = 201, **fields: Any) -> Any:
        body = {"flow": flow, "customer_name": "芜湖某置业有限公司", **fields}
        return self.post("/api/v1/applications", body, status=status)

    def application(self, number: str) -> Any:
        return self.get(f"/api/v1/applications/{number}")

    def step(self, number: str, code: str, action: str = "complete", status: int = 200,
             **body: Any) -> Any:
        return self.post(f"/api/v1/applications/{number}/steps/{code}/{action}", body,
                         status=status)


@pytest.fixture
def api(client, auth) -> ApiClient:
    """The API as a clerk of the connection team."""
    return ApiClient(client, auth)


@pytest.fixture
def api_as(client, make_user):
    """api_as("auditor") → an ApiClient authenticated as a new user of that role."""

    def build(role: str, department: str | None = "connection_team") -> ApiClient:
        _, token = make_user(role, department=department)
        return ApiClient(client, {"Authorization": f"Bearer {token}"})

    return build


def table_counts(app) -> dict[str, int]:
    """Rows per table: a refused request must leave every one of them as it was."""
    from tracker.extensions import db

    with app.app_context():
        counts = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
                  for table in db.metadata.sorted_tables}
        db.session.remove()
    return counts


@pytest.fixture
def snapshot(app, api):
    """snapshot(number) → (the full GET of the application, rows per table)."""

    def take(number: str) -> tuple[Any, dict[str, int]]:
        return api.application(number), table_counts(app)

    return take


@pytest.fixture
def other_app(app, database_url):
    """other_app(**config) → a second app on the test database with other settings (e.g.
    TRACKER_FLOWS_DIR); its connections are closed afterwards."""
    from tests.conftest import _make_app
    from tracker.extensions import db

    built = []

    def build(**overrides):
        built.append(_make_app(database_url, **overrides))
        return built[-1]

    yield build
    for other in built:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app behind a real threaded HTTP server (werkzeug) on a free port; yields its URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def fire_at_once(count: int, request) -> list[Any]:
    """Run request(session) in `count` threads released together; return their results."""
    import requests

    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        with requests.Session() as session:
            try:
                barrier.wait(timeout=30)
                results[index] = request(session, index)
            except BaseException as exc:  # noqa: BLE001  (reported by the caller, not lost)
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results
