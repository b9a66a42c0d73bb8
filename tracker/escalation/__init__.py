"""Escalation in levels (电子监察): 黄牌 (yellow, before the deadline), 红牌 (red, at it) and
督办 (supervision, far past it), each fired once per duty to the people it names, the 督办单
the department must answer in writing, and each user's choice of levels. The factory
registers `api.blp`, `pages.bp` (with `pages.NAV`, `pages.EVENT_WORDS`) and `JOBS`."""
from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger

from ..jobs.scheduler import Job
from ..signals import template_hook, work_duties
from . import api, pages
from .jobs import run_escalation

work_duties.connect(pages.work_duties)
template_hook.connect(pages.on_template_hook)

JOBS = [Job("escalation", "escalation levels and supervision notices", run_escalation,
            IntervalTrigger(seconds=60))]

__all__ = ["JOBS", "api", "pages", "run_escalation"]
