"""Every message of the two feature packages (documents, customer), in their Python and their
own templates, has Chinese in a .po fragment beside the package."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from tracker.i18n_build import fragments, merged_catalog

ROOT = Path(__file__).resolve().parents[2] / "tracker"
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


@pytest.mark.parametrize("package", ["documents", "customer"])
def test_every_message_of_the_package_is_translated(package):
    lang_dir = ROOT / "translations" / "zh"
    assert ROOT / package / "translations" / "zh" / f"{package}.po" in fragments(lang_dir.name)
    catalog = merged_catalog(lang_dir)
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for _, message, _, _ in extract_from_file("python", str(path), keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    for path in (ROOT / package / "templates").rglob("*.html"):
        for _, message, _, _ in extract_from_file(
                "jinja2.ext:babel_extract", str(path), keywords=KEYWORDS,
                options={"extensions": "jinja2.ext.i18n"}):
            found.add(message if isinstance(message, str) else message[0])
    assert len(found) > 40
    missing = sorted(m for m in found if catalog.get(m) is None or not catalog.get(m).string)
    assert missing == []
