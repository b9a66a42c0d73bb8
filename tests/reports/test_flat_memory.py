"""The monthly report's downloads stream in constant memory (issue 15): the peak of Python
allocations while a month of ten times the rows is written is about that of the small month
(benchmarks/bench_report.py's MEMORY_RATIO_MAX, on the real month), and what was changed for it
writes the same files as before: column widths, the worksheets' XML, the CSV's pieces."""
from __future__ import annotations

import csv
import gc
import hashlib
import inspect
import io
import sys
import tracemalloc
import unicodedata
import zipfile
from collections.abc import Callable, Iterator

import openpyxl
import pytest
import xlsxwriter.worksheet

from tests.fixtures.app import make_app
from tests.reports import synthetic

# Overdue rows of the small month (three quarters as many charges); the large one has ten
# times as many. The XLSX's large month has more distinct names, numbers and explanations than
# the 8,192 the old per-string width cache kept. The CSV's small month is two whole pieces
# (CHUNK_ROWS rows, the unit of its memory): as a server sends it, a piece is still held
# while the next one is made.
SMALL = {"xlsx": 600, "csv": 1000}
RATIO_MAX = 1.5


@pytest.fixture(scope="module")
def ctx():
    """An app context for the translations; the reports here never touch the database."""
    from tracker.extensions import db

    app = make_app("sqlite://")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _peak(make: Callable[[], Iterator[bytes]]) -> int:
    """Bytes allocated at the peak while the download is consumed as a response sends it,
    after a warm-up (what a process makes once is not the month's)."""
    for _chunk in make():
        pass
    gc.collect()
    tracemalloc.start()
    try:
        for _chunk in make():
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _xlsx(data):
    from tracker.reports.xlsx import file_chunks, xlsx_file

    return lambda: file_chunks(xlsx_file(data, "zh"))


def _csv(data):
    from tracker.reports.csvfile import iter_csv

    return lambda: iter_csv(data, "overdue", "zh")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_ten_times_the_rows_streams_in_about_the_same_memory(ctx, kind):
    download = {"xlsx": _xlsx, "csv": _csv}[kind]
    rows = SMALL[kind]
    small = _peak(download(synthetic.month(rows)))
    big = _peak(download(synthetic.month(10 * rows)))
    assert big <= RATIO_MAX * small, (
        f"peak {big / 2**20:.2f} MiB for {10 * rows} rows against {small / 2**20:.2f} MiB for "
        f"{rows}: {big / small:.2f}x")


def _unicodedata_width(text: str) -> int:
    # The rule the regex replaced (a cached function of each distinct string).
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.mark.parametrize("text", [
    "", "211-2026-000123", "芜湖某公司14900", "营业厅（客户服务中心）", "Water connection (\"211\")",
    "申请 201-2026-014900 的环节「申请受理」超过办理时限 5.29 个工作日。", "ＡＢＣ１２３！", "ｱｲｳ半角",
    "한국어 텍스트", "ひらがなカタカナ", "🚰 water ✅", "𠮷野家 𡈽", "Ünïcødé café", "×× 2.0–5.0",
    "第一行\n第二行更长一些", "short\n更长的第二行文字",
])
def test_column_widths_are_the_unicodedata_widths(text):
    from tracker.reports.xlsx import display_width

    longest = max(text.split("\n"), key=len)  # a cell of lines: its longest
    assert display_width(text) == _unicodedata_width(longest)


def test_the_wide_characters_are_unicodedata_s_on_every_assigned_code_point():
    from tracker.reports.xlsx import _WIDE

    # Unassigned code points are left out: this Python's unicodedata calls them "F".
    assigned = "".join(chr(cp) for cp in range(sys.maxunicode + 1)
                       if unicodedata.category(chr(cp)) != "Cn")
    matched = {m.start() for m in _WIDE.finditer(assigned)}
    wide = {i for i, c in enumerate(assigned) if unicodedata.east_asian_width(c) in "WF"}
    assert matched == wide


# XlsxWriter 3.3.1's method, which tracker.reports.xlsx copies with a smaller piece size.
STOCK_METHOD_SHA256 = "4621ead605d214d209d7da38a1d7ac132259876b94192e855e048c637e0addf2"


def test_the_worksheet_override_copies_xlsxwriter_3_3_1_s_method():
    stock = inspect.getsource(xlsxwriter.worksheet.Worksheet._write_optimized_sheet_data)
    assert hashlib.sha256(stock.encode()).hexdigest() == STOCK_METHOD_SHA256, (
        "XlsxWriter's _write_optimized_sheet_data changed: compare it with "
        "tracker.reports.xlsx._RowsCopiedInPieces and update both")
    assembling = inspect.getsource(xlsxwriter.worksheet.Worksheet._assemble_xml_file)
    assert "self._write_optimized_sheet_data()" in assembling


def _sheets(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return {n: book.read(n) for n in book.namelist() if n.startswith("xl/worksheets/")}


def _cells(content: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    try:
        return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()]
                for ws in book.worksheets}
    finally:
        book.close()


def test_the_workbook_is_the_stock_worksheets_byte_for_byte(ctx, monkeypatch):
    from tracker.reports import xlsx

    data = synthetic.month(1500)  # the overdue sheet far longer than one piece
    ours = xlsx.render_xlsx(data, "zh")
    monkeypatch.setattr(xlsx, "WORKSHEET_CLASS", xlsxwriter.worksheet.Worksheet)
    stock = xlsx.render_xlsx(data, "zh")
    assert len(_sheets(ours)["xl/worksheets/sheet2.xml"]) > 50 * xlsx.COPY_CHARS
    assert _sheets(ours) == _sheets(stock)
    cells = _cells(ours)
    assert cells == _cells(stock)
    assert len(cells["超时清单"]) == 1501 and cells["超时清单"][1500][1] == "101-2026-001500"


def _stringio_pieces(data, table: str, lang: str) -> Iterator[bytes]:
    """The CSV pieces as the StringIO writer made them before (issue 15)."""
    from flask_babel import force_locale

    from tracker.csvfile import BOM, SafeWriter
    from tracker.reports import csvfile

    out = io.StringIO()
    writer = SafeWriter(out)
    with force_locale(lang):
        columns, rows = csvfile._TABLES[table](data, lang)
        out.write(BOM)
        writer.writerow([header for _key, header in columns])
        for count, row in enumerate(rows, start=1):
            writer.writerow([row.get(key) for key, _h in columns])
            if count % csvfile.CHUNK_ROWS == 0:
                yield out.getvalue().encode("utf-8")
                out.seek(0)
                out.truncate()
        yield out.getvalue().encode("utf-8")


@pytest.mark.parametrize("rows", [1000, 1234])  # a whole number of pieces, and not
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_csv_pieces_are_the_ones_made_before(ctx, rows, lang):
    from tracker.reports.csvfile import TABLES, iter_csv

    data = synthetic.month(rows)
    data["overdue"][0]["customer"] = "=HYPERLINK(1)"  # still neutralised
    for table in TABLES:
        assert list(iter_csv(data, table, lang)) == list(_stringio_pieces(data, table, lang))
    text = b"".join(iter_csv(data, "overdue", lang)).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert len(parsed) == rows + 1 and parsed[1][2] == "'=HYPERLINK(1)"
