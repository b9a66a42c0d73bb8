"""Reference data kept in step files (departments) mirrored into the database."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select

from ..extensions import db
from ..models import Department
from ..steps import Department as DepartmentDefinition
from ..steps import PauseReason, load_departments, load_pause_reasons


def ensure_departments() -> None:
    """Add departments named in departments.yaml that the database lacks; rename changed ones."""
    existing = {d.code: d for d in db.session.scalars(select(Department))}
    for code, dept in departments().items():
        row = existing.get(code)
        if row is None:
            db.session.add(Department(code=code, name_zh=dept.name_zh, name_en=dept.name_en))
        elif (row.name_zh, row.name_en) != (dept.name_zh, dept.name_en):
            row.name_zh, row.name_en = dept.name_zh, dept.name_en
    db.session.commit()


@lru_cache(maxsize=1)
def departments() -> dict[str, DepartmentDefinition]:
    """departments.yaml, read once per process."""
    return load_departments()


@lru_cache(maxsize=1)
def pause_reasons() -> dict[str, PauseReason]:
    """pause_reasons.yaml, read once per process."""
    return load_pause_reasons()
