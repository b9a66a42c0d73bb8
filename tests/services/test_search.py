"""Every text filter goes through services.search.contains_text, which escapes wildcards."""
from __future__ import annotations

import re
from pathlib import Path

import tracker

# A LIKE built by hand (`.like(`/`.ilike(`, or `Model.column.contains(` and its kin) takes
# "%" and "_" as wildcards unless it escapes them; the one helper does.
HAND_MADE_LIKE = re.compile(r"\.i?like\(|\b[A-Z]\w*\.\w+\.(i?contains|i?startswith|i?endswith)\(")
# cli/users.py: an administrator picks one API token by the first characters of its prefix.
ALLOWED = {("services", "search.py"), ("cli", "users.py")}


def test_no_text_filter_is_written_outside_the_one_helper():
    root = Path(tracker.__file__).parent
    found = [f"{path.relative_to(root)}:{number}: {line.strip()}"
             for path in sorted(root.rglob("*.py")) if path.parts[-2:] not in ALLOWED
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if HAND_MADE_LIKE.search(line.split("#", 1)[0])]
    assert not found, "\n".join(found)


def test_a_bound_term_is_what_autoescape_binds_in_the_same_sql():
    """contains_bound with search_term's value (the application list's statements, kept for
    every term) is contains_text's SQL and value."""
    from sqlalchemy import String, column
    from sqlalchemy.dialects import postgresql, sqlite

    from tracker.services.search import contains_bound, contains_text, search_term

    for dialect in (postgresql.dialect(), sqlite.dialect()):
        for text in ["某公司_1%2/x", " a\x00b ", "%", "_", "//", "100%_/"]:
            old = contains_text(text, column("a", String)).compile(dialect=dialect)
            new = contains_bound("text", column("a", String)).compile(dialect=dialect)
            assert list(old.params.values()) == [search_term(text)]
            assert str(old).replace("a_1", "text") == str(new)
    assert search_term("  \x00 ") is None and contains_text("  \x00 ", column("a")) is None
