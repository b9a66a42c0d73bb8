"""Input no column can hold is refused up front, in the user's language, never a 500."""


def test_huge_id_in_url_is_not_found(client, auth):
    r = client.get("/api/v1/intake/records/56534144144274289065984", headers=auth)
    assert r.status_code == 404
    r = client.post("/api/v1/applications/201-2026-000001/pauses/99999999999999999999/end",
                    json={}, headers=auth)
    assert r.status_code == 404


def test_nul_in_query_string_is_refused(client, auth):
    r = client.get("/api/v1/applications?text=a%00b", headers=auth)
    assert r.status_code == 422
    assert "空字符" in r.get_json()["message"]


def test_nul_in_a_page_form_is_refused_in_english_too(client, make_user):
    from tests.fixtures.web import csrf_token, login

    make_user("clerk", "nul-clerk")
    login(client, "nul-clerk")
    client.get("/language/en")
    token = csrf_token(client.get("/applications/new").get_data(as_text=True))
    r = client.post("/applications/new", data={"csrf_token": token, "flow": "201",
                                               "customer_name": "bad\x00name"})
    assert r.status_code == 422
    assert b"NUL character" in r.data


def test_models_match_migrations(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
