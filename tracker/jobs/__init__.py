"""Background jobs: the SLA watcher, notification delivery, the calendar sync.
Features bring their own (the monthly report's), listed by the factory as `scheduler.Job`s.

Each job is a plain function that runs inside an app context and is safe to run twice; the
scheduler (`scheduler.init_scheduler`) only calls them. Tests call them directly.
"""
from __future__ import annotations

from .delivery import deliver_pending
from .watcher import run_watcher

__all__ = ["deliver_pending", "run_watcher"]
