"""The monthly assessment (issue 11; action plan 五（六）/（七)): the report's draft reviewed by
the assessment office (points within each range, items added, back-dated items confirmed or
waived), issued as a frozen report version, appealed by a department within a number of
working days, decided, issued again. The factory registers `api.blp`, `pages.bp` (with
`pages.NAV`, `pages.EVENT_WORDS`)."""
from __future__ import annotations

from ..reports.issuance import issuing
from ..signals import template_hook, work_duties
from . import api, commands, models, pages

issuing.connect(commands.on_issuing)
template_hook.connect(pages.work_extra)
work_duties.connect(pages.work_duties)

__all__ = ["api", "commands", "models", "pages"]
