"""Language and time-zone choice: Chinese by default, English on request."""
from __future__ import annotations

from flask import has_request_context, request, session
from flask_babel import get_locale

from .localtime import ZONE_NAME

SUPPORTED = ("zh", "en")


def select_locale() -> str:
    """API: Accept-Language, else zh. Pages: the user's switch (session), else zh — staff
    screens are Chinese whatever language the browser was installed in."""
    if not has_request_context():
        return "zh"
    asked = request.args.get("lang")
    if asked in SUPPORTED:
        return asked
    if not request.path.startswith("/api/"):
        chosen = session.get("lang")
        return chosen if chosen in SUPPORTED else "zh"
    best = request.accept_languages.best_match(["zh-CN", "zh", "en", "en-US", "en-GB"])
    if best and best.startswith("en"):
        return "en"
    return "zh"


def select_timezone() -> str:
    return ZONE_NAME


def current_language() -> str:
    """'zh' or 'en' for the current request."""
    loc = get_locale()
    return "en" if loc is not None and loc.language == "en" else "zh"


def pick(zh: str, en: str, lang: str | None = None) -> str:
    """Choose between a Chinese and an English name held in data (flow files, departments,
    code tables): English for "en", Chinese otherwise; `lang` defaults to the request's."""
    return en if (lang or current_language()) == "en" else zh
