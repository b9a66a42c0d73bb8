"""The applications list (the API's filters), its CSV export, and My work."""
from __future__ import annotations

import csv
import io

import pytest

from tests.fixtures.app import local
from tests.fixtures.web import page_text


@pytest.fixture
def three(new_application, frozen, make_user):
    """Tuesday 2026-10-13 10:00: a 201 accepted Monday (overdue), a 211 and a 101 just now."""
    frozen(local(2026, 10, 13, 10, 0), tick=True)
    late = new_application("201", customer_name="芜湖某置业有限公司",
                           accepted_at=local(2026, 10, 12, 9, 0))
    fresh = new_application("211", customer_name="=HYPERLINK(\"http://x\")", contact_phone="-1")
    platform = new_application("101", customer_name="江北花园项目",
                               requested_at=local(2026, 10, 13, 9, 30))
    return {"late": late, "fresh": fresh, "platform": platform}


def rows_of(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [chunk for chunk in body.split("<tr")[1:]]


def test_the_list_filters_like_the_api(client, web_login, three):
    web_login("clerk", "clerk1")
    page = page_text(client.get("/applications"))
    assert all(n in page for n in three.values())
    page = page_text(client.get("/applications?flow=211"))
    assert three["fresh"] in page and three["late"] not in page
    page = page_text(client.get("/applications?overdue=yes"))
    assert three["late"] in page and three["fresh"] not in page
    assert "超时" in rows_of(page)[0]
    page = page_text(client.get("/applications?overdue=no&status=open"))
    assert three["late"] not in page and three["fresh"] in page
    page = page_text(client.get("/applications?text=江北"))
    assert three["platform"] in page and three["late"] not in page
    page = page_text(client.get("/applications?department=engineering"))
    assert three["platform"] in page and three["late"] not in page  # 101 starts at engineering
    page = page_text(client.get("/applications?step=survey&flow=201"))
    assert three["late"] in page and three["fresh"] not in page
    page = page_text(client.get("/applications?due_before=2026-10-14"))
    assert three["late"] in page
    assert client.get("/applications?status=bogus").status_code == 422
    assert client.get("/applications?due_before=not-a-date").status_code == 422


def test_percent_and_underscore_in_the_search_match_only_themselves(client, web_login,
                                                                   new_application):
    percent = new_application("201", customer_name="百分百100%置业")
    underscore = new_application("201", customer_name="A_1 商贸")
    plain = new_application("201", customer_name="江北花园项目")
    web_login("clerk")

    def found(text: str) -> set[str]:
        page = client.get("/applications", query_string={"text": text}).get_data(as_text=True)
        return {number for number in (percent, underscore, plain) if number in page}

    assert found("%") == {percent}
    assert found("_") == {underscore}
    assert found("A%1") == set() and found("A_1") == {underscore}
    assert found("江北") == {plain}


def test_csv_export_opens_in_excel_with_chinese(client, web_login, three):
    web_login("clerk", "clerk1")
    response = client.get("/applications.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))  # the BOM Excel needs for UTF-8
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:3] == ["编号", "流程", "客户"]
    by_number = {row[0]: row for row in table[1:]}
    assert set(by_number) == set(three.values())
    late = by_number[three["late"]]
    assert late[2] == "芜湖某置业有限公司" and late[9] == "在办" and late[12] == "超时"
    assert float(late[14]) == pytest.approx(1.0, abs=0.05)  # over: Tuesday 09:00 → 10:00
    # A cell that Excel would run as a formula stays text.
    fresh = by_number[three["fresh"]]
    assert fresh[2] == "'=HYPERLINK(\"http://x\")" and fresh[5] == "'-1"
    # The filters apply to the export.
    table = list(csv.reader(io.StringIO(
        client.get("/applications.csv?flow=101").get_data().decode("utf-8-sig"))))
    assert [row[0] for row in table[1:]] == [three["platform"]]


def test_csv_headers_follow_the_language(client, web_login, three):
    web_login("clerk", "clerk1")
    client.get("/language/en")
    text = client.get("/applications.csv").get_data().decode("utf-8-sig")
    assert text.startswith("Number,Flow,Customer")
    assert "In progress" in text and "Overdue" in text


def test_my_work_lists_my_department_overdue_first(client, web_login, three, new_application):
    web_login("clerk", "clerk1", department="connection_team")
    page = page_text(client.get("/work"))
    rows = rows_of(page)
    assert three["late"] in rows[0] and "超时" in rows[0]
    assert three["platform"] not in page  # the 101 step is engineering's
    assert three["fresh"] not in page  # the 211 steps are the business hall's
    page = page_text(client.get("/work?department=engineering"))
    assert three["platform"] in page and three["late"] not in page
    page = page_text(client.get("/work?department=all"))
    assert all(n in page for n in three.values())


def test_my_work_sorts_by_the_soonest_deadline(client, web_login, new_application, frozen):
    traveller = frozen(local(2026, 10, 13, 8, 0), tick=True)
    # 101: the meter is due within 1 working day of the customer's requested time (registered
    # before it, so engineering's clock starts at the requested time).
    later = new_application("101", requested_at=local(2026, 10, 14, 9, 30))
    sooner = new_application("101", requested_at=local(2026, 10, 14, 9, 0))
    overdue = new_application("101", requested_at=local(2026, 10, 13, 9, 0))
    traveller.move_to(local(2026, 10, 14, 10, 0))
    web_login("engineer", "eng1", department="engineering")
    rows = rows_of(page_text(client.get("/work")))
    order = [next(n for n in (later, sooner, overdue) if n in row) for row in rows]
    assert order == [overdue, sooner, later]
    assert "超时" in rows[0] and "超时" not in rows[1]


def test_the_kept_filters_are_the_drawn_ones(client, web_login, three):
    """The filter fields are drawn once per query, language and choices (web.applications.
    _FilterHtml): a second request shows the same fields, another query or language its own,
    and a refused query its errors."""
    from tracker.web.applications import _FilterHtml

    web_login("clerk", "clerk1")
    _FilterHtml._drawn.clear()

    def filters(url: str) -> str:
        page = client.get(url).get_data(as_text=True)
        return page.split('<div class="grid grid-filters">', 1)[1].split('<div class="actions">')[0]

    first = filters("/applications?flow=211&text=江北")
    assert filters("/applications?flow=211&text=江北") == first
    assert 'value="江北"' in first and 'selected value="211"' in first
    other = filters("/applications?flow=101")
    assert 'selected value="101"' in other and 'value="江北"' not in other
    assert filters("/applications?flow=211&text=江北&lang=en") != first
    refused = client.get("/applications?completed=2026-13")
    assert refused.status_code == 422 and "has-error" in refused.get_data(as_text=True)
    assert "has-error" not in filters("/applications?completed=2026-10")
