"""Input a clerk gets wrong, through /api/v1: phone numbers are checked on POST and PATCH (and
in a platform's push), a second open application of the same customer and address is created
with a warning, and a 422 names every field error at once."""
from __future__ import annotations

import pytest

from tests.fixtures.api import table_counts
from tests.fixtures.app import local
from tests.fixtures.intake import project

EN = {"Accept-Language": "en"}
NOT_A_PHONE_ZH = "不是有效的电话号码。请填写手机号（如 13905530000"
NOT_A_PHONE_EN = "Not a phone number. Give a mobile (13905530000"


@pytest.fixture
def monday(frozen, api):
    frozen(local(2026, 10, 12, 10, 0), tick=True)
    api.get("/api/v1/flows")  # flow versions stored first, so only the refusal is compared


@pytest.mark.parametrize("phone", ["abc-电话", "12", "1390553000", "0553-12"])
def test_a_bad_phone_is_refused_with_an_example_in_both_languages(app, api, monday, phone):
    before = table_counts(app)
    body = api.create("201", contact_phone=phone, status=422)
    assert body["errors"]["contact_phone"][0].startswith(NOT_A_PHONE_ZH)
    assert "0553-5551234" in body["errors"]["contact_phone"][0]
    english = api.post("/api/v1/applications", {"flow": "201", "customer_name": "x",
                                                "contact_phone": phone},
                       status=422, headers=EN)
    assert english["errors"]["contact_phone"][0].startswith(NOT_A_PHONE_EN)
    assert table_counts(app) == before


def test_a_phone_is_taken_as_typed_with_only_the_spaces_around_it_trimmed(api, monday):
    body = api.create("201", contact_phone="  +86 139-0553-0000 ")
    assert body["contact_phone"] == "+86 139-0553-0000"
    again = api.create("201", contact_phone="0553-5551234转123")
    assert again["contact_phone"] == "0553-5551234转123"


def test_an_edit_with_a_bad_phone_changes_nothing(api, snapshot, monday):
    number = api.create("201", contact_phone="0553-1111111")["number"]
    before = snapshot(number)
    body = api.patch(f"/api/v1/applications/{number}", {"contact_phone": "abc-电话"},
                     status=422)
    assert body["errors"]["contact_phone"][0].startswith(NOT_A_PHONE_ZH)
    assert snapshot(number) == before


def test_a_platform_push_with_a_bad_phone_is_refused_and_logged(app, push, a_monday_in_october):
    from tracker.extensions import db

    body = push(project("GG-2026-0900", contact_phone="abc-电话"), status=422)
    assert body["errors"]["contact_phone"][0].startswith(NOT_A_PHONE_ZH)
    with app.app_context():
        rows = db.session.execute(db.text("SELECT status_code FROM rejected_intakes")).all()
        assert [tuple(r) for r in rows] == [(422,)]
        assert db.session.scalar(db.text("SELECT count(*) FROM intake_records")) == 0
        db.session.remove()


# --- the same customer at the same address ------------------------------------------------

def test_a_second_open_application_is_created_with_a_warning(api, monday):
    first = api.create("201", customer_name="芜湖某置业有限公司", address="镜湖区 北京中路 1 号")
    assert first["warnings"] == []
    second = api.create("201", customer_name=" 芜湖某置业有限公司", address="镜湖区  北京中路 1 号 ")
    (warning,) = second["warnings"]
    assert warning["code"] == "possible_duplicate"
    assert warning["message"] == (
        f"同一客户、同一地址已有未办结的申请：{first['number']}。")
    assert [(a["number"], a["url"]) for a in warning["applications"]] == [
        (first["number"], f"/api/v1/applications/{first['number']}")]
    assert api.application(second["number"])["status"] == "open"
    other = api.create("201", customer_name="芜湖某置业有限公司", address="镜湖区北京中路 2 号")
    assert other["warnings"] == []


def test_the_warnings_are_in_the_openapi_document(api):
    spec = api.get("/api/v1/openapi.json")
    post = spec["paths"]["/api/v1/applications"]["post"]
    ref = post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    created = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert created["properties"]["warnings"]["type"] == "array"


# --- every error in one round -------------------------------------------------------------

def test_a_422_names_every_field_error_at_once(app, api, monday):
    """A missing name, a bad phone and a malformed date, with the service's own errors (flow
    101 needs the requested time; missing materials need their date) in the same body."""
    before = table_counts(app)
    response = api.client.post("/api/v1/applications", headers={**api.headers, **EN}, json={
        "flow": "101", "contact_phone": "12", "accepted_at": "2026-13-45T25:00",
        "missing_materials": ["营业执照"]})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors == {
        "customer_name": ["Missing data for required field."],
        "contact_phone": [errors["contact_phone"][0]],
        "accepted_at": ["Not a valid datetime."],
        "requested_at": ["This flow counts from the customer's requested time: give it."],
        "materials_promised_on": [
            "Accepted with missing materials: give the date the customer promised them."],
    }
    assert errors["contact_phone"][0].startswith(NOT_A_PHONE_EN)
    assert table_counts(app) == before


def test_an_edit_names_every_field_error_at_once(api, snapshot, monday):
    from datetime import date

    number = api.create("211", missing_materials=["产权证明"],
                        materials_promised_on=str(date(2026, 10, 16)))["number"]
    before = snapshot(number)
    response = api.client.patch(f"/api/v1/applications/{number}", headers={**api.headers, **EN},
                                json={"contact_phone": "abc-电话",
                                      "materials_promised_on": "2026-10-01"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["contact_phone"][0].startswith(NOT_A_PHONE_EN)
    assert errors["materials_promised_on"] == ["The promised date cannot be before acceptance."]
    assert snapshot(number) == before
