"""The one CSV writer of every file the product writes: UTF-8 with a BOM (so that Excel and WPS
read Chinese), CRLF lines, and no cell that a spreadsheet would run as a formula."""
from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

BOM = "\ufeff"
# A text cell starting with one of these is a formula to Excel and WPS (=, +, -, @, and a tab
# or carriage return before one): a leading apostrophe keeps it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A cell as written: numbers as they are, None as empty, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """`csv.writer` whose every row goes through `safe_cell`."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])
