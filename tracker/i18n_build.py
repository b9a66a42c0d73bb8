"""Compile translations: every `translations/<lang>/*.po` fragment → `<lang>/LC_MESSAGES/messages.mo`.

Features keep their own fragment (api.po, web.po, reports.po, …) so they never edit one file
at once; `python -m tracker.i18n_build` merges and compiles them (make does it in the build).
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent / "translations"


def merged_catalog(lang_dir: Path) -> Catalog:
    """All fragments of one language in one catalog; a msgid translated twice differently fails."""
    catalog = Catalog(locale=lang_dir.name)
    for fragment in sorted(lang_dir.glob("*.po")):
        with fragment.open("rb") as handle:
            part = read_po(handle, locale=lang_dir.name)
        for message in part:
            if not message.id:
                continue
            existing = catalog.get(message.id)
            if existing is not None and existing.string and message.string \
                    and existing.string != message.string:
                raise SystemExit(f"{fragment}: {message.id!r} translated differently elsewhere: "
                                 f"{existing.string!r} vs {message.string!r}")
            if existing is None or not existing.string:
                catalog.add(message.id, message.string, locations=message.locations)
    return catalog


def build(root: Path = ROOT) -> list[Path]:
    written = []
    for lang_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        catalog = merged_catalog(lang_dir)
        target = lang_dir / "LC_MESSAGES" / "messages.mo"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(target)
        print(f"{target.relative_to(root.parent.parent)}: {len(catalog)} messages")
    return written


if __name__ == "__main__":
    build()
    sys.exit(0)
