"""The working-time clock: office hours on the Chinese working-day calendar.

Working time is measured with one function, W(t) = the working seconds from the start of the
calendar's range to the instant t. W is continuous and never decreases, so

* the working time between a and b is W(b) - W(a) (O(1): one index lookup per instant);
* a deadline is the earliest instant t with W(t) = W(start) + amount (O(log n): a bisection);
* a pause is the W-interval [W(pause start), W(pause end)], and paused working time is the
  overlap of those intervals, which merging makes exact even when pauses overlap.

The index is one `array('q')` of cumulative working seconds and one `array('i')` of
cumulative working-day counts, one entry each per calendar day (about 440 kB for 2000-2099),
plus one byte per day saying whether it is a working day. A day whose office hours are partly
closed (a typhoon from 14:00) has its own office periods; every other working day has the
configured ones.

Resolution: whole seconds. Microseconds are truncated everywhere, consistently: every instant
(starts, ends, pause ends) is floored to its second before it is measured, and amounts are
floored to whole seconds. Returned datetimes therefore have microsecond == 0.

Office hours are wall-clock times in the clock's time zone; Asia/Shanghai has had no daylight
saving time since 1991, so wall-clock and elapsed time agree.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from .calendar import WORKING_KINDS, ChinaCalendar, Closure

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "SHANGHAI",
    "ClockPause",
    "DaySpan",
    "OfficeHours",
    "Pause",
    "WorkingClock",
    "build_clock",
    "default_clock",
    "parse_office_hours",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
OfficeHours = tuple[tuple[time, time], ...]
DEFAULT_OFFICE_HOURS: OfficeHours = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
Pause = tuple[datetime, datetime]


class DaySpan(NamedTuple):
    """One calendar day of a walk over working time (WorkingClock.walk)."""

    day: date
    start: datetime  # the part of the day inside the walked span
    end: datetime
    counted: int  # working seconds counted on the day, paused time excluded
    paused: int  # working seconds of the day inside a pause
    whole_day: bool  # the day's whole working time lies in the span
    periods: tuple[tuple[datetime, datetime], ...]  # office periods used, clipped to the span


class ClockPause(NamedTuple):
    """A pause as the clock takes it, with a label for the explanation of a deadline
    (e.g. "市政审批 · 张三"). A plain (start, end) pair works everywhere too; an end of None
    means still paused where a function accepts open pauses."""

    start: datetime
    end: datetime | None
    label: str = ""


def pause_bounds(pause: object) -> tuple[datetime, datetime | None]:
    """(start, end) of a ClockPause or a (start, end) pair; a clear error for anything else."""
    if isinstance(pause, ClockPause):
        return pause.start, pause.end
    try:
        start, end = pause  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ValueError(f"a pause must be a (start, end) pair, got {pause!r}") from None
    return start, end


def pause_label(pause: object) -> str:
    """The label of a ClockPause; "" for a plain pair."""
    return pause.label if isinstance(pause, ClockPause) else ""


_SECOND = timedelta(seconds=1)
_UNKNOWN = object()  # a UTC day whose offset is not looked up yet


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def require_aware(value: object, what: str) -> None:
    """Refuse naive datetimes (and non-datetimes): an instant without a zone is ambiguous."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a timezone-aware datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")


def validate_office_hours(office_hours: Sequence[tuple[time, time]]) -> OfficeHours:
    """Check office periods are non-empty, each start < end, sorted and not overlapping."""
    periods = tuple(tuple(period) for period in office_hours)
    if not periods:
        raise ValueError("office hours are empty: give at least one period, e.g. 08:30-17:30")
    previous_end: time | None = None
    for period in periods:
        if len(period) != 2 or not all(isinstance(t, time) for t in period):
            raise ValueError(f"an office period must be a (start, end) pair of times: {period!r}")
        start, end = period
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(
                "office hours are wall-clock times in the clock's time zone: no tzinfo"
            )
        if start.microsecond or end.microsecond:
            raise ValueError("office hours are exact to the second: no microseconds")
        if start >= end:
            raise ValueError(f"office period {start:%H:%M}-{end:%H:%M} ends before it starts")
        if previous_end is not None and start < previous_end:
            raise ValueError(
                f"office periods must be sorted and must not overlap: {start:%H:%M} "
                f"starts before the previous period ends at {previous_end:%H:%M}"
            )
        previous_end = end
    return periods  # type: ignore[return-value]


_PERIOD = re.compile(r"^(\d{1,2}:\d{2}(?::\d{2})?)\s*[-–~～]\s*(\d{1,2}:\d{2}(?::\d{2})?)$")


def parse_office_hours(text: str) -> OfficeHours:
    """Parse "08:30-12:00,13:30-17:30" into ((08:30, 12:00), (13:30, 17:30))."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("office hours text is empty; expected e.g. '08:30-12:00,13:30-17:30'")
    periods = []
    for part in re.split(r"[,，;；]", text):
        match = _PERIOD.match(part.strip())
        if match is None:
            raise ValueError(
                f"cannot read office period {part.strip()!r}; expected HH:MM-HH:MM, "
                "e.g. '08:30-12:00,13:30-17:30'"
            )
        try:
            start, end = (time(*map(int, value.split(":"))) for value in match.groups())
        except ValueError:
            raise ValueError(f"bad time in office period {part.strip()!r}") from None
        periods.append((start, end))
    return validate_office_hours(periods)


class WorkingClock:
    """Working time on a ChinaCalendar, within office hours, in one time zone."""

    def __init__(
        self,
        calendar: ChinaCalendar,
        office_hours: Sequence[tuple[time, time]] = DEFAULT_OFFICE_HOURS,
        tz: tzinfo = SHANGHAI,
    ) -> None:
        self.calendar = calendar
        self.office_hours = validate_office_hours(office_hours)
        self.tz = tz
        # (start second, end second, working seconds of the day before this period)
        periods = []
        before = 0
        for start, end in self.office_hours:
            periods.append((_seconds(start), _seconds(end), before))
            before += _seconds(end) - _seconds(start)
        self._periods = tuple(periods)
        self._day_seconds = before
        self._close_time = self.office_hours[-1][1]

        codes = calendar.codes
        self._first_ordinal = calendar.first_day.toordinal()
        self._days = len(codes)
        # Days with part of their hours closed get their own periods (None: no time left).
        self._custom: dict[int, tuple[tuple[int, int, int], ...]] = {}
        for day, windows in calendar.partial_closures().items():
            self._custom[day.toordinal() - self._first_ordinal] = _open_periods(
                self._periods, windows
            )
        # One byte per day: 1 on a working day. bytes.translate keeps construction in C.
        table = bytes(1 if code in WORKING_KINDS else 0 for code in range(256))
        working = bytearray(codes.translate(table))
        for index, periods in self._custom.items():
            if not periods:
                working[index] = 0  # the closure covers all of that day's office hours
        self._working = bytes(working)
        # _cum[i] = working days before day i; len = days + 1 so the range end has a value.
        self._cum = array("i", accumulate(self._working, initial=0))
        self._total_days = self._cum[-1]
        # _cum_seconds[i] = working seconds before day i.
        seconds = array("q", (self._day_seconds * flag for flag in self._working))
        for index, periods in self._custom.items():
            seconds[index] = _length(periods)
        self._cum_seconds = array("q", accumulate(seconds, initial=0))
        self._total_seconds = self._cum_seconds[-1]
        # The zone's offset per UTC day (seconds; None: the day takes the plain path), filled
        # as instants are measured (see _w).
        self._utc_offsets: dict[int, int | None] = {}
        self._range_start = datetime.combine(calendar.first_day, time(0), tzinfo=tz)
        self._range_end = datetime.combine(
            calendar.last_day + timedelta(days=1), time(0), tzinfo=tz
        )

    # -- the index -------------------------------------------------------------------------

    @property
    def index_nbytes(self) -> int:
        """Bytes held by the precomputed index (cumulative counts plus working flags)."""
        return (
            self._cum.itemsize * len(self._cum)
            + self._cum_seconds.itemsize * len(self._cum_seconds)
            + len(self._working)
        )

    def _utc_day_offset(self, ordinal: int) -> int | None:
        """The clock zone's offset in whole seconds throughout the UTC day `ordinal`, or None
        when it changes within the day (a DST switch), is not whole seconds, or the day is
        beyond datetime's range: such instants take the plain path. Kept per day."""
        offset: int | None = None
        try:
            first = datetime.combine(date.fromordinal(ordinal), time(0), tzinfo=UTC)
            before, after = (
                (first + step).astimezone(self.tz).utcoffset()
                for step in (timedelta(0), timedelta(days=1) - timedelta(microseconds=1))
            )
        except (OverflowError, ValueError):
            before = after = None
        if before is not None and before == after and not before.microseconds:
            offset = before.days * 86400 + before.seconds
        self._utc_offsets[ordinal] = offset
        return offset

    def _w(self, instant: datetime, what: str) -> int:
        """W(instant): working seconds from the range start to the instant (floored)."""
        if instant.__class__ is datetime and instant.tzinfo is UTC:
            # The fast path for instants in UTC (what the database gives: a report measures
            # hundreds of thousands): the local second is the UTC one plus the zone's offset,
            # which is the same all that UTC day (checked once per day), so no astimezone.
            # It gives what the plain path below gives (tests/sla/test_clock_fast_path.py).
            ordinal = instant.toordinal()
            offset = self._utc_offsets.get(ordinal, _UNKNOWN)
            if offset is _UNKNOWN:
                offset = self._utc_day_offset(ordinal)
            if offset is not None:
                index, second = divmod(
                    (ordinal - self._first_ordinal) * 86400 + instant.hour * 3600
                    + instant.minute * 60 + instant.second + offset, 86400)
                return self._w_at(index, second, instant, what)
        require_aware(instant, what)
        local = instant.astimezone(self.tz)
        return self._w_at(local.toordinal() - self._first_ordinal,
                          local.hour * 3600 + local.minute * 60 + local.second, instant, what)

    def _w_at(self, index: int, second: int, instant: datetime, what: str) -> int:
        """W at the local day `index` (from the range's first day) and second of that day."""
        if not 0 <= index < self._days:
            if index == self._days and second == 0:  # the range's end instant itself
                return self._total_seconds
            raise ValueError(
                f"{what} {instant.isoformat()} is outside the clock's range "
                f"{self.calendar.first_day}..{self.calendar.last_day}"
            )
        worked = self._cum_seconds[index]
        if self._working[index]:
            for start, end, before in self._custom.get(index, self._periods):
                if second <= start:
                    return worked + before
                if second < end:
                    return worked + before + second - start
            return self._cum_seconds[index + 1]
        return worked

    def _locate(self, target: int) -> tuple[int, int]:
        """The earliest (day index, second of day) at which W reaches target > 0."""
        if target > self._total_seconds:
            raise ValueError(
                f"the result falls after the clock's range ends ({self.calendar.last_day})"
            )
        # The working day with _cum_seconds[index] < target <= _cum_seconds[index + 1].
        index = bisect_right(self._cum_seconds, target - 1) - 1
        remainder = target - self._cum_seconds[index]  # 1..that day's working seconds
        for start, end, before in self._custom.get(index, self._periods):
            if remainder <= before + end - start:
                return index, start + remainder - before
        raise AssertionError("unreachable: remainder is at most the day length")

    def _instant(self, index: int, second: int) -> datetime:
        day = date.fromordinal(self._first_ordinal + index)
        hour, rest = divmod(second, 3600)
        return datetime(day.year, day.month, day.day, hour, rest // 60, rest % 60, tzinfo=self.tz)

    def _pause_intervals(self, pauses: Iterable[Pause]) -> list[tuple[int, int]]:
        """Pauses as merged, sorted W-intervals; instants are clipped to the clock's range."""
        intervals = []
        for pause in pauses:
            pause_start, pause_end = pause_bounds(pause)
            if pause_end is None:
                raise ValueError(
                    "a pause passed to the clock needs an end; open pauses are handled by "
                    "compute_deadline and elapsed_budget"
                )
            low = self._w(self._clip(pause_start, "pause start"), "pause start")
            high = self._w(self._clip(pause_end, "pause end"), "pause end")
            if pause_end < pause_start:  # both are aware now, so comparable
                raise ValueError(
                    f"a pause ends ({pause_end.isoformat()}) before it starts "
                    f"({pause_start.isoformat()})"
                )
            if high > low:
                intervals.append((low, high))
        intervals.sort()
        merged: list[tuple[int, int]] = []
        for low, high in intervals:
            if merged and low <= merged[-1][1]:
                if high > merged[-1][1]:
                    merged[-1] = (merged[-1][0], high)
            else:
                merged.append((low, high))
        return merged

    def _clip(self, instant: datetime, what: str) -> datetime:
        require_aware(instant, what)
        if instant < self._range_start:
            return self._range_start
        if instant > self._range_end:
            return self._range_end
        return instant

    # -- public API ------------------------------------------------------------------------

    @property
    def working_day_length(self) -> timedelta:
        """Working time in one working day (7.5 h with the default office hours)."""
        return timedelta(seconds=self._day_seconds)

    @property
    def working_day_seconds(self) -> float:
        """working_day_length in seconds (what its total_seconds() gives, without the
        timedelta)."""
        return float(self._day_seconds)

    def is_working_day(self, day: date) -> bool:
        """Whether a date (or the local date of an aware datetime) is a working day."""
        if isinstance(day, datetime):
            require_aware(day, "day")
            day = day.astimezone(self.tz).date()
        return self.calendar.is_working_day(day)

    def working_time_between(
        self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
    ) -> timedelta:
        """Working time from start to end, paused time excluded; negative if end < start."""
        return timedelta(seconds=self.working_seconds_between(start, end, pauses))

    def working_seconds_between(
        self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
    ) -> int:
        """working_time_between in whole seconds (no timedelta made: a report measures tens
        of thousands of spans)."""
        low = self._w(start, "start")
        high = self._w(end, "end")
        sign = 1
        if high < low:
            low, high, sign = high, low, -1
        paused = 0
        if pauses != () and pauses != []:  # most spans have none: no merge to make
            for pause_low, pause_high in self._pause_intervals(pauses):
                overlap = min(pause_high, high) - max(pause_low, low)
                if overlap > 0:
                    paused += overlap
        return sign * (high - low - paused)

    def walk(self, start: datetime, end: datetime,
             pauses: Iterable[Pause] = ()) -> Iterator[DaySpan]:
        """The working time from start to end, one DaySpan per calendar day, on the same index
        as working_time_between: the spans' counted seconds add up to it exactly (the paused
        W-intervals are the same merged ones)."""
        low, high = self._w(start, "start"), self._w(end, "end")
        if high < low:
            raise ValueError("walk: end is before start")
        intervals = self._pause_intervals(pauses)
        local_start, local_end = start.astimezone(self.tz), end.astimezone(self.tz)
        first = local_start.toordinal() - self._first_ordinal
        last = local_end.toordinal() - self._first_ordinal
        if last > first and local_end.time() == time(0):
            last -= 1  # ends at midnight: nothing of that day is in the span
        for index in range(first, min(last, self._days - 1) + 1):
            day_low = max(low, self._cum_seconds[index])
            day_high = min(high, self._cum_seconds[index + 1])
            worked = max(0, day_high - day_low)
            paused = sum(max(0, min(p_high, day_high) - max(p_low, day_low))
                         for p_low, p_high in intervals) if worked else 0
            day = date.fromordinal(self._first_ordinal + index)
            midnight = datetime.combine(day, time(0), tzinfo=self.tz)
            span_from = max(local_start, midnight).replace(microsecond=0)
            span_to = min(local_end, midnight + timedelta(days=1)).replace(microsecond=0)
            periods = tuple(
                (max(p_start, span_from), min(p_end, span_to))
                for p_start, p_end in self.office_periods(day)
                if p_end > span_from and p_start < span_to
            )
            yield DaySpan(day, span_from, span_to, worked - paused, paused,
                          worked == self._cum_seconds[index + 1] - self._cum_seconds[index]
                          and worked > 0, periods)

    def add_working_time(
        self, start: datetime, amount: timedelta, pauses: Iterable[Pause] = ()
    ) -> datetime:
        """The earliest instant at which `amount` of working time has elapsed since start.

        Ends on the close of a period (17:30), never the opening of the next (08:30 the next
        day). An amount of zero returns start itself. The result is in the clock's time zone.
        """
        if not isinstance(amount, timedelta):
            raise TypeError(f"amount must be a timedelta, got {amount!r}")
        if amount < timedelta(0):
            raise ValueError(f"amount of working time cannot be negative: {amount}")
        origin = self._w(start, "start")
        target = origin + amount // _SECOND
        for pause_low, pause_high in self._pause_intervals(pauses):
            if pause_high <= origin:
                continue
            pause_low = max(pause_low, origin)
            if pause_low >= target:
                break
            target += pause_high - pause_low  # the pause pushes the deadline back
        if target == origin:
            return start.astimezone(self.tz).replace(microsecond=0)
        return self._instant(*self._locate(target))

    def add_working_days(self, start: datetime, n: float, pauses: Iterable[Pause] = ()) -> datetime:
        """add_working_time with n x working_day_length (fractions rounded to the second)."""
        if n < 0:
            raise ValueError(f"number of working days cannot be negative: {n}")
        return self.add_working_time(start, timedelta(seconds=round(n * self._day_seconds)), pauses)

    def working_days_between(
        self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
    ) -> float:
        """working_time_between in working days (of working_day_length each)."""
        return self.working_time_between(start, end, pauses) / self.working_day_length

    def next_working_instant(self, instant: datetime) -> datetime:
        """The instant itself if it is within office hours on a working day, else the next
        opening (08:30 on the next working day after hours or on a holiday)."""
        index, second = self._locate(self._w(instant, "instant") + 1)
        return self._instant(index, second - 1)

    def close_of_day(self, day: date) -> datetime:
        """The end of the last office period of that date (17:30 by default; 14:00 on a day
        closed from 14:00 by a typhoon)."""
        periods = self._custom.get(self._day_index(day))
        if periods:
            last_end = periods[-1][1]
            return datetime.combine(day, time(last_end // 3600, last_end // 60 % 60,
                                              last_end % 60), tzinfo=self.tz)
        return datetime.combine(day, self._close_time, tzinfo=self.tz)

    def working_time_on(self, day: date) -> timedelta:
        """The working time of a date (zero on a day off, less on a partly closed day)."""
        index = self._day_index(day)
        return timedelta(seconds=self._cum_seconds[index + 1] - self._cum_seconds[index])

    def office_periods(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The office periods of a date as instants (none on a day off)."""
        index = self._day_index(day)
        if not self._working[index]:
            return ()
        return tuple(
            (self._instant(index, start), self._instant(index, end))
            for start, end, _ in self._custom.get(index, self._periods)
        )

    def close_of_period_after(self, instant: datetime, n: int) -> datetime:
        """The close of the nth office period after the one the instant falls in (or, outside
        office hours, the one that opens next): with 08:30-12:00 and 13:30-17:30, 10:00 and
        n=1 is 17:30 the same day, 14:00 and n=1 is 12:00 the next working day (半个工作日
        as half-day periods: 上午接单下午完成，下午接单次日上午完成)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        opening = self.next_working_instant(instant)
        index = self._day_index(opening.date())
        second = opening.hour * 3600 + opening.minute * 60 + opening.second
        periods = self._custom.get(index, self._periods)
        position = next(i for i, (start, end, _) in enumerate(periods) if start <= second < end)
        for _ in range(n):
            position += 1
            if position >= len(periods):
                day = self.working_day_after(date.fromordinal(self._first_ordinal + index))
                index = self._day_index(day)
                periods = self._custom.get(index, self._periods)
                position = 0
        return self._instant(index, periods[position][1])

    def working_day_after(self, day: date, n: int = 1) -> date:
        """The nth working day strictly after `day` (n >= 1)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        index = self._day_index(day)
        number = self._cum[index + 1] + n - 1
        if number >= self._total_days:
            raise ValueError(f"the working day {n} after {day} is after the calendar's range")
        return date.fromordinal(self._first_ordinal + bisect_right(self._cum, number) - 1)

    def last_working_day_of_month(self, day: date) -> date | None:
        """The last working day of day's month (None if the month has none)."""
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        start_index = self._day_index(first)
        end_index = following.toordinal() - self._first_ordinal  # exclusive
        if end_index > self._days:
            raise ValueError(f"month of {day} is outside the calendar's range")
        if self._cum[end_index] == self._cum[start_index]:
            return None
        # The working day numbered cum[end] - 1 is the month's last.
        index = bisect_right(self._cum, self._cum[end_index] - 1) - 1
        return date.fromordinal(self._first_ordinal + index)

    def is_provisional(self, start: datetime | date, end: datetime | date) -> bool:
        """Whether any day from start's date to end's date lies in a provisional year."""
        first, last = sorted((self._local_date(start), self._local_date(end)))
        provisional = self.calendar.provisional_years
        return any(year in provisional for year in range(first.year, last.year + 1))

    depends_on_provisional = is_provisional

    def _local_date(self, value: datetime | date) -> date:
        if isinstance(value, datetime):
            require_aware(value, "datetime")
            return value.astimezone(self.tz).date()
        return value

    def _day_index(self, day: date) -> int:
        index = day.toordinal() - self._first_ordinal
        if not 0 <= index < self._days:
            raise ValueError(
                f"date {day} is outside the calendar's range "
                f"{self.calendar.first_day}..{self.calendar.last_day}"
            )
        return index


def _open_periods(
    periods: tuple[tuple[int, int, int], ...], closed: Iterable[tuple[int, int]]
) -> tuple[tuple[int, int, int], ...]:
    """Office periods (start, end, seconds before) minus closed spans of the day."""
    spans = [(start, end) for start, end, _ in periods]
    for low, high in closed:
        kept = []
        for start, end in spans:
            if end <= low or start >= high:
                kept.append((start, end))
                continue
            if start < low:
                kept.append((start, low))
            if end > high:
                kept.append((high, end))
        spans = kept
    result = []
    before = 0
    for start, end in spans:
        result.append((start, end, before))
        before += end - start
    return tuple(result)


def _length(periods: tuple[tuple[int, int, int], ...]) -> int:
    return sum(end - start for start, end, _ in periods)


@cache
def default_clock() -> WorkingClock:
    """The clock with default office hours on the shipped holiday files (built once)."""
    return build_clock()


def build_clock(
    office_hours: Sequence[tuple[time, time]] | str | None = None,
    closures: Iterable[Closure] = (),
    holidays_dir: Path | str | None = None,
    tz: tzinfo = SHANGHAI,
) -> WorkingClock:
    """A clock from configuration: office hours (tuples or "08:30-12:00,13:30-17:30"),
    local closures, the holiday folder and the time zone office hours are counted in (the
    library's default is China's; the application passes its configured zone)."""
    if isinstance(office_hours, str):
        office_hours = parse_office_hours(office_hours)
    calendar = ChinaCalendar(holidays_dir=holidays_dir, closures=closures)
    return WorkingClock(calendar, office_hours or DEFAULT_OFFICE_HOURS, tz=tz)
