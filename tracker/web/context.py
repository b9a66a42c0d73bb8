"""What every page template can use (as Jinja globals, so imported macros see them too)."""
from __future__ import annotations

from flask import Flask, request, url_for

from ..i18n import current_language
from . import labels
from .access import can_manage, can_write
from .nav import navigation


def language_url(lang: str) -> str:
    """The link that switches the pages to `lang` and comes back here."""
    here = request.full_path.rstrip("?")
    return url_for("auth.language", lang=lang, next=here)


def register_context(app: Flask) -> None:
    app.jinja_env.globals.update(
        current_lang=current_language,
        nav_links=navigation,
        language_url=language_url,
        labels=labels,
        label=labels.label,
        can_write=can_write,
        can_manage=can_manage,
    )
