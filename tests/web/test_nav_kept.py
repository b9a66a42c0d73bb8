"""web.nav keeps each app's registered links and their URLs per script root (the path the app
is mounted at): the bar drawn from them is the one url_for and the labels give on every
request, under any root, for any role, in either language; at most KEPT_ROOTS roots kept."""
from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import login_user

from tracker.extensions import db
from tracker.models import User
from tracker.web import nav


def _as_before() -> list[dict]:
    """navigation() as it was: url_for and str(label) on every request."""
    shown = [item for item in nav.nav_items() if item.endpoint in current_app.view_functions
             and (item.visible is None or item.visible())]
    exact = any(item.endpoint == request.endpoint for item in shown)
    links, marked = [], False
    for item in shown:
        same = item.endpoint.split(".", 1)[0] == request.blueprint
        active = item.endpoint == request.endpoint or (not exact and same and not marked)
        marked = marked or active
        links.append({"url": url_for(item.endpoint), "label": str(item.label), "active": active})
    return links


def test_the_kept_bar_is_the_drawn_one(app, make_user):
    make_user("admin", "root-user", department=None)
    make_user("auditor", "reader")
    for root in ("", "/tracker", "/other/place"):
        for path in ("/applications", "/work", "/reports/monthly", "/nowhere"):
            for who in (None, "root-user", "reader"):
                for lang in ("zh", "en"):
                    with app.test_request_context(f"{path}?lang={lang}",
                                                  base_url=f"http://localhost{root}/"):
                        if who:
                            login_user(db.session.scalar(
                                db.select(User).where(User.username == who)))
                        assert nav.navigation() == _as_before(), (root, path, who, lang)
                        assert all(link["url"].startswith(f"{root}/")
                                   for link in nav.navigation())
    assert len(app.extensions["tracker_nav_kept"]) <= nav.KEPT_ROOTS


def test_at_most_so_many_roots_are_kept(app):
    for i in range(nav.KEPT_ROOTS * 2 + 1):
        with app.test_request_context("/", base_url=f"http://localhost/r{i}/"):
            nav.navigation()
            assert len(app.extensions["tracker_nav_kept"]) <= nav.KEPT_ROOTS
