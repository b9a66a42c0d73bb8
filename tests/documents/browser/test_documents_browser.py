"""In a real browser: the customer's public pages on a 390 px phone (procedures, an online
appointment, the progress page), and attaching a photo on a 768 px tablet; screenshots of each
in Chinese and English under test-artifacts/screenshots/."""
from __future__ import annotations

import pytest

from tests.fixtures.documents import jpeg_bytes
from tests.fixtures.web import PASSWORD
from tracker.documents.models import Attachment
from tracker.extensions import db
from tracker.services.applications import NewApplication, create_application
from tracker.settings import reconfigure

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}


def _application(app, **fields) -> str:
    with app.app_context():
        number = create_application(NewApplication(**fields), None).number
        db.session.remove()
    return number


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_the_public_pages_on_a_phone(app, live_server, in_browser, working_morning,
                                     screenshots):
    reconfigure(app, TRACKER_UTILITY_NAME="芜湖华衍水务有限公司")
    number = _application(app, flow="201", customer_name="芜湖某置业有限公司",
                          contact_name="张经理", contact_phone="13955531234")
    in_browser(lambda new_page: _public_pages(new_page(PHONE["width"], PHONE["height"]),
                                              live_server, number, screenshots))


def _public_pages(page, base: str, number: str, screenshots) -> None:
    for lang in ("zh", "en"):
        page.goto(f"{base}/language/{lang}?next=/procedures")
        assert page.locator("h1").inner_text() == ("办事指南与收费" if lang == "zh"
                                                   else "Procedures and fees")
        _no_sideways_scroll(page)
        page.screenshot(path=str(screenshots / f"public-procedures-390-{lang}.png"),
                        full_page=True)

        page.goto(f"{base}/appointment")
        page.screenshot(path=str(screenshots / f"public-appointment-390-{lang}.png"),
                        full_page=True)
        page.click("button[type=submit]")  # empty: every mistake marked at once
        assert page.locator(".pub-error").count() >= 4
        page.select_option("select[name=customer_type]", "company")
        page.fill("input[name=customer_name]", "芜湖某食品有限公司")
        page.fill("input[name=contact_name]", "李经理")
        page.fill("input[name=contact_phone]", "13955536789")
        page.fill("input[name=address]", "芜湖市弋江区花津南路 18 号")
        page.select_option("select[name=purpose]", "business")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(".pub-done").count() == 1, page.content()[:2000]
        _no_sideways_scroll(page)
        page.screenshot(path=str(screenshots / f"public-appointment-done-390-{lang}.png"),
                        full_page=True)

        page.goto(f"{base}/progress?number={number}")  # the QR code's link
        assert page.input_value("#number") == number
        page.fill("#phone", "1234")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        current = page.locator(".pub-step-current strong").first.inner_text()
        assert current == ("现场查勘资料上传" if lang == "zh" else "Upload the survey materials") \
            or current in ("申请受理", "Accept the application")
        _no_sideways_scroll(page)
        page.screenshot(path=str(screenshots / f"public-progress-390-{lang}.png"),
                        full_page=True)
        page.fill("#number", number)
        page.fill("#phone", "0000")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(".pub-alert-error").count() == 1
        page.screenshot(path=str(screenshots / f"public-progress-refused-390-{lang}.png"),
                        full_page=True)


def test_attaching_a_photo_on_a_tablet(app, live_server, in_browser, make_user,
                                       working_morning, screenshots, tmp_path):
    reconfigure(app, TRACKER_REQUIRE_DOCUMENTS=True)
    make_user("engineer", "gong", department="engineering")
    number = _application(app, flow="101", customer_name="芜湖某工业园区项目",
                          channel="platform", requested_at=working_morning)
    photo = jpeg_bytes(tmp_path)
    in_browser(lambda new_page: _attach_photo(new_page(TABLET["width"], TABLET["height"]),
                                              live_server, number, photo, screenshots))
    with app.app_context():
        (row,) = db.session.scalars(db.select(Attachment)).all()
        assert (row.content_type, row.size, row.kind) == ("image/jpeg", len(photo), "客户验收确认单")
        db.session.remove()


def _attach_photo(page, base: str, number: str, photo: bytes, screenshots) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "gong")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    for lang in ("zh", "en"):
        page.goto(f"{base}/language/{lang}?next=/applications/{number}")
        assert page.locator("#file-camera").get_attribute("capture") == "environment", \
            page.content()[:3000]
        if lang == "zh":  # refused: the signed acceptance is not on file yet
            page.locator("#step-meter_install button[type=submit]").first.click()
            page.wait_for_load_state()
            assert "客户验收确认单" in page.locator(".alert-error").first.inner_text()
            page.select_option("select[name=kind]", "客户验收确认单")
            page.set_input_files("#file-camera", files=[{
                "name": "IMG_2041.JPG", "mimeType": "image/jpeg", "buffer": photo}])
            page.locator("#attach button[type=submit]").click()
            page.wait_for_load_state()
            assert "IMG_2041.JPG" in page.locator(".alert-success").first.inner_text()
            page.locator("#step-meter_install button[type=submit]").first.click()
            page.wait_for_load_state()
            assert page.locator(".alert-error").count() == 0
        _no_sideways_scroll(page)
        page.locator("#documents").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / f"documents-attach-768-{lang}.png"),
                        full_page=True)
