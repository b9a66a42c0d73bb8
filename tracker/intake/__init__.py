"""Platform intake (甄别): records pushed by the government platforms (工改, 企业开办), received
once each, screened into 101 applications or closed as "no need", and the refused pushes kept
for an administrator. The factory registers `api.blp` and `pages.bp` (with `pages.NAV` and
`pages.EVENT_WORDS`)."""
from __future__ import annotations

from ..signals import work_duties
from . import api, pages

work_duties.connect(pages.work_duties)

__all__ = ["api", "pages"]
