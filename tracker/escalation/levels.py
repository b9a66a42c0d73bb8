"""Which escalation levels a duty goes through, and the instant each one is reached.

The levels follow 电子监察 practice: 黄牌 (yellow, a warning before the deadline), 红牌 (red, at
the deadline) and 督办 (supervision, N working hours past it). The Wuhu action plan 五（六）1
reads "超过办理时限…超时严重…按督查程序给予处罚" and 五（七） "用水服务营商环境工作实行全流程督办…
督查办及时跟进检查": we read "超时严重" as a configurable number of working hours past the
deadline (default 7.5, one working day), after which 督查办 is told and the department must
answer a 督办单 in writing.

Configuration (`TRACKER_ESCALATION_LEVELS`, checked at start-up) is keyed like the flow
files name duties: "<flow>.<step>", then "<flow>", then the timer's subject ("callback", …),
then "*"; the first key that exists gives the duty's whole list of levels.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..models import SlaTimer, SubjectType
from ..services import timers
from ..settings import settings
from ..sla import WorkingClock
from ..sla.clock import pause_bounds
from .models import LEVELS


@dataclass(frozen=True)
class Level:
    """One level of one duty: its name, its threshold and whom it reaches."""

    name: str  # yellow | red | supervision
    share: float | None = None  # a fraction of the limit's budget
    over_hours: float | None = None  # working hours past the deadline
    notify: tuple[str, ...] = ()

    def reached_at(self, timer: SlaTimer, clock: WorkingClock,
                   pauses: Iterable[Any]) -> datetime | None:
        """When the duty reaches this level (None: it has no deadline now)."""
        if timer.due_at is None:
            return None
        if self.over_hours is not None:
            amount = timedelta(seconds=round(self.over_hours * 3600))
            if timer.round_the_clock:
                return timer.due_at + amount
            closed = [(s, e) for s, e in map(pause_bounds, pauses) if e is not None]
            return clock.add_working_time(timer.due_at, amount, closed)
        share = self.share
        if share is None:
            # Without a share of its own, yellow is the watcher's warning and red the deadline.
            return timer.warn_at if self.name == "yellow" else timer.due_at
        if share >= 1:
            return timer.due_at
        return timers.share_instant(timer, clock, pauses, share)


def config_key(timer: SlaTimer) -> str:
    """The key of TRACKER_ESCALATION_LEVELS that applies to a timer."""
    config = settings().escalation_levels
    subject = SubjectType(timer.subject_type).value
    for key in (f"{timer.flow_code}.{timer.step_code}" if timer.step_code else None,
                timer.flow_code if subject in ("step", "application") else None, subject):
        if key and key in config:
            return key
    return "*"


# Duties that never escalate: a 督办单's own answer timer (it is the last level already), and
# an assessment appeal's decision. The appeal's deadline is our reading (the seeds set none for
# deciding), and its recipients would be the assessment office judging itself (its team lead,
# its head, a 督办单 to itself); the watcher still warns and flags it, My work lists it overdue
# first. Excluded, rather than given recipients the seeds never name.
NOT_ESCALATED = (SubjectType.SUPERVISION, SubjectType.APPEAL)


def levels_for(timer: SlaTimer) -> dict[str, Level]:
    """The levels configured for a duty, by name (none for the kinds in NOT_ESCALATED)."""
    if SubjectType(timer.subject_type) in NOT_ESCALATED:
        return {}
    items = settings().escalation_levels.get(config_key(timer), [])
    return {item["level"]: Level(name=item["level"], share=item.get("share"),
                                 over_hours=item.get("over_hours"),
                                 notify=tuple(item.get("notify", ())))
            for item in items if item["level"] in LEVELS}
