"""Input a clerk gets wrong, on the pages: phone numbers are checked, a second application of
the same customer at the same address is warned about (not refused), and every field error
shows in one round (the form's own and the service's)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.web import form_post, page_text, version_in

NEW = {"flow": "201", "customer_type": "company", "customer_name": "芜湖某餐饮有限公司",
       "contact_name": "李经理", "contact_phone": "13905530000", "address": "镜湖区北京中路 1 号",
       "channel": "window", "attr_201_external_works": "none"}
NOT_A_PHONE = "不是有效的电话号码。请填写手机号（如 13905530000"


@pytest.fixture
def monday(frozen):
    return frozen(local(2026, 10, 12, 10, 0), tick=True)


def numbers(app) -> list[str]:
    from tracker.extensions import db

    with app.app_context():
        found = list(db.session.scalars(sa.text("SELECT number FROM applications ORDER BY id")))
        db.session.remove()
        return found


def errors_at(page: str, field: str) -> list[str]:
    found = re.search(rf'<ul class="errors" id="{field}-errors">(.*?)</ul>', page, re.DOTALL)
    return re.findall(r"<li>(.*?)</li>", found.group(1), re.DOTALL) if found else []


# --- phone numbers ------------------------------------------------------------------------

@pytest.mark.parametrize("phone", ["abc-电话", "12", "0553-12", "+86 12345"])
def test_a_new_application_with_a_bad_phone_is_refused_with_an_example(
        app, client, web_login, monday, phone):
    web_login("clerk", "clerk1")
    response = form_post(client, "/applications/new", "/applications/new",
                         {**NEW, "contact_phone": phone})
    assert response.status_code == 422
    page = page_text(response)
    assert NOT_A_PHONE in errors_at(page, "contact_phone")[0]
    assert "0553-5551234" in errors_at(page, "contact_phone")[0]  # an example to copy
    assert numbers(app) == []


@pytest.mark.parametrize("phone", ["139 0553 0000", "+86 139-0553-0000", "(0553)5551234",
                                   "0553-5551234转123", "0553 5551234 ext 12", "95598",
                                   "400-123-4567", "5551234"])
def test_the_phone_forms_clerks_type_are_taken_as_typed(app, client, web_login, monday, phone):
    web_login("clerk", "clerk1")
    response = form_post(client, "/applications/new", "/applications/new",
                         {**NEW, "contact_phone": f"  {phone} "})
    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert phone in page
    from tracker.extensions import db

    with app.app_context():
        assert db.session.scalar(sa.text("SELECT contact_phone FROM applications")) == phone
        db.session.remove()


def test_editing_the_customer_refuses_a_bad_phone_and_changes_nothing(
        app, client, web_login, new_application, monday):
    web_login("clerk", "clerk1")
    number = new_application("201", contact_phone="0553-1111111")
    url = f"/applications/{number}"
    data = {"customer-customer_name": "芜湖某置业有限公司", "customer-contact_phone": "abc-电话",
            "customer-version": version_in(page_text(client.get(url)), "customer-")}
    response = form_post(client, url, f"{url}/customer", data)
    assert response.status_code == 422
    assert NOT_A_PHONE in errors_at(page_text(response), "customer-contact_phone")[0]
    assert "0553-1111111" in page_text(client.get(url))
    assert "abc-电话" not in page_text(client.get(url))


# --- the same customer at the same address ------------------------------------------------

def test_a_second_application_of_the_same_customer_and_address_is_warned_then_taken(
        app, client, web_login, new_application, monday):
    web_login("clerk", "clerk1")
    first = new_application("201", customer_name="芜湖某餐饮有限公司",
                            address="镜湖区北京中路 1 号")
    # Spaces typed differently are the same words.
    typed = {**NEW, "customer_name": " 芜湖某餐饮有限公司 ", "address": "镜湖区北京中路  1   号"}
    response = form_post(client, "/applications/new", "/applications/new", typed)
    assert response.status_code == 200
    page = page_text(response)
    warning = re.search(r'id="possible-duplicates">(.*?)</div>', page, re.DOTALL).group(1)
    assert "同一客户、同一地址已有未办结的申请" in warning
    assert f'href="/applications/{first}">{first}</a>' in warning
    assert 'name="create_anyway"' in page
    assert 'value="镜湖区北京中路  1   号"' in page  # what was typed stays
    assert numbers(app) == [first]

    response = form_post(client, "/applications/new", "/applications/new",
                         {**typed, "create_anyway": "y"})
    assert response.status_code == 302
    assert len(numbers(app)) == 2


def test_no_warning_for_another_address_or_a_closed_application(
        app, client, web_login, new_application, monday):
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services.applications import cancel_application

    web_login("clerk", "clerk1")
    cancelled = new_application("201", customer_name="芜湖某餐饮有限公司",
                                address="镜湖区北京中路 1 号")
    with app.app_context():
        actor = db.session.scalar(sa.select(User).where(User.username == "clerk1"))
        cancel_application(cancelled, "登记错误", actor)
        db.session.remove()
    new_application("201", customer_name="芜湖某餐饮有限公司", address="镜湖区北京中路 2 号")
    response = form_post(client, "/applications/new", "/applications/new", NEW)
    assert response.status_code == 302
    assert len(numbers(app)) == 3


# --- every error in one round -------------------------------------------------------------

def test_a_new_application_shows_every_error_in_one_round(app, client, web_login, monday):
    """A missing name, a bad phone and a malformed date (the form's errors) together with the
    service's: flow 101 needs the requested time, missing materials need their date."""
    web_login("clerk", "clerk1")
    response = form_post(client, "/applications/new", "/applications/new", {
        **NEW, "flow": "101", "customer_name": "", "contact_phone": "12",
        "accepted_at": "2026-13-45T25:00", "missing_materials": "营业执照"})
    assert response.status_code == 422
    page = page_text(response)
    assert errors_at(page, "customer_name") == ["该字段是必填字段。"]
    assert NOT_A_PHONE in errors_at(page, "contact_phone")[0]
    assert errors_at(page, "accepted_at")  # WTForms' own words for a malformed value
    assert errors_at(page, "requested_at")[0].startswith("该流程从客户要求的时间起算")
    assert errors_at(page, "materials_promised_on")[0].startswith("容缺受理：请填写客户承诺")
    assert numbers(app) == []


def test_editing_the_customer_shows_every_error_in_one_round(
        app, client, web_login, new_application, monday):
    from datetime import date

    web_login("clerk", "clerk1")
    number = new_application("211", missing_materials=["产权证明"],
                             materials_promised_on=date(2026, 10, 16))
    url = f"/applications/{number}"
    response = form_post(client, url, f"{url}/customer", {
        "customer-customer_name": "", "customer-contact_phone": "abc-电话",
        "customer-materials_promised_on": "2026-10-01",  # before acceptance: the service's
        "customer-version": version_in(page_text(client.get(url)), "customer-")})
    assert response.status_code == 422
    page = page_text(response)
    assert errors_at(page, "customer-customer_name") == ["该字段是必填字段。"]
    assert NOT_A_PHONE in errors_at(page, "customer-contact_phone")[0]
    assert errors_at(page, "customer-materials_promised_on") == ["承诺日期不能早于受理日期。"]
