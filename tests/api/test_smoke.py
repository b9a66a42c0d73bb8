from tests.fixtures.app import local


def test_201_end_to_end_smoke(client, auth, frozen):
    frozen(local(2026, 9, 30, 16, 0))
    r = client.post("/api/v1/applications", json={"flow": "201", "customer_name": "芜湖某公司"},
                    headers=auth)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["sla"]["due_at"].startswith("2026-10-08T16:00:00+08:00")
