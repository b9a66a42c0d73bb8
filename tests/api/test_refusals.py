"""Refused step logging: a clear error naming each bad field and why, and nothing changed
(the full application as read before and after, and the rows of every table)."""
from __future__ import annotations

import pytest

from tests.fixtures.app import local

EN = {"Accept-Language": "en"}


@pytest.fixture
def open_201(api, frozen):
    """A 201 application accepted Monday 2026-10-12 09:00; now is 11:00 the same day."""
    traveller = frozen(local(2026, 10, 12, 9, 0))
    number = api.create("201")["number"]
    traveller.move_to(local(2026, 10, 12, 11, 0))
    return number


def _refused(api, snapshot, number, url, body, status):
    """POST body to url as a clerk reading English; assert the status and that nothing changed."""
    before = snapshot(number)
    response = api.client.post(url, json=body,
                               headers={**api.headers, **api.if_match(number), **EN})
    assert response.status_code == status, response.get_data(True)
    assert snapshot(number) == before
    return response.get_json()


def test_out_of_order_is_refused(api, snapshot, open_201):
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/system_entry/complete", {}, 409)
    assert body["message"] == "Step system_entry cannot be done before meter_install."
    assert body["current"]["number"] == open_201
    # a step that must be started first cannot be completed straight away either
    api.step(open_201, "survey")
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/meter_stock_entry/complete", {}, 409)
    assert body["message"] == "Step meter_stock_entry must be started before it is completed."


def test_out_of_order_start_is_refused(api, snapshot, open_201):
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/meter_install/start", {}, 409)
    assert body["message"] == ("Step meter_install cannot be done before survey, "
                               "municipal_approval.")


def test_twice_is_refused(api, snapshot, open_201):
    api.step(open_201, "survey")
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/survey/complete", {}, 409)
    assert body["message"] == "Step survey is already completed."
    assert body["status"] == "Conflict"
    # the body carries the application as it stands, step done once
    survey = next(s for s in body["current"]["steps"] if s["code"] == "survey")
    assert survey["status"] == "done"
    # acceptance was recorded by registering: a second entry of it is refused the same way
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/accept/complete", {}, 409)
    assert body["message"] == "Step accept is already completed."


def test_in_the_future_is_refused(api, snapshot, open_201):
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/survey/complete",
                    {"at": "2026-10-12T13:00:00+08:00"}, 422)
    assert body["errors"] == {"at": ["Cannot be in the future."]}


@pytest.mark.parametrize("value", ["2026-13-45T10:00:00", "yesterday", "2026-10-12 25:00", 12,
                                   "1999-10-12T10:00:00+08:00"])
def test_a_malformed_date_is_refused(api, snapshot, open_201, value):
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/survey/complete", {"at": value}, 422)
    assert list(body["errors"]) == ["at"]
    assert body["errors"]["at"][0] in ("Not a valid datetime.", "Date out of range (2000–2099).")


def test_before_the_step_could_start_is_refused(api, snapshot, open_201):
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/survey/complete",
                    {"at": "2026-10-12T08:59:00+08:00"}, 422)
    assert body["errors"] == {"at": ["Cannot be before the step could start."]}


def test_before_the_previous_step_was_done_is_refused(api, snapshot, open_201):
    api.step(open_201, "survey", at="2026-10-12T10:00:00+08:00")
    api.step(open_201, "municipal_approval", at="2026-10-12T10:30:00+08:00")
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/meter_install/start",
                    {"at": "2026-10-12T10:15:00+08:00"}, 422)
    assert body["errors"] == {"at": ["Cannot be before the step could start."]}


def test_beyond_the_back_dating_window_is_refused(api, snapshot, open_201, frozen):
    # five working days later: completing "at 10:00 on the first day" is beyond 3 working days
    frozen(local(2026, 10, 19, 10, 0))
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/survey/complete",
                    {"at": "2026-10-12T10:00:00+08:00"}, 422)
    assert body["errors"] == {"at": ["Beyond the back-dating window."]}
    # within the window it is accepted
    done = api.step(open_201, "survey", at="2026-10-15T10:00:00+08:00")
    survey = next(s for s in done["steps"] if s["code"] == "survey")
    assert survey["completed_at"] == "2026-10-15T10:00:00+08:00"
    assert survey["sla"]["state"] == "done_late"


def test_unknown_step_is_refused(api, snapshot, open_201):
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/no_such_step/complete", {}, 404)
    assert body["message"] == "Flow 201 has no step no_such_step."


def test_unknown_application_is_refused(api, app, open_201):
    from tests.fixtures.api import table_counts

    before = table_counts(app)
    for url, body in (("/api/v1/applications/201-2026-999999/steps/accept/complete", {}),
                      ("/api/v1/applications/201-2026-999999/steps/accept/start", {}),
                      ("/api/v1/applications/201-2026-999999/pauses",
                       {"reason": "missing_documents"}),
                      ("/api/v1/applications/201-2026-999999/pauses/1/end", {}),
                      ("/api/v1/applications/201-2026-999999/cancel", {"reason": "x"})):
        response = api.client.post(url, json=body, headers={**api.headers, **EN})
        assert response.status_code == 404, url
        assert response.get_json()["message"] == "No application numbered 201-2026-999999."
    assert api.get("/api/v1/applications/201-2026-999999", status=404)["code"] == 404
    assert table_counts(app) == before


def test_unknown_flow_is_refused(api, app, frozen):
    from tests.fixtures.api import table_counts

    frozen(local(2026, 10, 12, 9, 0))
    api.get("/api/v1/flows")  # flow versions stored first, so only the refusal is compared
    before = table_counts(app)
    response = api.client.post("/api/v1/applications", json={"flow": "999", "customer_name": "x"},
                               headers={**api.headers, **EN})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"flow": ["Unknown flow."]}
    assert table_counts(app) == before


def test_a_bad_application_names_every_field(api, app, frozen):
    """The fields' own errors and the service's (the flow's attributes, the dates) in one
    answer: a client corrects everything in one round."""
    from tests.fixtures.api import table_counts

    frozen(local(2026, 10, 12, 9, 0))
    api.get("/api/v1/flows")
    before = table_counts(app)
    response = api.client.post("/api/v1/applications", headers={**api.headers, **EN}, json={
        "flow": "201", "customer_name": "x", "channel": "fax",
        "attributes": {"external_works": "huge", "colour": "red"},
        "missing_materials": ["营业执照"], "accepted_at": "2026-10-12T10:00:00+08:00"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "channel": ["Must be one of: window, online, phone, platform."],
        "accepted_at": ["Cannot be in the future."],
        "attributes.colour": ["This flow has no such attribute."],
        "attributes.external_works": ["This flow has no such attribute."],
        "materials_promised_on": [
            "Accepted with missing materials: give the date the customer promised them."],
    }
    assert table_counts(app) == before


def test_an_edit_of_a_stale_version_is_refused(api, snapshot, open_201):
    version = api.application(open_201)["version"]
    api.step(open_201, "survey")
    before = snapshot(open_201)
    response = api.client.patch(f"/api/v1/applications/{open_201}",
                                json={"address": "芜湖市镜湖区", "version": version},
                                headers={**api.headers, **EN})
    assert response.status_code == 409
    assert response.get_json()["message"] == (
        f"Someone else changed application {open_201} first; reload and try again.")
    assert response.get_json()["current"]["version"] == version + 1
    assert snapshot(open_201) == before


def test_an_edit_with_several_bad_fields_names_each_and_changes_nothing(api, snapshot, open_201):
    before = snapshot(open_201)
    response = api.client.patch(f"/api/v1/applications/{open_201}", headers={**api.headers, **EN},
                                json={"customer_name": "", "contact_phone": "1" * 41,
                                      "number": "x"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors == {"customer_name": ["Length must be between 1 and 200."],
                      "contact_phone": ["Longer than maximum length 40."],
                      "number": ["Unknown field."]}
    assert snapshot(open_201) == before


def test_an_edit_the_service_refuses_changes_nothing(api, snapshot, open_201):
    before = snapshot(open_201)
    response = api.client.patch(f"/api/v1/applications/{open_201}",
                                headers={**api.headers, **api.if_match(open_201), **EN},
                                json={"materials_promised_on": "2026-10-01", "address": "芜湖"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "materials_promised_on": ["The promised date cannot be before acceptance."]}
    assert snapshot(open_201) == before


def test_a_requested_time_too_far_ahead_or_behind_is_refused(api, app, open_201):
    from tests.fixtures.api import table_counts

    before = table_counts(app)
    for requested, message in (("2099-12-31T10:00:00", "Cannot be more than a year ahead."),
                               ("2027-10-20T10:00:00", "Cannot be more than a year ahead."),
                               ("2026-10-01T10:00:00", "Beyond the back-dating window.")):
        response = api.client.post("/api/v1/applications", headers={**api.headers, **EN},
                                   json={"flow": "101", "customer_name": "x",
                                         "requested_at": requested})
        assert response.status_code == 422
        assert response.get_json()["errors"] == {"requested_at": [message]}
    assert table_counts(app) == before
    # within the window a requested time already passed is taken: the clock is running
    recent = api.create("101", requested_at="2026-10-09T09:00:00")
    assert recent["sla"]["state"] == "overdue"


def test_a_cancelled_application_refuses_steps(api, snapshot, open_201):
    api.as_read(open_201).post(f"/api/v1/applications/{open_201}/cancel", {"reason": "客户撤回申请"})
    body = _refused(api, snapshot, open_201,
                    f"/api/v1/applications/{open_201}/steps/survey/complete", {}, 409)
    assert body["message"] == f"Application {open_201} is cancelled."
