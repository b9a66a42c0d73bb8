"""One page of a list: the same arithmetic for every service, API answer and page."""
from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Select, func, select

from ..extensions import db


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill (0 for none)."""
    return math.ceil(total / per_page) if total else 0


def paginate(query: Select, page: int, per_page: int) -> tuple[list[Any], int]:
    """The rows of page `page` (1-based) of an ordered query, and how many rows in all."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return items, total


def page_of(items: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    """The API's page envelope: items, total, page, per_page, pages."""
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": page_count(total, per_page)}
