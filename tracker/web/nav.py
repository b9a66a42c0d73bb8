"""The navigation bar: a link for each page that exists in this build and the user may use."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from .access import can_manage, can_write, is_admin
from .labels import word


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy string
    order: int = 100
    visible: Callable[[], bool] | None = None  # e.g. can_write; None: every signed-in user


# The core pages; each feature's pages module declares its own links as a module-level NAV
# list, and the factory joins them (see DEVELOPERS-NOTES.md). A link appears only when its
# endpoint is registered; `order` places it in the bar.
CORE = [
    NavItem("dashboard.index", _l("Dashboard"), 10),
    NavItem("work.index", _l("My work"), 20),
    NavItem("application_pages.index", _l("Applications"), 30),
    NavItem("application_pages.new", _l("New application"), 40, can_write),
    NavItem("calendar_pages.year", _l("Calendar"), 90),
    NavItem("users.index", _l("Users"), 95, is_admin),
]


def nav_items() -> list[NavItem]:
    items: dict[str, NavItem] = {}
    for item in current_app.extensions.get("tracker_nav", []):
        items.setdefault(item.endpoint, item)
    return sorted(items.values(), key=lambda i: (i.order, i.endpoint))


# Script roots (the path the app is mounted at, as the request says) whose links are kept.
KEPT_ROOTS = 8


def _registered_links() -> tuple[list[NavItem], dict[str, str]]:
    """The app's links whose endpoint is registered, in bar order, and their URLs under this
    request's script root: the same for every page of an app (url_for of an endpoint without
    values depends on nothing else), so kept per app; 16 url_for calls and a sort were a
    tenth of a small page's drawing (issue 15)."""
    kept = current_app.extensions.setdefault("tracker_nav_kept", {})
    root = request.script_root
    found = kept.get(root)
    if found is None:
        items = [item for item in nav_items() if item.endpoint in current_app.view_functions]
        if len(kept) >= KEPT_ROOTS:
            kept.clear()
        found = kept[root] = (items, {item.endpoint: url_for(item.endpoint) for item in items})
    return found


def navigation() -> list[dict[str, Any]]:
    """Links for the current user: endpoint registered, allowed, and which one is current."""
    items, urls = _registered_links()
    shown = [item for item in items if item.visible is None or item.visible()]
    exact = any(item.endpoint == request.endpoint for item in shown)
    links, marked = [], False
    for item in shown:
        same_blueprint = item.endpoint.split(".", 1)[0] == request.blueprint
        active = item.endpoint == request.endpoint or (not exact and same_blueprint and not marked)
        marked = marked or active
        links.append({"url": urls[item.endpoint], "label": word(item.label), "active": active})
    return links


__all__ = ["NavItem", "can_manage", "can_write", "navigation"]
