"""The frame every page shares: navigation by what exists and who looks, translations, the
optional page modules of other features, static assets."""
from __future__ import annotations

from datetime import UTC
from pathlib import Path

from tests.fixtures.web import page_text

ROOT = Path(__file__).resolve().parents[2] / "tracker"
# Everything that reaches a person goes through gettext; the clock and flow loader speak to
# administrators in English (file and line errors) and are left out.
UNTRANSLATED = {"sla", "steps", "migrations"}


def page_messages() -> set[str]:
    """Every message the application passes to gettext (Python and templates)."""
    from babel.messages.extract import extract_from_file

    found: set[str] = set()
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    for path in ROOT.rglob("*.py"):
        if UNTRANSLATED & set(path.relative_to(ROOT).parts):
            continue
        for _, message, _, _ in extract_from_file("python", str(path), keywords=keywords):
            found.add(message if isinstance(message, str) else message[0])
    for path in (p for p in ROOT.rglob("*.html") if "templates" in p.parts):
        for _, message, _, _ in extract_from_file(
                "jinja2.ext:babel_extract", str(path), keywords=keywords,
                options={"extensions": "jinja2.ext.i18n"}):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_page_message_has_a_chinese_translation():
    from tracker.i18n_build import merged_catalog

    catalog = merged_catalog(ROOT / "translations" / "zh")
    messages = page_messages()
    assert len(messages) > 500
    missing = sorted(m for m in messages
                     if catalog.get(m) is None or not catalog.get(m).string)
    assert missing == []


def test_pages_are_chinese_by_default_and_english_on_switch(client, web_login):
    web_login("team_lead", "lead")
    page = page_text(client.get("/dashboard"))
    for words in ("看板", "我的待办", "申请列表", "新建申请", "工作日历", "退出", "当前超时"):
        assert words in page
    client.get("/language/en")
    page = page_text(client.get("/dashboard"))
    for words in ("Dashboard", "My work", "Applications", "New application", "Calendar",
                  "Log out", "Overdue now"):
        assert words in page
    assert "当前超时" not in page


def test_navigation_follows_the_role(client, web_login):
    web_login("auditor", "audit1", department="inspection_office")
    nav = page_text(client.get("/dashboard")).split('class="mainnav"', 1)[1].split("</nav>")[0]
    assert "看板" in nav and "工作日历" in nav and "新建申请" not in nav
    assert 'aria-current="page"' in nav


def test_a_link_appears_only_for_an_endpoint_that_exists(app, client, web_login):
    from tracker.web.nav import NavItem

    app.extensions["tracker_nav"].append(NavItem("nowhere.index", "不存在的页面", 5))
    web_login("team_lead", "lead")
    page = page_text(client.get("/dashboard"))
    assert "不存在的页面" not in page


def test_every_feature_has_its_menu_link(client, web_login):
    web_login("team_lead", "lead")
    html = client.get("/dashboard").get_data(as_text=True)
    for path in ("/intake", "/callbacks", "/follow-ups", "/problems", "/reports/monthly",
                 "/calendar", "/applications/new", "/work"):
        assert f'href="{path}' in html, path


def test_static_assets_are_served_locally(client):
    with client.get("/static/css/app.css") as css:
        assert css.status_code == 200 and b".state-overdue" in css.data
    with client.get("/static/js/dashboard.js") as script:
        assert script.status_code == 200 and b"fetch(" in script.data
    page = page_text(client.get("/login"))
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_healthz_still_answers(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_macros_render_states_with_words_and_beijing_time(app):
    from datetime import datetime

    from flask import render_template_string

    with app.test_request_context("/"):
        html = render_template_string(
            '{% import "macros.html" as m %}{{ m.state_badge("overdue") }}|'
            '{{ m.state_badge("done_late") }}|{{ m.dt(when) }}',
            when=datetime(2026, 10, 8, 8, 0, tzinfo=UTC))
    overdue, late, when = html.split("|")
    assert "state-overdue" in overdue and "超时" in overdue and "✖" in overdue
    assert "超时办结" in late
    assert "2026-10-08 16:00" in when


def test_every_kind_of_limit_has_words_in_both_languages(app):
    """A LimitKind added without its words in web/formatting.LIMIT_WORDS fails here."""
    from flask_babel import force_locale

    from tracker.sla import Limit, LimitKind
    from tracker.web.formatting import LIMIT_WORDS, limit_text

    assert set(LIMIT_WORDS) == set(LimitKind)
    with app.test_request_context():
        for kind in LimitKind:
            limit = Limit(kind, 2.0)
            for lang in ("zh", "en"):
                with force_locale(lang):
                    text = limit_text(limit)
                    assert text and kind.value not in text, (kind, lang, text)
                    assert limit_text(limit.to_dict()) == text  # the stored form reads alike
