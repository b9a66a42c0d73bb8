"""The one text filter of every list: a search term matched literally, case-insensitively."""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_

from ..text import CONTROL


def contains_text(text: str | None, *columns) -> ColumnElement[bool] | None:
    """Rows where any of `columns` contains `text`; None when there is nothing to search for.

    `%`, `_` and the escape character itself are escaped (`autoescape`): what a user types in
    a search box is taken literally, never as a LIKE wildcard.
    """
    term = CONTROL.sub("", text or "").strip()
    if not term:
        return None
    return or_(*(column.icontains(term, autoescape=True) for column in columns))
