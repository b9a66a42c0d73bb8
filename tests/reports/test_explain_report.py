"""Issue 12 in the monthly report: each overdue item carries its explanation, so an appeal can
be argued from the report alone (XLSX: a column with the sentence; HTML: expandable)."""
from __future__ import annotations

import io

import openpyxl
import pytest

from tests.reports.generator import AS_OF
from tracker.reports import compute_monthly_report, parse_month
from tracker.reports.html import render_html
from tracker.reports.labels import short_time
from tracker.reports.xlsx import render_xlsx


@pytest.fixture
def october_data(app, october, ctx):
    return compute_monthly_report(parse_month("2026-10"), as_of=AS_OF)


def test_each_overdue_item_says_why_its_deadline_is_where_it_is(october_data):
    assert october_data["overdue"]
    for item in october_data["overdue"]:
        due = short_time(item["due_at"])
        assert item["why_zh"].startswith("自 ") and f"截止 {due}" in item["why_zh"], item
        assert item["why_en"].startswith("From ") and f"due {due}" in item["why_en"], item
    # October 2026 starts in 国庆节: a deadline that spans it names the holiday and its notice
    assert any("国庆节（国务院办公厅关于2026年部分节假日安排的通知" in i["why_zh"]
               for i in october_data["overdue"])


def test_the_workbook_has_a_column_with_the_sentence(october_data):
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(october_data, "zh")))
    sheet = book["超时清单"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "截止时间依据"
    sentences = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sentences == [i["why_zh"] for i in october_data["overdue"]]
    english = openpyxl.load_workbook(io.BytesIO(render_xlsx(october_data, "en")))
    assert [row[-1] for row in english.worksheets[1].iter_rows(min_row=2, values_only=True)] \
        == [i["why_en"] for i in october_data["overdue"]]


def test_the_html_report_expands_each_explanation(app, october_data):
    with app.test_request_context():
        page = render_html(october_data, "zh")
    assert page.count('<details class="why">') == len(october_data["overdue"])
    assert "为什么是这个时间？" in page


def test_a_report_issued_before_explanations_still_renders(app, october_data):
    old = {**october_data, "overdue": [{k: v for k, v in i.items() if not k.startswith("why")}
                                       for i in october_data["overdue"]]}
    with app.test_request_context():
        page = render_html(old, "zh")
    assert '<details class="why">' not in page
    render_xlsx(old, "zh")
