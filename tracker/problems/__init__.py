"""The problem library (问题库): verify (核查) → rectify (整改) → re-check (复核) → closed (销号),
each stage with its own timer. The factory registers `api.blp` and `pages.bp` (with
`pages.NAV`)."""
from __future__ import annotations

from ..signals import work_duties
from . import api, pages

work_duties.connect(pages.work_duties)

__all__ = ["api", "pages"]
