"""One table of the report as CSV (UTF-8 with a BOM, so that Excel shows Chinese correctly)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask_babel import force_locale

from ..csvfile import BOM, SafeWriter
from . import labels
from .labels import name

TABLES = ("overdue", "flows", "steps", "points")


CHUNK_ROWS = 500  # rows per piece of a streamed download


def render_csv(data: dict[str, Any], table: str = "overdue", lang: str = "zh") -> bytes:
    """`table` is one of overdue (the default), flows, steps, points."""
    return b"".join(iter_csv(data, table, lang))


def iter_csv(data: dict[str, Any], table: str = "overdue", lang: str = "zh"
             ) -> Iterator[bytes]:
    """The CSV in pieces of CHUNK_ROWS rows (UTF-8, the BOM first), each row made only when
    its piece is due: a download streams it without ever holding the whole file."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    lines = _Lines()
    writer = SafeWriter(lines)
    with force_locale(lang):
        columns, rows = _TABLES[table](data, lang)
        lines.write(BOM)
        writer.writerow([header for _key, header in columns])
        for count, row in enumerate(rows, start=1):
            writer.writerow([row.get(key) for key, _h in columns])
            if count % CHUNK_ROWS == 0:
                yield lines.take()
        yield lines.take()


class _Lines:
    """What the CSV writer writes to: each line (csv.writer writes a row in one call) kept as
    UTF-8 until its piece is sent. A StringIO held a piece as 4-byte characters as soon as one
    was Chinese, then a copy as text, then the bytes: about four times the piece."""

    def __init__(self) -> None:
        self._encoded: list[bytes] = []

    def write(self, text: str) -> None:
        self._encoded.append(text.encode("utf-8"))

    def take(self) -> bytes:
        """The lines written since the last piece, as one piece."""
        piece = b"".join(self._encoded)
        self._encoded.clear()
        return piece


def _overdue(data: dict[str, Any], lang: str):
    states = labels.state_names()
    rows = (labels.overdue_cells(item, i, lang, states)
            for i, item in enumerate(data["overdue"], start=1))
    return labels.overdue_columns(), rows


def _flows(data: dict[str, Any], lang: str):
    rows = [dict(flow, flow_name=name(flow, "flow_name", lang), limit=labels.limit_range(flow))
            for flow in data["flows"]]
    return labels.flow_columns(), rows


def _steps(data: dict[str, Any], lang: str):
    rows = [dict(step, step_name=name(step, "step_name", lang),
                 department_name=name(step, "department_name", lang)) for step in data["steps"]]
    return labels.step_columns(), rows


def _points(data: dict[str, Any], lang: str):
    rows = [labels.points_cells(item, lang) for item in data["points"]["items"]]
    return labels.points_columns(), rows


_TABLES = {"overdue": _overdue, "flows": _flows, "steps": _steps, "points": _points}
