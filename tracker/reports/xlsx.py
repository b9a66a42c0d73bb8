"""The report as an Excel workbook (XlsxWriter): a summary sheet, the overdue list, step
on-time rates and points per department; Chinese headers by default, frozen header rows,
column widths fitted to the content. Times are Beijing time."""
from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any

import xlsxwriter
import xlsxwriter.worksheet
from flask_babel import force_locale
from flask_babel import gettext as _

from . import labels
from .labels import name

# The characters Python's unicodedata (Unicode 14.0, Python 3.11) calls wide (W) or full-width
# (F): Hangul, CJK, kana, full-width forms, emoji; all of planes 2 and 3 (CJK extensions).
# Generated from unicodedata.east_asian_width over the assigned code points; a test checks
# every one of them against it. A regex counts them in C, with nothing kept per string (the
# per-string cache this replaces grew with a month's distinct names, addresses and reasons).
_WIDE = re.compile(
    "["
    "\u1100-\u115f\u231a-\u231b\u2329-\u232a\u23e9-\u23ec\u23f0\u23f3\u25fd-\u25fe"
    "\u2614-\u2615\u2648-\u2653\u267f\u2693\u26a1\u26aa-\u26ab\u26bd-\u26be\u26c4-\u26c5"
    "\u26ce\u26d4\u26ea\u26f2-\u26f3\u26f5\u26fa\u26fd\u2705\u270a-\u270b\u2728\u274c"
    "\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b-\u2b1c\u2b50\u2b55"
    "\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u2ff0-\u2ffb\u3000-\u303e\u3041-\u3096"
    "\u3099-\u30ff\u3105-\u312f\u3131-\u318e\u3190-\u31e3\u31f0-\u321e\u3220-\u3247"
    "\u3250-\u4dbf\u4e00-\ua48c\ua490-\ua4c6\ua960-\ua97c\uac00-\ud7a3\uf900-\ufa6d"
    "\ufa70-\ufad9\ufe10-\ufe19\ufe30-\ufe52\ufe54-\ufe66\ufe68-\ufe6b\uff01-\uff60"
    "\uffe0-\uffe6\U00016fe0-\U00016fe4\U00016ff0-\U00016ff1\U00017000-\U000187f7"
    "\U00018800-\U00018cd5\U00018d00-\U00018d08\U0001aff0-\U0001aff3\U0001aff5-\U0001affb"
    "\U0001affd-\U0001affe\U0001b000-\U0001b122\U0001b150-\U0001b152\U0001b164-\U0001b167"
    "\U0001b170-\U0001b2fb\U0001f004\U0001f0cf\U0001f18e\U0001f191-\U0001f19a"
    "\U0001f200-\U0001f202\U0001f210-\U0001f23b\U0001f240-\U0001f248\U0001f250-\U0001f251"
    "\U0001f260-\U0001f265\U0001f300-\U0001f320\U0001f32d-\U0001f335\U0001f337-\U0001f37c"
    "\U0001f37e-\U0001f393\U0001f3a0-\U0001f3ca\U0001f3cf-\U0001f3d3\U0001f3e0-\U0001f3f0"
    "\U0001f3f4\U0001f3f8-\U0001f43e\U0001f440\U0001f442-\U0001f4fc\U0001f4ff-\U0001f53d"
    "\U0001f54b-\U0001f54e\U0001f550-\U0001f567\U0001f57a\U0001f595-\U0001f596\U0001f5a4"
    "\U0001f5fb-\U0001f64f\U0001f680-\U0001f6c5\U0001f6cc\U0001f6d0-\U0001f6d2"
    "\U0001f6d5-\U0001f6d7\U0001f6dd-\U0001f6df\U0001f6eb-\U0001f6ec\U0001f6f4-\U0001f6fc"
    "\U0001f7e0-\U0001f7eb\U0001f7f0\U0001f90c-\U0001f93a\U0001f93c-\U0001f945"
    "\U0001f947-\U0001f9ff\U0001fa70-\U0001fa74\U0001fa78-\U0001fa7c\U0001fa80-\U0001fa86"
    "\U0001fa90-\U0001faac\U0001fab0-\U0001faba\U0001fac0-\U0001fac5\U0001fad0-\U0001fad9"
    "\U0001fae0-\U0001fae7\U0001faf0-\U0001faf6\U00020000-\U0003ffff"
    "]")


def display_width(value: Any) -> int:
    """Width in Excel character units: CJK and full-width characters take two."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if "\n" in text:
        text = max(text.split("\n"), key=len)
    if text.isascii():  # numbers, codes, most of a large sheet: nothing to look up
        return len(text)
    return len(text) + len(_WIDE.findall(text))


COPY_CHARS = 4096  # characters of a sheet's rows copied at a time when the workbook is closed


class _RowsCopiedInPieces(xlsxwriter.worksheet.Worksheet):
    """XlsxWriter's worksheet, its constant_memory rows copied into the sheet in small pieces.

    In constant_memory mode XlsxWriter keeps each sheet's rows in a temporary text file and, on
    close, copies it into the sheet's XML 65,536 characters at a time (XlsxWriter 3.3.1): with
    Chinese text that read, decoded and re-encoded, is most of the peak memory of a long sheet.
    This is that method of 3.3.1 with only the piece size changed (a test checks that the sheets
    it writes are the stock class's, byte for byte, and that 3.3.1's method is still the one
    XlsxWriter calls)."""

    def _write_optimized_sheet_data(self) -> None:
        if self.dim_rowmin is None:  # no data: as XlsxWriter writes it
            self._xml_empty_tag("sheetData")
            return
        self._xml_start_tag("sheetData")
        self.row_data_fh.seek(0)
        while data := self.row_data_fh.read(COPY_CHARS):
            self.fh.write(data)
        self.row_data_fh.close()
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")


WORKSHEET_CLASS: type[xlsxwriter.worksheet.Worksheet] = _RowsCopiedInPieces


class _Sheet:
    """A worksheet that remembers the widest value of each column."""

    def __init__(self, book: xlsxwriter.Workbook, title: str, formats: dict[str, Any]) -> None:
        self.ws = book.add_worksheet(title, worksheet_class=WORKSHEET_CLASS)
        self.formats = formats
        self.widths: dict[int, int] = {}

    def write(self, row: int, col: int, value: Any, fmt: str | None = None,
              measure: bool = True) -> None:
        style = self.formats.get(fmt) if fmt else None
        # The typed writers: XlsxWriter's generic write() guesses the type of every cell.
        if value is None or value == "":
            if style is not None:
                self.ws.write_blank(row, col, None, style)
            return
        if isinstance(value, str):
            self.ws.write_string(row, col, value, style)
        elif isinstance(value, datetime):
            self.ws.write_datetime(row, col, value, style or self.formats["time"])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self.ws.write_number(row, col, value, style)
        else:
            self.ws.write(row, col, value, style)
        if measure:
            if isinstance(value, datetime):
                width = 16  # yyyy-mm-dd hh:mm
            elif fmt == "rate" and isinstance(value, (int, float)):
                width = len(f"{value:.1%}")
            else:
                width = display_width(value)
            if width > self.widths.get(col, 0):
                self.widths[col] = width

    def header(self, row: int, headers: list[str]) -> None:
        for col, text in enumerate(headers):
            self.write(row, col, text, "header")

    def fit(self, minimum: int = 6, maximum: int = 60) -> None:
        for col, width in self.widths.items():
            self.ws.set_column(col, col, min(maximum, max(minimum, width + 2)))


def _local(iso: str | None) -> datetime | None:
    # Excel has no time zones: write the Beijing wall-clock time, as people read it.
    return None if not iso else datetime.fromisoformat(iso).replace(tzinfo=None)


def render_xlsx(data: dict[str, Any], lang: str = "zh") -> bytes:
    """The workbook as bytes (an issued version stores them)."""
    out = io.BytesIO()
    write_xlsx(data, lang, out)
    return out.getvalue()


def xlsx_file(data: dict[str, Any], lang: str = "zh") -> IO[bytes]:
    """The workbook in a temporary file (deleted when closed), at its start: a download sends
    it from there, so a month of 50,000 applications is never one string in memory."""
    out = tempfile.TemporaryFile()  # noqa: SIM115  (the response closes it when sent)
    try:
        write_xlsx(data, lang, out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def file_chunks(out: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """The rest of `out` in pieces, closing it at the end (or when the client goes away)."""
    try:
        while chunk := out.read(size):
            yield chunk
    finally:
        out.close()


def write_xlsx(data: dict[str, Any], lang: str, out: IO[bytes],
               on_row: Callable[[], None] | None = None) -> None:
    """Write the workbook to `out`. XlsxWriter's constant_memory mode flushes each row to a
    temporary file as soon as the next row starts (every sheet here is written in row
    order), so memory does not grow with the overdue list. `on_row` is called after each row
    of the four tables (a report build counts them for its progress)."""
    on_row = on_row or _nothing
    with force_locale(lang):
        book = xlsxwriter.Workbook(out, {"constant_memory": True})
        formats = {
            "title": book.add_format({"bold": True, "font_size": 14}),
            "header": book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1,
                                       "text_wrap": True, "valign": "vcenter"}),
            "rate": book.add_format({"num_format": "0.0%"}),
            "number": book.add_format({"num_format": "0.00"}),
            "time": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "bold": book.add_format({"bold": True}),
            "bold_rate": book.add_format({"bold": True, "num_format": "0.0%"}),
            "bold_number": book.add_format({"bold": True, "num_format": "0.00"}),
            "note": book.add_format({"italic": True, "font_color": "#666666"}),
        }
        _summary(book, formats, data, lang, on_row)
        _overdue(book, formats, data, lang, on_row)
        _steps(book, formats, data, lang, on_row)
        _points(book, formats, data, lang, on_row)
        book.set_properties({"title": labels.title(data["month"]), "author": "用水报装跟踪"})
        book.close()


def _subtitle(data: dict[str, Any]) -> str:
    issue = data.get("issue")
    text = _("Period %(start)s to %(end)s (Beijing time); figures as of %(as_of)s.") % {
        "start": data["period"]["start"][:10], "end": labels.short_time(data["period"]["end"])[:10],
        "as_of": labels.short_time(data["as_of"])}
    if issue:
        text += " " + _("Issued version %(version)s.") % {"version": issue["version"]}
    else:
        text += " " + _("Not issued: live figures.")
    return text


def _nothing() -> None:
    return None


def _summary(book, formats, data, lang, on_row) -> None:
    sheet = _Sheet(book, _("Report summary"), formats)
    sheet.write(0, 0, labels.title(data["month"]), "title", measure=False)
    sheet.write(1, 0, _subtitle(data), "note", measure=False)
    columns = labels.flow_columns()
    sheet.header(3, [header for _key, header in columns])
    sheet.ws.freeze_panes(4, 0)  # title, subtitle and the table header stay in view
    row = 4
    for flow in data["flows"]:
        _flow_row(sheet, row, flow, columns, lang, bold=False)
        on_row()
        row += 1
    totals = dict(data["totals"], flow=_("Grand total"), flow_name_zh="", flow_name_en="")
    _flow_row(sheet, row, totals, columns, lang, bold=True)
    row += 2
    sheet.write(row, 0, _("Callbacks and evaluations"), "bold")
    row += 1
    for label, value, is_rate in labels.aftercare_rows(data["aftercare"]):
        sheet.write(row, 0, label)
        sheet.write(row, 2, value, "rate" if is_rate else None)
        row += 1
    row += 1
    sheet.write(row, 0, _("Points deducted"), "bold")
    row += 1
    for dept in data["points"]["by_department"]:
        sheet.write(row, 0, name(dept, "department_name", lang))
        sheet.write(row, 2, dept["points"])
        row += 1
    sheet.write(row, 0, _("Grand total"), "bold")
    sheet.write(row, 2, data["points"]["total"], "bold")
    sheet.fit()


def _flow_row(sheet: _Sheet, row: int, flow: dict, columns, lang: str, bold: bool) -> None:
    for col, (key, _header) in enumerate(columns):
        if key == "flow_name":
            value = name(flow, "flow_name", lang)
        elif key == "limit":
            value = labels.limit_range(flow)
        else:
            value = flow.get(key)
        fmt = "rate" if key == "on_time_rate" else "number" if key.endswith("working_days") else None
        if bold:
            fmt = {"rate": "bold_rate", "number": "bold_number"}.get(fmt or "", "bold")
        sheet.write(row, col, value, fmt)


def _overdue(book, formats, data, lang, on_row) -> None:
    sheet = _Sheet(book, _("Overdue list"), formats)
    columns = labels.overdue_columns()
    sheet.header(0, [header for _key, header in columns])
    sheet.ws.freeze_panes(1, 2)  # the header row and the number column stay in view
    states = labels.state_names()
    for index, item in enumerate(data["overdue"], start=1):
        cells = labels.overdue_cells(item, index, lang, states)
        cells["due_at"] = _local(item["due_at"])
        cells["completed_at"] = _local(item.get("completed_at") or item.get("cancelled_at"))
        for col, (key, _header) in enumerate(columns):
            fmt = "number" if key.startswith("over_") else None
            sheet.write(index, col, cells[key], fmt)
        on_row()
    if data["overdue"]:
        sheet.ws.autofilter(0, 0, len(data["overdue"]), len(columns) - 1)
    sheet.fit()


def _steps(book, formats, data, lang, on_row) -> None:
    sheet = _Sheet(book, _("Step on-time rates"), formats)
    columns = labels.step_columns()
    sheet.header(0, [header for _key, header in columns])
    sheet.ws.freeze_panes(1, 0)
    for row, step in enumerate(data["steps"], start=1):
        for col, (key, _header) in enumerate(columns):
            value = name(step, key, lang) if key.endswith("_name") else step.get(key)
            sheet.write(row, col, value, "rate" if key == "on_time_rate" else None)
        on_row()
    sheet.fit()


def _points(book, formats, data, lang, on_row) -> None:
    sheet = _Sheet(book, _("Assessment points"), formats)
    columns = labels.points_columns()
    sheet.header(0, [header for _key, header in columns])
    sheet.ws.freeze_panes(1, 0)
    row = 1
    for item in data["points"]["items"]:
        cells = labels.points_cells(item, lang)
        for col, (key, _header) in enumerate(columns):
            sheet.write(row, col, cells[key], "number" if key == "share" else None,
                        measure=key != "why")
        on_row()
        row += 1
    deduction = [key for key, _header in columns].index("points")
    sheet.write(row, 0, _("Grand total"), "bold")
    sheet.write(row, deduction, data["points"]["total"], "bold")
    row += 2
    discretionary = labels.discretionary_rules(data["points"], lang)
    if discretionary:
        sheet.write(row, 0, _("Not measured automatically (the assessor adds these items): %(rule)s")
                    % {"rule": "; ".join(discretionary)}, "note", measure=False)
    sheet.fit()
