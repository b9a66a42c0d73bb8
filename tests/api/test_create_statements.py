"""A create is cheap in round trips (issue 15: writes that scale with workers): its input is
checked against the flow versions once, a new application's pauses are never read, its steps
and clocks are written without being updated twice, and the answer reads the committed
application once."""
from __future__ import annotations

from tests.fixtures.app import local, statements_during


def _create(client, auth, name: str) -> dict:
    answer = client.post("/api/v1/applications", json={"flow": "211", "customer_name": name},
                         headers=auth)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_create_runs_a_fixed_small_number_of_statements(app, backend, client, auth, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    _create(client, auth, "甲公司")  # the process's first create (flow definitions parsed)
    body: dict = {}
    statements = statements_during(app, lambda: body.update(_create(client, auth, "乙公司")))
    words = [" ".join(s.split()).upper() for s in statements]

    def count(prefix: str) -> int:
        return sum(w.startswith(prefix) for w in words)

    assert count("SELECT FLOW_VERSIONS.") == 1  # the schema's check and the service's share it
    assert sum("FROM PAUSES" in w for w in words) == 1  # the answer's; none while creating
    assert count("UPDATE STEP_RECORDS") == 1  # the step made ready gets its clock in one UPDATE
    # The application's and the step's clocks (and the steps): one batched INSERT on
    # PostgreSQL; SQLAlchemy does not batch an INSERT whose keys it needs back on SQLite.
    assert count("INSERT INTO SLA_TIMERS") == (1 if backend == "postgresql" else 2)
    assert count("UPDATE APPLICATIONS") == 1  # its clock's id
    assert count("SELECT APPLICATIONS.") == 1  # the answer reads the committed application once
    assert len(set(words)) <= 14, "\n".join(w[:90] for w in words)
    if backend == "postgresql":
        assert len(statements) <= 14, "\n".join(w[:90] for w in words)  # 22 before issue 15
    # The answer is the application as stored.
    again = client.get(f"/api/v1/applications/{body['number']}", headers=auth).get_json()
    assert {k: v for k, v in body.items() if k != "warnings"} == again
    assert body["version"] == 2
    assert body["steps"][0]["status"] == "done"  # 申请受理, done at registration
    assert "ready" in [s["status"] for s in body["steps"]]  # the next one, its clock running
