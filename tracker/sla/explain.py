"""The explanation of a deadline: what the clock counted, day by day, and what it skipped.

Built by `compute_deadline(..., explain=True)` from the deadline it has just computed: the span
from the start to the due instant is walked on the same W index (`WorkingClock.walk`) with the
same pauses, so the counted seconds of the segments add up to the working time between start
and due exactly (for an amount limit: the limit's working time). Nothing here decides a
deadline; it only says why the computed one is where it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .calendar import DayInfo

if TYPE_CHECKING:
    from .clock import DaySpan, WorkingClock

__all__ = ["SEGMENT_KINDS", "Explanation", "Segment", "explain_span"]

# What a segment of the explanation is. Working kinds count time; the others say why a day
# counted nothing.
SEGMENT_KINDS = (
    "counted",  # an ordinary working day (or the part of it inside the span)
    "makeup_workday",  # a weekend day the notice makes a working day (调休上班)
    "local_working",  # an extra working day recorded locally (本地加班)
    "partial_closure",  # a working day with part of its hours closed (a typhoon from 14:00)
    "outside_hours",  # a working day whose part in the span has no office hours
    "weekend",
    "holiday",  # a day off of the notice (or of the prediction: provisional)
    "closure",  # a local closure of the whole day (台风)
    "pause",  # a pause (暂停计时): its working time is not counted
    "round_the_clock",  # a calendar-time limit: every hour counts
)
_DAY_KINDS = {
    "working": "counted",
    "makeup_working": "makeup_workday",
    "local_working": "local_working",
    "partial_closure": "partial_closure",
    "weekend": "weekend",
    "holiday": "holiday",
    "closure": "closure",
}
WORKING_SEGMENTS = frozenset({"counted", "makeup_workday", "local_working", "partial_closure"})


@dataclass(frozen=True)
class Segment:
    """One line of an explanation: a day (or a run of days off), a pause, or a span."""

    kind: str  # one of SEGMENT_KINDS
    start: datetime
    end: datetime | None  # None: a pause still running
    counted: int  # working (round the clock: wall) seconds counted towards the limit
    reason: str | None = None  # the holiday's or closure's name, the pause's label
    source: str | None = None  # the notice, the prediction or the local record
    provisional: bool = False  # from a year with no published notice (预测，暂定)
    days: int = 1  # calendar days covered (a run of days off is one segment)
    paused: int = 0  # working seconds of the day inside a pause (a pause: the time it removed)
    whole_day: bool = False  # a working day counted whole
    periods: tuple[tuple[datetime, datetime], ...] = ()  # the office hours used

    def as_dict(self) -> dict:
        """Plain data (instants stay datetimes)."""
        return {"kind": self.kind, "from": self.start, "to": self.end,
                "counted_seconds": self.counted, "reason": self.reason, "source": self.source,
                "provisional": self.provisional, "days": self.days,
                "paused_seconds": self.paused, "whole_day": self.whole_day,
                "office_hours": [{"from": low, "to": high} for low, high in self.periods]}


@dataclass(frozen=True)
class Explanation:
    """Why a deadline is where it is."""

    start: datetime
    limit: Any  # the Limit (limits.py builds explanations, so it is not imported here)
    budget: int  # the limit as working (round the clock: wall) seconds
    due_at: datetime | None  # None while a pause that began before it is running
    unpaused_due_at: datetime | None
    round_the_clock: bool
    provisional: bool
    segments: tuple[Segment, ...]

    @property
    def counted(self) -> int:
        """The seconds counted by every segment (pauses count none)."""
        return sum(segment.counted for segment in self.segments)

    @property
    def pauses(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.kind == "pause")

    def days_off(self) -> dict[str, int]:
        """Days skipped per holiday or closure name ("国庆节": 7), in order of appearance."""
        totals: dict[str, int] = {}
        for segment in self.segments:
            if segment.kind in ("holiday", "closure") and segment.reason:
                totals[segment.reason] = totals.get(segment.reason, 0) + segment.days
        return totals


def explain_span(
    clock: WorkingClock,
    start: datetime,
    end: datetime,
    pauses: Sequence[tuple[datetime, datetime]],
    effects: Iterable[Any],  # the Deadline's PauseEffects
    round_the_clock: bool,
) -> list[Segment]:
    """The segments from start to end (the computed due instant, or where an open pause
    stopped the count): one per day walked, days off merged into runs, then the pauses."""
    segments: list[Segment] = []
    if round_the_clock:
        if end > start:
            wall = clock.tz
            counted = _wall_counted(start, end, pauses)
            segments.append(Segment("round_the_clock", start.astimezone(wall), end.astimezone(wall),
                                    counted, paused=int((end - start).total_seconds()) - counted))
    elif end > start:
        for span in clock.walk(start, end, pauses):
            info = clock.calendar.day_info(span.day)
            segment = _day_segment(info, span)
            previous = segments[-1] if segments else None
            if (previous is not None and segment.kind not in WORKING_SEGMENTS
                    and segment.kind != "outside_hours"
                    and (previous.kind, previous.reason, previous.source, previous.provisional)
                    == (segment.kind, segment.reason, segment.source, segment.provisional)):
                segments[-1] = replace(previous, end=segment.end, days=previous.days + 1)
            else:
                segments.append(segment)
    for effect in effects:
        segments.append(Segment("pause", effect.start.astimezone(clock.tz),
                                None if effect.end is None else effect.end.astimezone(clock.tz),
                                0, reason=effect.label or None,
                                paused=int(effect.excluded.total_seconds())))
    segments.sort(key=lambda s: (max(s.start, start), s.kind == "pause"))
    return segments


def _day_segment(info: DayInfo, span: DaySpan) -> Segment:
    kind = _DAY_KINDS[info.kind]
    if kind in WORKING_SEGMENTS and not span.periods and not span.paused:
        kind = "outside_hours"
    return Segment(kind, span.start, span.end, span.counted, reason=info.name,
                   source=info.source, provisional=info.provisional, paused=span.paused,
                   whole_day=span.whole_day, periods=span.periods)


def _wall_counted(start: datetime, end: datetime,
                  pauses: Sequence[tuple[datetime, datetime]]) -> int:
    """Wall seconds from start to end outside the (merged) pauses."""
    start, end = start.replace(microsecond=0), end.replace(microsecond=0)
    paused = timedelta(0)
    reach = start
    for low, high in sorted((s.replace(microsecond=0), e.replace(microsecond=0))
                            for s, e in pauses):
        low, high = max(low, reach), min(high, end)
        if high > low:
            paused += high - low
            reach = high
    return int((end - start - paused).total_seconds())
