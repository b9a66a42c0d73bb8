"""The monthly report's downloads stream (issue 15): the CSV is made a piece at a time as it
is sent, the XLSX is written by XlsxWriter in constant-memory mode (rows flushed as they are
written: in-line strings, no shared-string table) to a temporary file sent in pieces."""
from __future__ import annotations

import io
import zipfile

from tests.fixtures.web import login

ROWS = 1200


def overdue_item(index: int) -> dict:
    return {"kind": "step", "number": f"211-2026-{index:06d}", "customer": f"某公司{index}",
            "flow": "211", "flow_name_zh": "小型用水报装", "flow_name_en": "Small",
            "step": "supply_plan", "step_name_zh": "供水方案", "step_name_en": "Supply plan",
            "department": "connection_team", "department_name_zh": "报装专班",
            "department_name_en": "Connection team", "due_at": "2026-10-12T17:00:00+08:00",
            "completed_at": None, "cancelled_at": None, "state": "running",
            "round_the_clock": False, "over_seconds": 3600, "over_hours": 1.0,
            "over_days": 0.13, "pause_reasons": [], "why_zh": "=1+1", "why_en": "why"}


def report_with_overdue(month: str = "2026-10") -> dict:
    from tracker.reports.monthly import compute_monthly_report
    from tracker.services.months import parse_month

    data = compute_monthly_report(parse_month(month))
    data["overdue"] = [overdue_item(i) for i in range(1, ROWS + 1)]
    return data


def test_the_csv_comes_in_pieces_made_as_they_are_read(app, ctx):
    from tracker.reports.csvfile import CHUNK_ROWS, iter_csv, render_csv

    data = report_with_overdue()
    pieces = iter_csv(data, "overdue", "zh")
    first = next(pieces)
    assert first.startswith("\ufeff".encode())
    assert first.decode("utf-8").count("\r\n") == CHUNK_ROWS + 1  # the header and 500 rows
    rest = list(pieces)
    assert len(rest) == 2  # rows 501-1000, then the last 200
    whole = first + b"".join(rest)
    assert whole == render_csv(data, "overdue", "zh")
    assert whole.decode("utf-8").count("\r\n") == ROWS + 1
    assert "'=1+1" in whole.decode("utf-8")  # still through the one safe writer


def test_the_workbook_is_written_in_constant_memory(app, ctx):
    from tracker.reports.xlsx import file_chunks, render_xlsx, xlsx_file

    data = report_with_overdue()
    out = xlsx_file(data, "zh")
    content = b"".join(file_chunks(out))
    assert out.closed  # the temporary file is gone once sent
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        names = book.namelist()
        sheet = book.read("xl/worksheets/sheet2.xml").decode("utf-8")
    assert "xl/sharedStrings.xml" not in names  # constant_memory writes strings in line
    assert 'is><t>211-2026-001200</t>' in sheet
    assert len(render_xlsx(data, "zh")) > 0


def test_the_downloads_are_streamed_responses(app, client, make_user):
    make_user("team_lead", "stream-lead")
    assert login(client, "stream-lead").status_code == 302
    csv = client.get("/reports/monthly/2026-10.csv?table=flows&live=1")
    assert csv.status_code == 200 and csv.is_streamed
    assert "attachment" in csv.headers["Content-Disposition"]
    workbook = client.get("/reports/monthly/2026-10.xlsx?live=1")
    assert workbook.status_code == 200 and workbook.is_streamed
    assert zipfile.is_zipfile(io.BytesIO(workbook.get_data()))
    assert "monthly-report-2026-10-live.xlsx" in workbook.headers["Content-Disposition"]
