"""Bad requests for a report build get a clear answer in the user's language and change
nothing: an unknown kind, a CSV without its table, a month that is no month, an issued
version that does not exist, a build of another month, a build that does not exist."""
from __future__ import annotations

from tests.fixtures.api import table_counts

MONTH = "2026-10"


def _post(client, token: str, month: str, body: dict, lang: str = "zh"):
    return client.post(f"/api/v1/reports/{month}/builds", json=body,
                       headers={"Authorization": f"Bearer {token}", "Accept-Language": lang})


def test_bad_build_requests_are_refused_and_change_nothing(app, client, make_user):
    _uid, token = make_user("clerk", "refused-builds")
    before = table_counts(app)
    unknown = _post(client, token, MONTH, {"kind": "docx"})
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"]["kind"] == ["必须是以下之一：xlsx, csv, json。"]
    no_table = _post(client, token, MONTH, {"kind": "csv", "table": "nonsense"})
    assert no_table.status_code == 422 and "table" in no_table.get_json()["errors"]
    for month in ("2026-13", "abc", "1899-01"):
        refused = _post(client, token, month, {"kind": "xlsx"})
        assert refused.status_code == 422, (month, refused.status_code)
        assert refused.get_json()["message"] == "月份格式应为 YYYY-MM，例如 2026-10。"
    missing_version = _post(client, token, MONTH, {"kind": "xlsx", "version": 7})
    assert missing_version.status_code == 404
    assert missing_version.get_json()["message"] == "2026-10 报告没有签发过第 7 版。"
    english = _post(client, token, MONTH, {"kind": "docx"}, lang="en")
    assert english.status_code == 422
    assert english.get_json()["errors"]["kind"] != unknown.get_json()["errors"]["kind"]
    assert table_counts(app) == before


def test_a_build_is_found_only_under_its_own_month(app, client, make_user):
    _uid, token = make_user("clerk", "other-month-builds")
    headers = {"Authorization": f"Bearer {token}"}
    made = _post(client, token, MONTH, {"kind": "xlsx"})
    assert made.status_code == 202, made.get_json()
    build_id = made.get_json()["id"]
    assert client.get(f"/api/v1/reports/2026-09/builds/{build_id}",
                      headers=headers).status_code == 404
    assert client.get(f"/api/v1/reports/{MONTH}/builds/{build_id + 1000}",
                      headers=headers).status_code == 404
    assert client.get(f"/api/v1/reports/{MONTH}/builds/{build_id + 1000}/file",
                      headers=headers).status_code == 404
