"""Registering an application and working on it through the pages: errors at the field with
nothing lost, back-dated steps, conflicts, pauses, cancelling, the event log, read-only roles."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.web import csrf_token, page_text


@pytest.fixture
def monday(frozen):
    # Ticking: each change must happen at a later instant, or the application's row version
    # (bumped by touching updated_at) cannot tell two changes apart.
    return frozen(local(2026, 10, 12, 10, 0), tick=True)


def count(app, model) -> int:
    from tracker.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def load(app, number: str):
    """The application (steps and timer loaded) outside any request."""
    from tracker.extensions import db
    from tracker.services.applications import get_application

    with app.app_context():
        found = get_application(number)
        _ = [s.timer for s in found.steps], found.timer, found.pauses, found.created_by
        db.session.expunge_all()
        return found


def form_post(client, page_url: str, action: str, data: dict, **kwargs):
    page = page_text(client.get(page_url))
    return client.post(action, data={"csrf_token": csrf_token(page), **data}, **kwargs)


# --- new application ----------------------------------------------------------------------

NEW = {"flow": "201", "customer_type": "company", "customer_name": "芜湖某餐饮有限公司",
       "contact_name": "李经理", "contact_phone": "13905530000", "address": "镜湖区北京中路 1 号",
       "channel": "window", "attr_201_external_works": "none"}


def test_registering_an_application_starts_its_clocks(app, client, web_login, monday):
    from tracker.models import Application

    web_login("clerk", "clerk1")
    response = form_post(client, "/applications/new", "/applications/new", NEW)
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"201-2026-\d{6}", number)
    page = page_text(client.get(response.headers["Location"]))
    assert f"申请 {number} 已登记" in page
    assert "13905530000" in page
    app_row = load(app, number)
    assert app_row.timer.budget_seconds == 7.5 * 3600  # 003 三（二）1: 1 working day
    assert app_row.created_by.username == "clerk1"
    # registering is the acceptance (申请受理), recorded once by the clerk
    assert app_row.step("accept").status.value == "done"
    assert app_row.step("accept").completed_by.username == "clerk1"
    assert f"/applications/{number}/steps/accept/" not in page
    assert count(app, Application) == 1


def test_errors_are_shown_at_the_field_and_nothing_typed_is_lost(app, client, web_login, monday):
    from tracker.models import Application

    web_login("clerk", "clerk1")
    data = {**NEW, "customer_name": "", "missing_materials": "营业执照\n房产证明",
            "note": "客户下午来补材料"}
    response = form_post(client, "/applications/new", "/applications/new", data)
    assert response.status_code == 422
    page = page_text(response)
    assert re.search(r'has-error[^"]*">\s*<label[^>]*for="customer_name"', page)
    assert "该字段是必填字段" in page
    for kept in ("李经理", "13905530000", "镜湖区北京中路 1 号", "营业执照\n房产证明", "客户下午来补材料"):
        assert kept in page
    assert count(app, Application) == 0

    # The service's own checks land at their fields too.
    data = {**NEW, "missing_materials": "营业执照"}
    response = form_post(client, "/applications/new", "/applications/new", data)
    assert response.status_code == 422
    page = page_text(response)
    assert re.search(r'id="materials_promised_on-errors"><li>容缺受理：请填写客户承诺补齐材料的日期', page)
    response = form_post(client, "/applications/new", "/applications/new",
                         {**NEW, "flow": "101"})
    assert re.search(r'id="requested_at-errors"><li>该流程从客户要求的时间起算', page_text(response))
    response = form_post(client, "/applications/new", "/applications/new",
                         {**NEW, "accepted_at": "2026-10-12T11:30"})
    assert re.search(r'id="accepted_at-errors"><li>不能晚于当前时间', page_text(response))
    response = form_post(client, "/applications/new", "/applications/new",
                         {**NEW, "accepted_at": "1999-10-12T11:00"})
    assert "日期超出范围" in page_text(response)
    assert count(app, Application) == 0


def test_a_back_dated_acceptance_within_the_window_is_taken(app, client, web_login, monday):
    web_login("clerk", "clerk1")
    response = form_post(client, "/applications/new", "/applications/new",
                         {**NEW, "accepted_at": "2026-10-09T09:00"})
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    assert load(app, number).accepted_at == local(2026, 10, 9, 9, 0)
    assert "超时" in page_text(client.get(f"/applications/{number}"))


# --- working on an application ------------------------------------------------------------

def step_action(client, number: str, code: str, action: str, **fields):
    data = {f"{action}-{code}-{name}": value for name, value in fields.items()}
    data.setdefault(f"{action}-{code}-version", str(version_on_page(client, number)))
    return form_post(client, f"/applications/{number}",
                     f"/applications/{number}/steps/{code}/{action}", data)


def version_on_page(client, number: str) -> int:
    page = page_text(client.get(f"/applications/{number}"))
    return int(re.search(r'name="[\w-]*version"[^>]*value="(\d+)"', page).group(1))


def test_steps_are_started_and_completed_from_the_page(app, client, web_login, new_application,
                                                       monday):
    web_login("engineer", "eng1", department="engineering")
    number = new_application("201")
    assert step_action(client, number, "survey", "complete", note="勘察完成").status_code == 302
    page = page_text(client.get(f"/applications/{number}"))
    assert "环节“现场查勘资料上传”已办结" in page
    assert step_action(client, number, "municipal_approval", "skip",
                       note="无需占道").status_code == 302
    assert step_action(client, number, "meter_install", "start").status_code == 302
    assert step_action(client, number, "meter_install", "complete").status_code == 302
    found = load(app, number)
    assert found.status.value == "completed"
    assert {s.code: s.status.value for s in found.steps}["meter_install"] == "done"
    page = page_text(client.get(f"/applications/{number}"))
    assert "已办结" in page and "按时办结" in page
    for action in ("登记申请", "环节办结", "环节跳过", "环节开始"):
        assert action in page  # the event log in words
    assert "勘察完成" in page and "eng1" in page
    # newest first
    assert page.index("环节开始") < page.index("环节跳过") < page.index("登记申请")


def test_an_earlier_time_is_taken_within_the_back_dating_window(app, client, web_login,
                                                                new_application, frozen):
    clock = frozen(local(2026, 10, 12, 9, 0))
    number = new_application("201")
    clock.move_to(local(2026, 10, 12, 15, 0))
    web_login("clerk", "clerk1")
    assert step_action(client, number, "survey", "complete",
                       at="2026-10-12T09:30").status_code == 302
    assert load(app, number).step("survey").completed_at == local(2026, 10, 12, 9, 30)


def test_a_refused_time_is_shown_at_the_field_with_the_note_kept(app, client, web_login,
                                                                 new_application, monday):
    web_login("clerk", "clerk1")
    number = new_application("201")
    response = step_action(client, number, "survey", "complete", at="2026-10-12T12:00",
                           note="资料已上传")
    assert response.status_code == 422
    page = page_text(response)
    assert re.search(r'id="complete-survey-at-errors"><li>不能晚于当前时间', page)
    assert "资料已上传" in page and 'value="2026-10-12T12:00"' in page
    response = step_action(client, number, "survey", "complete", at="2026-10-12 08:00")
    assert "不能早于该环节可以开始的时间" in page_text(response)
    response = step_action(client, number, "survey", "complete", at="yesterday")
    assert response.status_code == 422
    assert load(app, number).step("survey").status.value == "ready"


def test_a_conflict_is_a_message_with_the_current_state(app, client, web_login,
                                                       new_application, monday):
    web_login("clerk", "clerk1")
    number = new_application("201")
    stale = version_on_page(client, number)
    response = form_post(client, f"/applications/{number}", f"/applications/{number}/customer",
                         {"customer-contact_phone": "0553-7654321",
                          "customer-customer_name": "芜湖某置业有限公司",
                          "customer-version": str(stale)})
    assert response.status_code == 302
    response = step_action(client, number, "survey", "complete", version=str(stale),
                           note="勘察资料已上传")
    assert response.status_code == 409
    page = page_text(response)
    assert f"申请 {number} 已被他人修改，请刷新后重试" in page
    assert "勘察资料已上传" in page  # nothing typed is lost
    assert load(app, number).step("survey").status.value == "ready"
    # Completing a step twice: a conflict too, not an error page.
    response = step_action(client, number, "accept", "complete")
    assert response.status_code in (404, 409)


def test_pause_and_resume_with_a_reason(app, client, web_login, new_application, monday):
    web_login("clerk", "clerk1")
    number = new_application("201")
    version = version_on_page(client, number)
    response = form_post(client, f"/applications/{number}", f"/applications/{number}/pauses",
                         {"pause-reason": "other", "pause-step": "survey",
                          "pause-version": version})
    assert response.status_code == 422
    assert re.search(r'id="pause-note-errors"><li>必填', page_text(response))
    # a reason that stops a step needs the step: said at the field
    response = form_post(client, f"/applications/{number}", f"/applications/{number}/pauses",
                         {"pause-reason": "missing_documents", "pause-version": version})
    assert response.status_code == 422
    assert re.search(r'id="pause-step-errors"><li>必填', page_text(response))
    response = form_post(client, f"/applications/{number}", f"/applications/{number}/pauses",
                         {"pause-reason": "missing_documents", "pause-step": "survey",
                          "pause-note": "等客户补正", "pause-version": version})
    assert response.status_code == 302
    found = load(app, number)
    assert found.pauses[0].reason_code == "missing_documents" and found.timer.state.value == "paused"
    assert found.pauses[0].step_code == "survey"
    assert found.step("survey").timer.state.value == "paused"
    page = page_text(client.get(f"/applications/{number}"))
    assert "补正材料" in page and "恢复计时" in page and "暂停计时" in page
    assert "全程计时、现场查勘资料上传" in page  # what the pause stops, in words
    pause_id = found.pauses[0].id
    response = form_post(client, f"/applications/{number}",
                         f"/applications/{number}/pauses/{pause_id}/end",
                         {f"resume-{pause_id}-version": version_on_page(client, number)})
    assert response.status_code == 302
    assert load(app, number).timer.state.value == "running"


def test_cancel_needs_a_reason_and_ends_every_action(app, client, web_login, new_application,
                                                    monday):
    web_login("clerk", "clerk1")
    number = new_application("201")
    url = f"/applications/{number}"
    response = form_post(client, url, f"{url}/cancel", {"cancel-reason": ""})
    assert response.status_code == 422 and load(app, number).status.value == "open"
    response = form_post(client, url, f"{url}/cancel", {"cancel-reason": "客户撤回申请"})
    assert response.status_code == 302
    page = page_text(client.get(url))
    assert "已撤销" in page and "客户撤回申请" in page
    assert f"{url}/steps/" not in page and f"{url}/cancel" not in page


def test_customer_details_are_corrected_and_logged(app, client, web_login, new_application,
                                                   monday):
    web_login("clerk", "clerk1")
    number = new_application("201", contact_phone="0553-1111111")
    url = f"/applications/{number}"
    data = {"customer-customer_name": "芜湖某置业有限公司", "customer-contact_phone": "0553-2222222",
            "customer-version": version_on_page(client, number)}
    assert form_post(client, url, f"{url}/customer", data).status_code == 302
    page = page_text(client.get(url))
    assert "修改客户信息" in page and "0553-1111111 → 0553-2222222" in page
    data["customer-customer_name"] = ""
    response = form_post(client, url, f"{url}/customer", data)
    assert response.status_code == 422 and "该字段是必填字段" in page_text(response)


def test_missing_materials_are_recorded_as_supplied(app, client, web_login, new_application,
                                                    monday):
    from datetime import date

    web_login("clerk", "clerk1")
    number = new_application("211", missing_materials=["营业执照"],
                             materials_promised_on=date(2026, 10, 14))
    url = f"/applications/{number}"
    page = page_text(client.get(url))
    assert "营业执照" in page and "2026-10-14" in page and "尚未补齐" in page
    assert form_post(client, url, f"{url}/materials",
                     {"supply-version": version_on_page(client, number)}).status_code == 302
    assert load(app, number).materials_supplied_at is not None


def test_an_auditor_sees_everything_and_changes_nothing(app, client, web_login,
                                                       new_application, monday):
    from tracker.models import Application, Event

    number = new_application("201")
    web_login("auditor", "audit1", department="inspection_office")
    url = f"/applications/{number}"
    page = page_text(client.get(url))
    assert number in page and "操作日志" in page
    assert "/steps/" not in page and "/pauses" not in page and "/cancel" not in page
    assert "新建申请" not in page
    events = count(app, Event)
    token = csrf_token(page)
    for action, data in [(f"{url}/steps/survey/complete", {}), (f"{url}/cancel",
                                                                 {"cancel-reason": "x"}),
                         ("/applications/new", NEW), (f"{url}/customer", {})]:
        response = client.post(action, data={"csrf_token": token, **data})
        assert response.status_code == 403, action
        assert "无权" in page_text(response)
    assert client.get("/applications/new").status_code == 403
    assert count(app, Event) == events and count(app, Application) == 1
    assert load(app, number).step("survey").status.value == "ready"


def test_unknown_application_is_a_404_page(client, web_login):
    web_login("clerk", "clerk1")
    response = client.get("/applications/201-2026-999999")
    assert response.status_code == 404
    assert "没有编号为 201-2026-999999 的申请" in page_text(response)


def test_the_page_forms_kept_messages_are_flask_wtfs(app):
    """The application page's forms keep WTForms' messages per language
    (forms.KeptMessagesForm): what Flask-WTF's per-request catalog says, in each language."""
    from flask import request
    from flask_wtf.i18n import translations

    from tracker.documents.forms import UploadForm
    from tracker.web.forms import CancelForm, StepActionForm

    for lang in ("zh", "en"):
        with app.test_request_context(f"/?lang={lang}", method="POST",
                                      data={"version": "x", "reason": "", "kind": "bogus"}):
            step = StepActionForm(request.form, meta={"csrf": False})
            cancel = CancelForm(request.form, meta={"csrf": False})
            upload = UploadForm(request.form, meta={"csrf": False})
            assert not step.validate() and not cancel.validate() and not upload.validate()
            assert not hasattr(request, "wtforms_translations")  # Flask-WTF's catalog unread
            integer = translations.gettext("Not a valid integer value.")
            assert step.errors["version"] == [integer]
            assert cancel.errors["reason"] == [translations.gettext("This field is required.")]
            assert upload.errors["kind"] == [translations.gettext("Not a valid choice.")]
            assert (integer != "Not a valid integer value.") is (lang == "zh")
