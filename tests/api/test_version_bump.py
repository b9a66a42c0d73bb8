"""Every change to an application bumps its version, even within one frozen instant."""
from tests.fixtures.app import local


def test_two_changes_at_the_same_instant_both_bump_the_version(client, auth, frozen):
    frozen(local(2026, 10, 12, 9, 0))  # time does not move between the requests
    created = client.post("/api/v1/applications", json={"flow": "201", "customer_name": "甲公司"},
                          headers=auth).get_json()
    number, version = created["number"], created["version"]
    first = client.post(f"/api/v1/applications/{number}/steps/survey/complete",
                        json={"version": version}, headers=auth)
    assert first.status_code == 200
    assert first.get_json()["version"] == version + 1
    # A second writer that read the same version is refused, nothing changed.
    stale = client.patch(f"/api/v1/applications/{number}",
                         json={"address": "北京东路1号", "version": version}, headers=auth)
    assert stale.status_code == 409
    assert stale.get_json()["current"]["address"] == ""
