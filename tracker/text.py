"""Text no column can hold: the one control-character check for services, the API, the
input guard and the importers."""
from __future__ import annotations

import re
from typing import Any

# C0 control characters except tab, line feed and carriage return: PostgreSQL refuses NUL in
# text and JSON, and none of them belongs in anything typed or exported.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def unstorable(value: str) -> bool:
    """Holds a control character or a lone surrogate (not encodable as UTF-8)."""
    if CONTROL.search(value):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text_errors(**values: str | None) -> dict[str, list[str]]:
    """{field: ["Must not contain control characters."]} for each unstorable value."""
    return {name: ["Must not contain control characters."]
            for name, value in values.items() if value and unstorable(value)}


def unstorable_in(data: Any) -> bool:
    """Anywhere in a JSON document (keys and values)."""
    if isinstance(data, str):
        return unstorable(data)
    if isinstance(data, dict):
        return any(unstorable_in(k) or unstorable_in(v) for k, v in data.items())
    if isinstance(data, list):
        return any(unstorable_in(v) for v in data)
    return False


def printable(text: str) -> str:
    """For an excerpt kept as evidence: control characters shown as U+FFFD."""
    return CONTROL.sub("\ufffd", text.encode("utf-8", "replace").decode("utf-8"))
