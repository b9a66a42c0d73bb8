"""No cell of the report that a spreadsheet would run: CSV (page and CLI) and XLSX."""
from __future__ import annotations

import csv
import io

import openpyxl

from tests.fixtures.app import local
from tests.fixtures.intake import project
from tests.fixtures.web import login
from tests.reports.generator import AS_OF
from tracker.csvfile import SafeWriter

# What a clerk may type (or a platform push carry) that Excel and WPS run as a formula.
# (A leading tab or CR never reaches a name: the services strip it; the writer's own test has it.)
PROBES = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-1+1"]
PUSHED = '=HYPERLINK("http://x","push")'


def _october_with_probes(api, push, frozen) -> list[str]:
    """Open applications accepted on 2026-10-12, overdue by AS_OF, named by PROBES and by
    a pushed project; time is left at AS_OF."""
    frozen(local(2026, 10, 12, 9, 0))
    numbers = [api.create("211", customer_name=name)["number"] for name in PROBES]
    record = push(project("GG-2026-0900", project_name=PUSHED))
    numbers.append(api.change(f"/api/v1/intake/records/{record['id']}", "screen",
                              {"decision": "needs_water"})["application_number"])
    frozen(AS_OF)
    return numbers


def _customers(text: str, numbers: list[str]) -> set[str]:
    rows = list(csv.reader(io.StringIO(text)))
    number_col, customer_col = 1, 2
    assert rows[0][customer_col] == "客户"
    return {row[customer_col] for row in rows[1:] if row[number_col] in numbers}


def test_the_csv_report_keeps_formulas_as_text(app, client, api, push, frozen, make_user,
                                               runner, tmp_path):
    numbers = _october_with_probes(api, push, frozen)
    want = {"'" + name for name in [*PROBES, PUSHED]}

    make_user("team_lead", "csv-lead")
    assert login(client, "csv-lead").status_code == 302
    download = client.get("/reports/monthly/2026-10.csv?table=overdue")
    assert download.status_code == 200
    assert _customers(download.get_data().decode("utf-8-sig"), numbers) == want

    out = tmp_path / "october.csv"
    with app.app_context():
        result = runner.invoke(args=["report", "monthly", "2026-10", "--format", "csv",
                                     "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _customers(out.read_text(encoding="utf-8-sig"), numbers) == want


def test_the_workbook_holds_formulas_as_text(app, client, api, push, frozen, make_user):
    numbers = _october_with_probes(api, push, frozen)
    make_user("team_lead", "xlsx-lead")
    assert login(client, "xlsx-lead").status_code == 302
    download = client.get("/reports/monthly/2026-10.xlsx")
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(download.data))["超时清单"]
    cells = [row[2] for row in sheet.iter_rows(min_row=2) if row[1].value in numbers]
    assert {cell.value for cell in cells} == {*PROBES, PUSHED}
    assert {cell.data_type for cell in cells} == {"s"}  # strings, never "f" (formula)


def test_the_shared_writer_neutralises_text_and_keeps_numbers():
    out = io.StringIO()
    SafeWriter(out).writerow(["\t=1+1", "\r=1+1", "=1", "+1", "-1", "@A1", "江北", None, -3, 2.5])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [
        "'\t=1+1", "'\r=1+1", "'=1", "'+1", "'-1", "'@A1", "江北", "", "-3", "2.5"]
