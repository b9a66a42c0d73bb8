"""Security headers on every page, cookies that stay on our site, and no inline script."""
from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import tracker
from tracker import create_app
from tracker.config import Config, DevelopmentConfig, TestingConfig
from tracker.extensions import db

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def assert_secure_headers(response, path: str) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split("; ") if part}
    assert directives.get("script-src") == ["'self'"], (path, policy)
    assert directives.get("style-src") == ["'self'"], (path, policy)  # no inline style either
    assert directives.get("frame-ancestors") == ["'none'"], (path, policy)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def _crawl(client, start: list[str], limit: int = 120) -> dict[str, int]:
    """Every local page reachable from `start` by links (one URL per path), with its status."""
    seen: dict[str, int] = {}
    queue = deque(start)
    paths: set[str] = set()
    while queue and len(seen) < limit:
        url = queue.popleft()
        path = urlsplit(url).path
        if path in paths or path.startswith(("/logout", "/language/")):
            continue
        paths.add(path)
        response = client.get(url)
        assert_secure_headers(response, url)
        seen[url] = response.status_code
        if response.mimetype == "text/html":
            parser = _Links()
            parser.feed(response.get_data(as_text=True))
            queue.extend(link for link in parser.links
                         if link.startswith("/") and not link.startswith("//"))
    return seen


def test_every_page_of_a_crawl_carries_the_security_headers(client, web_login, new_application):
    new_application("201", customer_name="芜湖某置业有限公司")
    anonymous = _crawl(client, ["/login", "/progress", "/appointment", "/procedures",
                                "/api/v1/openapi.json", "/healthz", "/nowhere"])
    assert anonymous["/nowhere"] == 404
    for public in ("/login", "/progress", "/appointment", "/procedures"):  # the customer's too
        assert anonymous[public] == 200, public
    web_login("admin")
    pages = _crawl(client, ["/"])
    assert len(pages) >= 15, sorted(pages)
    for path in ("/applications", "/dashboard", "/reports/monthly"):
        assert any(url.startswith(path) for url in pages), path
    assert_secure_headers(client.get("/api/v1/applications"), "/api/v1/applications")


def _templates() -> list[Path]:
    root = Path(tracker.__file__).parent
    return sorted(path for path in root.rglob("*.html") if "templates" in path.parts)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
SCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE | re.DOTALL)
# Documents never served as a page (the standalone report file, the PDF's embedded styles)
# may hold a <style> block; a page may not (the policy allows styles from our files only).
SELF_CONTAINED = {"monthly_standalone.html", "_style.css.html"}


def test_no_template_holds_an_inline_script_or_handler():
    templates = _templates()
    assert len(templates) >= 40  # every page, the customer's too
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(text), path
        assert not HANDLER.search(text), path
        assert not SCRIPT_URL.search(text), path
        assert not STYLE_ATTRIBUTE.search(text), path
        if path.name not in SELF_CONTAINED:
            assert "<style" not in text, path


def test_the_session_cookie_stays_on_our_site(client, web_login):
    web_login("clerk")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # testing and development serve plain HTTP


@pytest.mark.parametrize(("config", "overrides", "secure"), [
    (Config, {}, True),
    (Config, {"TRACKER_SESSION_COOKIE_SECURE": "false"}, False),
    (DevelopmentConfig, {}, False),
    (TestingConfig, {"TRACKER_SESSION_COOKIE_SECURE": True}, True),
])
def test_production_sends_the_session_cookie_over_https_only(app, config, overrides, secure):
    other = create_app(config, SECRET_KEY="x" * 32,
                       SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], **overrides)
    try:
        page = other.test_client().get("/login")  # the form's CSRF token starts a session
        cookie = next(c for c in page.headers.getlist("Set-Cookie") if c.startswith("session="))
        flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")}
        assert ("secure" in flags) is secure
        assert flags["samesite"] == "SameSite=Lax" and "httponly" in flags
    finally:
        with other.app_context():
            db.engine.dispose()
