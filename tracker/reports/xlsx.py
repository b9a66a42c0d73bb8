"""The report as an Excel workbook (XlsxWriter): a summary sheet, the overdue list, step
on-time rates and points per department; Chinese headers by default, frozen header rows,
column widths fitted to the content. Times are Beijing time."""
from __future__ import annotations

import io
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import lru_cache
from typing import IO, Any

import xlsxwriter
from flask_babel import force_locale
from flask_babel import gettext as _

from . import labels
from .labels import name


def display_width(value: Any) -> int:
    """Width in Excel character units: CJK and full-width characters take two."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if "\n" in text:
        text = max(text.split("\n"), key=len)
    if text.isascii():  # numbers, codes, most of a large sheet: no per-character lookup
        return len(text)
    return _wide_width(text)


@lru_cache(maxsize=8192)
def _wide_width(text: str) -> int:
    # Names of departments, steps and customers repeat down a long sheet: measured once each.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class _Sheet:
    """A worksheet that remembers the widest value of each column."""

    def __init__(self, book: xlsxwriter.Workbook, title: str, formats: dict[str, Any]) -> None:
        self.ws = book.add_worksheet(title)
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
