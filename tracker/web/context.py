"""What every page template can use (as Jinja globals, so imported macros see them too)."""
from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from markupsafe import Markup

from ..i18n import current_language
from ..signals import template_hook as template_hook_signal
from . import cells, labels, widgets
from .access import can_assess, can_manage, can_write
from .nav import navigation


def language_url(lang: str) -> str:
    """The link that switches the pages to `lang` and comes back here."""
    here = request.full_path.rstrip("?")
    return url_for("auth.language", lang=lang, next=here)


def template_hook(name: str, **kwargs: Any) -> Markup:
    """Extension point: the sections that features add to a page at `name` (indico's
    template hooks). `{{ template_hook("application-main", app=app) }}` in a template."""
    parts = [answer for _receiver, answer in template_hook_signal.send(name, **kwargs) if answer]
    return Markup("").join(parts)


def register_context(app: Flask) -> None:
    app.jinja_env.globals.update(
        current_lang=current_language,
        nav_links=navigation,
        language_url=language_url,
        labels=labels,
        cells=cells,
        widgets=widgets,
        label=labels.label,
        can_write=can_write,
        can_manage=can_manage,
        can_assess=can_assess,
        template_hook=template_hook,
    )
