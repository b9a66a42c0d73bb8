"""Real concurrent requests against a threaded HTTP server: one wins, the other gets 409 with
the application as it now stands; numbers stay unique and gap-free."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.api import fire_at_once, table_counts
from tests.fixtures.app import local


def _bearer(auth: dict[str, str]) -> dict[str, str]:
    return {**auth, "Accept-Language": "en"}


@pytest.mark.parametrize("flow, done_first, code", [
    ("201", [], "survey"),
    # the step that turns the water on also finishes the application and opens the callback
    ("211", ["supply_plan"], "water_on"),
])
def test_two_clerks_complete_the_same_step_at_once(api, app, auth, live_server, frozen,
                                                   flow, done_first, code):
    frozen(local(2026, 10, 12, 9, 0), tick=True)
    number = api.create(flow)["number"]
    for earlier in done_first:
        api.step(number, earlier)
    events_before = table_counts(app)["events"]

    read = api.if_match(number)  # both clerks read the application, then complete the step

    def complete(session, _index):
        return session.post(f"{live_server}/api/v1/applications/{number}/steps/{code}/complete",
                            json={}, headers={**_bearer(auth), **read}, timeout=60)

    responses = fire_at_once(2, complete)
    statuses = sorted(r.status_code for r in responses)
    # the loser is told its copy is stale: 412 if the winner had committed when its If-Match
    # was checked, else 409 from the optimistic lock
    assert statuses in ([200, 409], [200, 412]), [r.text for r in responses]
    loser = next(r for r in responses if r.status_code != 200).json()
    assert loser["message"]
    # the current state: the step is done (by the winner)
    step = next(s for s in loser["current"]["steps"] if s["code"] == code)
    assert step["status"] == "done"
    # exactly one completion logged, one step done
    assert table_counts(app)["events"] == events_before + 1
    after = api.application(number)
    assert [s["status"] for s in after["steps"] if s["code"] == code] == ["done"]
    if code == "water_on":
        assert after["status"] == "completed"
        assert table_counts(app)["callbacks"] == 1


def test_two_edits_with_the_same_version_at_once(api, app, auth, live_server, frozen):
    frozen(local(2026, 10, 12, 9, 0), tick=True)
    created = api.create("201", contact_phone="0553-1234567")
    number, version = created["number"], created["version"]

    def edit(session, index):
        return session.patch(f"{live_server}/api/v1/applications/{number}",
                             json={"contact_phone": f"1390000000{index}", "version": version},
                             headers=_bearer(auth), timeout=60)

    responses = fire_at_once(2, edit)
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    loser = next(r for r in responses if r.status_code == 409).json()
    # no lost update: the stored phone is the winner's, and the loser is shown it
    assert api.application(number)["contact_phone"] == winner["contact_phone"]
    assert loser["current"]["contact_phone"] == winner["contact_phone"]
    assert loser["current"]["version"] == winner["version"] == version + 1
    updates = [e for e in api.get(f"/api/v1/applications/{number}/events")
               if e["action"] == "application.updated"]
    assert len(updates) == 1


def test_two_pauses_at_once_only_one_opens(api, auth, live_server, frozen):
    frozen(local(2026, 10, 12, 9, 0), tick=True)
    number = api.create("201")["number"]

    read = api.if_match(number)

    def pause(session, _index):
        return session.post(f"{live_server}/api/v1/applications/{number}/pauses",
                            json={"reason": "missing_documents", "step": "survey"},
                            headers={**_bearer(auth), **read},
                            timeout=60)

    responses = fire_at_once(2, pause)
    assert sorted(r.status_code for r in responses) in ([201, 409], [201, 412]), \
        [r.text for r in responses]
    assert len(api.application(number)["pauses"]) == 1


def test_concurrent_creates_get_unique_gap_free_numbers(api, auth, live_server, frozen):
    frozen(local(2026, 10, 12, 9, 0), tick=True)
    count = 12

    def create(session, index):
        return session.post(f"{live_server}/api/v1/applications",
                            json={"flow": "211", "customer_name": f"客户{index}"},
                            headers=_bearer(auth), timeout=60)

    responses = fire_at_once(count, create)
    assert [r.status_code for r in responses] == [201] * count, [r.text for r in responses]
    numbers = sorted(r.json()["number"] for r in responses)
    assert all(re.fullmatch(r"211-2026-\d{6}", n) for n in numbers)
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, count + 1))
    listed = api.get("/api/v1/applications?flow=211&per_page=50")
    assert listed["total"] == count


def test_a_database_busy_too_long_is_a_409_not_a_500(ctx):
    """SQLite: a writer that waited out busy_timeout is told to try again (nothing saved)."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from tracker.services.errors import Conflict
    from tracker.services.transaction import transactional

    @transactional
    def blocked():
        raise OperationalError("UPDATE applications …", {},
                               sqlite3.OperationalError("database is locked"))

    with pytest.raises(Conflict) as raised:
        blocked()
    assert raised.value.message == "Another change is being saved; try again in a moment."

    @transactional
    def broken():
        raise OperationalError("SELECT …", {}, sqlite3.OperationalError("no such table: x"))

    with pytest.raises(OperationalError):  # anything else is a real fault, not a conflict
        broken()
