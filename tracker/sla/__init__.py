"""Working time on the Chinese holiday calendar (no Flask, no database).

from tracker.sla import default_clock
clock = default_clock()
clock.add_working_days(accepted_at, 1)
"""

from .calendar import FIRST_YEAR, LAST_YEAR, ChinaCalendar, Closure, DayInfo
from .clock import ClockPause, DaySpan, WorkingClock, build_clock, default_clock, parse_office_hours
from .explain import Explanation, Segment
from .holiday_files import HolidayFileError
from .limits import (
    Counting,
    Deadline,
    Limit,
    LimitKind,
    PauseEffect,
    compute_deadline,
    elapsed_budget,
    explain,
)

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "ChinaCalendar",
    "ClockPause",
    "Closure",
    "Counting",
    "DayInfo",
    "DaySpan",
    "Deadline",
    "Explanation",
    "HolidayFileError",
    "Limit",
    "LimitKind",
    "PauseEffect",
    "Segment",
    "WorkingClock",
    "build_clock",
    "compute_deadline",
    "default_clock",
    "elapsed_budget",
    "explain",
    "parse_office_hours",
]
