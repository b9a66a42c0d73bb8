"""Compile translations: every catalog fragment → `translations/<lang>/LC_MESSAGES/messages.mo`.

The core keeps its fragments in `tracker/translations/<lang>/*.po` (api.po, web.po); each
feature package keeps its own in `tracker/<feature>/translations/<lang>/*.po`, so no two
features edit one file. `python -m tracker.i18n_build` gathers and compiles them all (make
does it in the build); a msgid translated differently in two fragments stops it.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).parent
ROOT = PACKAGE / "translations"


def fragments(lang: str, package: Path = PACKAGE) -> list[Path]:
    """The .po fragments of one language: the core's, then every feature package's."""
    return sorted((package / "translations" / lang).glob("*.po")) + sorted(
        package.glob(f"*/translations/{lang}/*.po"))


def merged_catalog(lang_dir: Path) -> Catalog:
    """All fragments of one language in one catalog; a msgid translated twice differently fails."""
    catalog = Catalog(locale=lang_dir.name)
    for fragment in fragments(lang_dir.name, lang_dir.parent.parent):
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
