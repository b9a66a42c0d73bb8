"""The one text filter of every list: a search term matched literally, case-insensitively."""
from __future__ import annotations

from sqlalchemy import ColumnElement, String, bindparam, or_

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


# The escape character of a LIKE pattern, as SQLAlchemy's autoescape takes it.
ESCAPE = "/"


def search_term(text: str | None) -> str | None:
    """What contains_text searches for, escaped as its `autoescape` escapes it (for a bound
    parameter: contains_bound); None when there is nothing to search for."""
    term = CONTROL.sub("", text or "").strip()
    if not term:
        return None
    return (term.replace(ESCAPE, ESCAPE + ESCAPE).replace("%", ESCAPE + "%")
            .replace("_", ESCAPE + "_"))


def contains_bound(name: str, *columns) -> ColumnElement[bool]:
    """contains_text with the term as the bound parameter `name` (its value search_term's):
    the same SQL, in a statement built once for every term (the application list keeps its
    statements per shape of filter; a search built them on each request)."""
    term = bindparam(name, type_=String)
    return or_(*(column.icontains(term, escape=ESCAPE) for column in columns))
