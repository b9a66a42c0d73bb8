"""The callback and follow-up pages through the test client (CSRF on): recording a callback,
a stale form, the 好差评 upload, closing a follow-up."""
from __future__ import annotations

import io

from tests.fixtures.api import table_counts
from tests.fixtures.app import local
from tests.fixtures.web import form_post, page_text, version_in

# --- callbacks ----------------------------------------------------------------------------

def test_recording_a_callback_through_the_page(client, web_login, water_on, api, frozen):
    frozen(local(2026, 10, 12, 10, 0))
    number = water_on()
    callback = api.get(f"/api/v1/aftercare/applications/{number}")["callback"]
    web_login("clerk")
    page = page_text(client.get("/callbacks"))
    assert number in page and "13905530000" in page
    assert "回访率" in page
    prefix = f"cb{callback['id']}-"
    version = version_in(page, prefix)
    refused = form_post(client, "/callbacks", f"/callbacks/{callback['id']}/result",
                         {f"{prefix}reached": "yes", f"{prefix}satisfied": "no",
                          f"{prefix}version": version})
    assert refused.status_code == 422
    assert "客户不满意时必填" in page_text(refused)
    done = form_post(client, "/callbacks", f"/callbacks/{callback['id']}/result",
                      {f"{prefix}reached": "yes", f"{prefix}satisfied": "no",
                       f"{prefix}comment": "水压低", f"{prefix}version": version})
    assert done.status_code == 302
    follow_ups = page_text(client.get("/follow-ups"))
    assert "水压低" in follow_ups and number in follow_ups


def test_a_stale_callback_form_gets_409(client, web_login, water_on, api):
    number = water_on()
    callback = api.get(f"/api/v1/aftercare/applications/{number}")["callback"]
    web_login("clerk")
    page = page_text(client.get("/callbacks"))
    prefix = f"cb{callback['id']}-"
    version = version_in(page, prefix)
    api.change(f"/api/v1/aftercare/callbacks/{callback['id']}", "result",
               {"reached": True, "satisfied": True})
    response = form_post(client, "/callbacks", f"/callbacks/{callback['id']}/result",
                          {f"{prefix}reached": "yes", f"{prefix}satisfied": "yes",
                           f"{prefix}version": version})
    assert response.status_code == 409


def test_uploading_evaluations_names_the_bad_lines(client, web_login, water_on, app):
    number = water_on()
    web_login("clerk")
    csv = ("\ufeffexternal_id,application_number,evaluated_at,satisfied,score,comment\n"
           f"W-1,{number},2026-10-12 09:00,不满意,1,太慢\n"
           "W-2,,yesterday,满意,,\n").encode()
    response = form_post(client, "/callbacks", "/callbacks/import",
                          {"file": (io.BytesIO(csv), "e.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 200
    page = page_text(response)
    assert "导入 1 条" in page and "第 3 行" in page and "yesterday" in page
    assert table_counts(app)["follow_ups"] == 1


def test_closing_a_follow_up_needs_what_was_done(client, web_login, water_on, api):
    number = water_on()
    callback = api.get(f"/api/v1/aftercare/applications/{number}")["callback"]
    api.change(f"/api/v1/aftercare/callbacks/{callback['id']}", "result",
               {"reached": True, "satisfied": False, "comment": "态度差"})
    follow_up = api.get(f"/api/v1/aftercare/applications/{number}")["follow_ups"][0]
    web_login("clerk")
    prefix = f"fu{follow_up['id']}-"
    refused = form_post(client, "/follow-ups", f"/follow-ups/{follow_up['id']}/close",
                         {f"{prefix}action_taken": ""})
    assert refused.status_code == 422
    done = form_post(client, "/follow-ups", f"/follow-ups/{follow_up['id']}/close",
                      {f"{prefix}action_taken": "上门致歉并解释", f"{prefix}evidence": "回访单"})
    assert done.status_code == 302
    assert api.get(f"/api/v1/aftercare/applications/{number}")["open_follow_ups"] == 0


def test_the_kept_form_drawings_are_the_forms_drawn_now(app, client, web_login, make_user,
                                                        water_on, api, frozen):
    """The forms' drawings kept across requests (web.forms.RowForms `kept`, and the upload's
    through web.forms.kept_drawing) give the page the forms drawn afresh give, for another user's session with its own CSRF token (which
    the page's form then carries: posting it works), per language and per role (a team lead
    is asked the 代办 reason, a clerk not), the assignment form's department too."""
    from tests.fixtures.web import login

    frozen(local(2026, 10, 12, 10, 0))
    numbers = [water_on(f"GG-2026-07{i:02d}") for i in range(3)]
    ids = [api.get(f"/api/v1/aftercare/applications/{n}")["callback"]["id"] for n in numbers]
    api.change(f"/api/v1/aftercare/callbacks/{ids[2]}", "result",
               {"reached": True, "satisfied": False, "comment": "态度差"})
    web_login("clerk", "clerk-a")
    first = client.get("/callbacks?status=all").get_data(as_text=True)  # drawn, kept
    assert app.extensions["row_forms_drawn"]
    others = {}
    for role in ("clerk", "team_lead"):
        make_user(role, f"{role}-b", department="customer_service")
        other = app.test_client()  # a session of its own: its own CSRF token
        assert login(other, f"{role}-b", "correct-horse-9").status_code == 302
        for lang in ("zh", "en"):
            url = f"/callbacks?status=all&lang={lang}"
            kept = other.get(url).get_data(as_text=True)
            app.extensions["row_forms_drawn"].clear()
            fresh = other.get(url).get_data(as_text=True)
            assert kept == fresh, (role, lang)
            others[role, lang] = kept
    assert csrf_token_of(first) != csrf_token_of(others["clerk", "zh"])
    assert "proxy_reason" in others["team_lead", "zh"]
    assert "proxy_reason" not in others["clerk", "zh"]
    assert others["clerk", "zh"] != others["clerk", "en"]
    # The token in a kept drawing is the session's own: the form posts.
    other = app.test_client()
    assert login(other, "clerk-b", "correct-horse-9").status_code == 302
    page = other.get("/callbacks").get_data(as_text=True)
    prefix = f"cb{ids[0]}-"
    answer = other.post(f"/callbacks/{ids[0]}/result", data={
        "csrf_token": csrf_token_of(page), f"{prefix}csrf_token": csrf_token_of(page),
        f"{prefix}reached": "yes", f"{prefix}satisfied": "yes",
        f"{prefix}version": version_in(page, prefix)})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    # A refused upload is drawn as posted (its error shown), never kept.
    refused = other.post("/callbacks/import", data={"csrf_token": csrf_token_of(page)})
    assert refused.status_code == 422
    error = "has-error"
    assert error in refused.get_data(as_text=True).split('id="import"')[1]
    assert error not in other.get("/callbacks").get_data(as_text=True).split('id="import"')[1]


def csrf_token_of(page: str) -> str:
    from tests.fixtures.web import csrf_token

    return csrf_token(page)
