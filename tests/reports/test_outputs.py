"""The report's outputs: XLSX (opened with openpyxl), CSV, standalone HTML, the CLI."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest

from tests.reports.expected import expected
from tests.reports.generator import AS_OF
from tracker.reports import compute_monthly_report, parse_month
from tracker.reports.csvfile import render_csv
from tracker.reports.html import render_html
from tracker.reports.xlsx import display_width, render_xlsx


@pytest.fixture
def october_data(app, october, ctx):
    return compute_monthly_report(parse_month("2026-10"), as_of=AS_OF)


def _rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_workbook_holds_the_numbers_under_chinese_headers(october_data, october):
    records, evaluations = october
    want = expected(records, evaluations, AS_OF)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(october_data, "zh")))
    assert book.sheetnames == ["汇总", "超时清单", "环节按时率", "考核扣分"]

    summary = book["汇总"]
    assert summary["A1"].value == "2026-10 用水报装时效与考核月报"
    assert summary.freeze_panes == "A5"  # title, subtitle, blank, header
    header = [c.value for c in summary[4]]
    assert header[:8] == ["流程", "流程名称", "受理数", "其中撤销", "办结数", "按时办结", "超时办结",
                          "按时率"]
    rows = {row[0]: row for row in _rows(summary)[4:8] if row[0]}
    flow = want["flows"]["211"]
    assert rows["211"][2] == flow["accepted"] and rows["211"][4] == flow["completed"]
    assert rows["211"][5] == flow["completed_on_time"]
    assert rows["211"][7] == pytest.approx(flow["completed_on_time"] / flow["completed"], abs=1e-4)
    assert summary.cell(row=6, column=8).number_format == "0.0%"
    assert rows["合计"][2] == sum(f["accepted"] for f in want["flows"].values())
    assert rows["211"][1] == "用水报装“211”模式"

    overdue = book["超时清单"]
    assert overdue.freeze_panes == "C2"
    assert [c.value for c in overdue[1]] == ["序号", "申请编号", "客户", "流程", "环节", "责任部门",
                                             "办理期限（北京时间）", "完成时间", "超时情况",
                                             "超时（工作小时）", "超时（工作日）", "暂停原因",
                                             "截止时间依据"]
    body = _rows(overdue)[1:]
    assert len(body) == len(want["overdue"])
    by_key = {(r[1], r[4]): r for r in body}
    for item in want["overdue"]:
        step = {"accept": "受理", "supply_plan": "供水方案", "water_on": "开栓通水",
                None: "整体时限"}[item["step"]]
        row = by_key[(item["number"], step)]
        assert row[9] == pytest.approx(round(item["over_seconds"] / 3600, 2))
        assert isinstance(row[6], datetime)
        assert row[6].strftime("%Y-%m-%d %H:%M") == item["due"].strftime("%Y-%m-%d %H:%M")
        assert row[8] in ("超时办结", "未办结，已超时", "超期后撤销")
    # Column widths fit the content: the customer column is wider than the index column.
    widths = {key: dim.width for key, dim in overdue.column_dimensions.items()}
    assert widths["C"] > widths["A"]
    assert widths["B"] >= display_width(body[0][1])

    points = book["考核扣分"]
    assert [c.value for c in points[1]] == ["责任部门", "考核项目", "考核对象", "每次扣分",
                                            "扣分范围", "分摊比例", "扣分", "待考核人处理",
                                            "扣分依据"]
    total_row = next(r for r in _rows(points) if r[0] == "合计")
    assert total_row[6] == sum(want["by_department"].values())
    engineering = [r for r in _rows(points) if r[0] == "工程部" and r[1] == "超过办理时限"]
    assert len(engineering) == want["points"][("engineering", "step_overdue")]
    assert {r[4] for r in engineering} == {"2–5"} and {r[3] for r in engineering} == {2}
    # A charged step is named as its flow names it, never by its code.
    step_subjects = {r[2].split(" ", 1)[1] for r in _rows(points)[1:]
                     if r[1] == "超过办理时限" and r[2] and " " in r[2]}
    assert step_subjects and step_subjects <= {"受理", "供水方案", "开栓通水"}, step_subjects

    english = openpyxl.load_workbook(io.BytesIO(render_xlsx(october_data, "en")))
    assert english.sheetnames == ["Report summary", "Overdue list", "Step on-time rates",
                                  "Assessment points"]
    assert english["Overdue list"]["B1"].value == "Application number"


def test_display_width_counts_chinese_as_two():
    assert display_width("211-2026-000001") == 15
    assert display_width("工程部") == 6
    assert display_width(None) == 0


def test_csv_tables(october_data, october):
    records, evaluations = october
    want = expected(records, evaluations, AS_OF)
    content = render_csv(october_data, "overdue", "zh")
    assert content.startswith("\ufeff".encode())  # Excel reads UTF-8 Chinese with a BOM
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][1] == "申请编号"
    assert len(rows) - 1 == len(want["overdue"])
    flows = list(csv.reader(io.StringIO(render_csv(october_data, "flows", "en").decode("utf-8-sig"))))
    assert flows[0][:3] == ["Flow", "Flow name", "Number accepted"]
    with pytest.raises(ValueError):
        render_csv(october_data, "nonsense")


def test_standalone_html_has_svg_charts_and_loads_nothing(app, october_data):
    with app.test_request_context():
        page = render_html(october_data, "zh")
    assert "<svg" in page and page.count("<svg") >= 3
    assert "各流程按时办结率" in page and "各部门考核扣分" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<script" not in page
    assert "2026-10 用水报装时效与考核月报" in page
    assert "工程部" in page

    from tracker.reports.html import report_context

    with app.test_request_context():
        context = report_context(october_data, "zh", overdue_limit=5)  # the page's cut
    assert len(context["overdue_rows"]) == 5
    assert context["overdue_total"] == len(october_data["overdue"]) > 5


def test_cli_exports_each_format(runner, october, ctx, tmp_path):
    out = tmp_path / "oct.xlsx"
    result = runner.invoke(args=["report", "monthly", "2026-10", "--format", "xlsx",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "live figures" in result.output
    book = openpyxl.load_workbook(out)
    assert "汇总" in book.sheetnames
    for fmt, check in (("csv", "申请编号"), ("html", "<svg"), ("json", '"month": "2026-10"')):
        target = tmp_path / f"oct.{fmt}"
        result = runner.invoke(args=["report", "monthly", "2026-10", "--format", fmt,
                                     "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert check in target.read_text(encoding="utf-8-sig")
    bad = runner.invoke(args=["report", "monthly", "2026-13", "-o", str(out)])
    assert bad.exit_code != 0 and "月份格式应为 YYYY-MM" in bad.output
    no_file = runner.invoke(args=["report", "monthly", "2026-10"])
    assert no_file.exit_code != 0 and "-o FILE" in no_file.output


def test_cli_issue_and_list(runner, october, ctx):
    first = runner.invoke(args=["report", "issue", "2026-10"])
    assert first.exit_code == 0 and "issued version 1" in first.output
    second = runner.invoke(args=["report", "issue", "2026-10"])
    assert "issued version 2" in second.output
    listing = runner.invoke(args=["report", "list", "2026-10"])
    assert "2026-10 v2" in listing.output and "2026-10 v1" in listing.output
    early = runner.invoke(args=["report", "issue", "2026-11"])  # it is 5 November
    assert early.exit_code != 0 and "尚未结束" in early.output

