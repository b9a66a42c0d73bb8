"""After-care (回访, 好差评, 上门回访): the customer callback of every completed application, the
好差评 evaluations imported from the government system, home-visit follow-ups for customers
who were not satisfied, and the monthly rates.

The core announces a completed application (`signals.application_completed`); this package
listens and opens the callback. The factory registers `api.blp`, `pages.bp` (with
`pages.NAV` and `pages.EVENT_WORDS`) and `cli.evaluations_cli`.
"""
from __future__ import annotations

from ..signals import application_completed, work_duties
from . import api, cli, pages
from .commands import on_application_completed

application_completed.connect(on_application_completed)
work_duties.connect(pages.work_duties)

__all__ = ["api", "cli", "pages"]
