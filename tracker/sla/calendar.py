"""The Chinese working-day calendar: which dates are working days, and why.

Sources, per year, in order of precedence:
1. a file in `tracker/sla/holidays/` (the State Council notice for that year, with any later
   notice amending it: see that folder's README.md); shipped for 2018-2026;
2. workalendar's `China` rules for the years it knows (2018-2023), if their file is removed;
3. otherwise the predicted schedule (`statutory.py`): *provisional*.
Local closures (a typhoon day, or part of one) and local extra working days go on top.

Every day that is not an ordinary weekday or weekend knows its name and its source (the
notice, the prediction, or the closure with who recorded it): `day_info()` and
`special_days()`, what an explanation of a deadline lists.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache
from pathlib import Path

from .holiday_files import HolidayFile, load_holiday_dir

# FIRST_YEAR, LAST_YEAR: the years every calendar covers by default, and the range of dates
# the whole product accepts (forms, API, imports, the calendar pages). They are the years the
# statutory rules are modelled for, named once in statutory.py, exported as sla.FIRST_YEAR.
from .statutory import FIRST_YEAR, LAST_YEAR, predicted_schedule

__all__ = [
    "DAY_KINDS",
    "WORKING_KINDS",
    "ChinaCalendar",
    "Closure",
    "DayInfo",
    "default_holidays_dir",
]

# Day kinds, stored one byte per day; their index is the code. A partial closure is a working
# day with part of its office hours closed (a typhoon from 14:00).
DAY_KINDS = (
    "working",
    "weekend",
    "holiday",
    "makeup_working",
    "closure",
    "local_working",
    "partial_closure",
)
WORKING, WEEKEND, HOLIDAY, MAKEUP, CLOSURE, LOCAL_WORKING, PARTIAL = range(len(DAY_KINDS))
WORKING_KINDS = frozenset({WORKING, MAKEUP, LOCAL_WORKING, PARTIAL})

WORKALENDAR_SOURCE = "workalendar"
PREDICTED_SOURCE = "predicted (provisional)"
LOCAL_SOURCE = "本地停工/加班（本单位登记）"
_WORKALENDAR_YEARS = range(2018, 2024)  # workalendar.asia.China raises for other years
# workalendar's English names, in the Chinese the product shows.
_WORKALENDAR_NAMES = {
    "New year": "元旦",
    "New Year shift": "元旦",
    "Chinese New Year's eve": "春节",
    "Chinese New Year": "春节",
    "Spring Festival": "春节",
    "Ching Ming Festival": "清明节",
    "Labour Day Holiday": "劳动节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-Autumn Festival": "中秋节",
    "National Day": "国庆节",
}


def default_holidays_dir() -> Path:
    """The holiday files shipped inside the package (`tracker/sla/holidays/`)."""
    return Path(__file__).resolve().parent / "holidays"


@dataclass(frozen=True)
class Closure:
    """A local exception: a closure (typhoon, working=False) or an extra working day.

    A closure covers the whole day unless `start`/`end` say otherwise (local wall-clock
    times; start None = from the start of the day, end None = to its end): a typhoon from
    14:00 is `Closure(day, False, "台风", start=time(14))`. `recorded_by` names who recorded
    it, for the explanation of a deadline.
    """

    day: date
    working: bool
    reason: str
    start: time | None = None
    end: time | None = None
    recorded_by: str = ""

    def __post_init__(self) -> None:
        if self.working and (self.start is not None or self.end is not None):
            raise ValueError("an extra working day is a whole day: give no start or end")
        for value in (self.start, self.end):
            if value is not None and (value.tzinfo is not None or value.microsecond):
                raise ValueError("closure times are local wall-clock times to the second")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError(f"closure on {self.day} ends before it starts")

    @property
    def partial(self) -> bool:
        """True if the closure covers part of the day only."""
        return not self.working and (self.start is not None or self.end is not None)

    def window(self) -> tuple[int, int]:
        """The closed span as seconds of the day [start, end)."""
        low = 0 if self.start is None else _seconds(self.start)
        high = 86400 if self.end is None else _seconds(self.end)
        return low, high


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass(frozen=True)
class DayInfo:
    """What the calendar knows of one day: the material of a deadline's explanation."""

    day: date
    kind: str  # one of DAY_KINDS
    working: bool
    name: str | None  # 国庆节, 春节调休上班, the closure's reason; None on an ordinary day
    source: str | None  # the notice (title（number）), the prediction, or the local record
    provisional: bool  # from a predicted (unpublished) year
    closures: tuple[Closure, ...] = ()  # local closures of the day, with who recorded them


class ChinaCalendar:
    """Working days for first_year..last_year, built once at construction."""

    def __init__(
        self,
        holidays_dir: Path | str | None = None,
        closures: Iterable[Closure] = (),
        first_year: int = FIRST_YEAR,
        last_year: int = LAST_YEAR,
    ) -> None:
        if not FIRST_YEAR <= first_year <= last_year <= LAST_YEAR:
            raise ValueError(
                f"calendar years must satisfy {FIRST_YEAR} <= first_year <= last_year "
                f"<= {LAST_YEAR}, got {first_year}..{last_year}"
            )
        self.first_year = first_year
        self.last_year = last_year
        self.first_day = date(first_year, 1, 1)
        self.last_day = date(last_year, 12, 31)
        self._first_ordinal = self.first_day.toordinal()
        self.holidays_dir = (
            Path(holidays_dir) if holidays_dir is not None else default_holidays_dir()
        )
        self.files: dict[int, HolidayFile] = load_holiday_dir(self.holidays_dir)
        self._names: dict[date, str] = {}
        self._day_sources: dict[date, str] = {}
        self._sources: dict[int, str] = {}
        self._closures: dict[date, tuple[Closure, ...]] = {}
        self._codes = self._weekend_pattern()
        self._from_file: dict[date, int] = {}  # day -> year of the file that set it
        self._predicted_days: set[date] = set()
        for year in range(first_year, last_year + 1):
            if year in self.files:
                self._apply_file(self.files[year])
            elif year in _WORKALENDAR_YEARS:
                self._apply_workalendar(year)
            else:
                self._apply_prediction(year)
        self.provisional_years: frozenset[int] = frozenset(
            year for year, source in self._sources.items() if source == PREDICTED_SOURCE
        )
        self._apply_closures(closures)

    # -- queries ---------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        return self._codes[self._index(day)] in WORKING_KINDS

    def day_kind(self, day: date) -> str:
        """One of DAY_KINDS: working, weekend, holiday, makeup_working, closure,
        local_working, partial_closure."""
        return DAY_KINDS[self._codes[self._index(day)]]

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name on a day off (or the closure's reason), else None."""
        if self._codes[self._index(day)] in (HOLIDAY, CLOSURE):
            return self._names.get(day)
        return None

    def describe(self, day: date) -> str | None:
        """The name of any special day: holiday, make-up working day, closure, extra working day."""
        self._index(day)
        return self._names.get(day)

    def day_info(self, day: date) -> DayInfo:
        """Kind, name, source, provisional flag and local closures of one day."""
        code = self._codes[self._index(day)]
        return DayInfo(
            day=day,
            kind=DAY_KINDS[code],
            working=code in WORKING_KINDS,
            name=self._names.get(day),
            source=self._day_sources.get(day),
            provisional=day in self._predicted_days,
            closures=self._closures.get(day, ()),
        )

    def special_days(self, first: date, last: date) -> Iterator[DayInfo]:
        """Every day from first to last (inclusive) that has a name: holidays, days off the
        notice lists on a weekend, make-up working days, closures, extra working days."""
        self._index(first)
        self._index(last)
        day = first
        while day <= last:
            if day in self._names:
                yield self.day_info(day)
            day += timedelta(days=1)

    def closures_on(self, day: date) -> tuple[Closure, ...]:
        """The local closures (and extra working day) recorded for a day."""
        self._index(day)
        return self._closures.get(day, ())

    def is_provisional_year(self, year: int) -> bool:
        """True if `year` has no published schedule and uses the prediction."""
        self._check_year(year)
        return year in self.provisional_years

    def source_of(self, year: int) -> str:
        """The notice a year comes from, "workalendar", or "predicted (provisional)"."""
        self._check_year(year)
        return self._sources[year]

    @property
    def codes(self) -> bytes:
        """One DAY_KINDS code per day from first_day to last_day (for the clock's index)."""
        return bytes(self._codes)

    def partial_closures(self) -> dict[date, tuple[tuple[int, int], ...]]:
        """The closed spans (seconds of the day) of each partially closed day."""
        return {
            day: tuple(c.window() for c in closures if c.partial)
            for day, closures in self._closures.items()
            if self._codes[self._index(day)] == PARTIAL
        }

    # -- construction ----------------------------------------------------------------------

    def _check_year(self, year: int) -> None:
        if not self.first_year <= year <= self.last_year:
            raise ValueError(
                f"year {year} is outside the calendar's range {self.first_year}-{self.last_year}"
            )

    def _index(self, day: date) -> int:
        index = day.toordinal() - self._first_ordinal
        if not 0 <= index < len(self._codes):
            raise ValueError(
                f"date {day} is outside the calendar's range {self.first_day}..{self.last_day}"
            )
        return index

    def _in_range(self, day: date) -> bool:
        return 0 <= day.toordinal() - self._first_ordinal < len(self._codes)

    def _weekend_pattern(self) -> bytearray:
        """Working Monday-Friday, weekend Saturday-Sunday, for the whole range."""
        week = bytes([WORKING] * 5 + [WEEKEND] * 2)
        days = self.last_day.toordinal() - self._first_ordinal + 1
        offset = self.first_day.weekday()
        repeated = week[offset:] + week * (days // 7 + 1)
        return bytearray(repeated[:days])

    def _set(self, day: date, code: int, name: str, source: str) -> None:
        self._codes[day.toordinal() - self._first_ordinal] = code
        self._names[day] = name
        self._day_sources[day] = source

    def _ordinary(self, day: date) -> bool:
        return self._in_range(day) and day not in self._names

    def _apply_file(self, holiday_file: HolidayFile) -> None:
        for days, code in ((holiday_file.days_off, HOLIDAY), (holiday_file.working_days, MAKEUP)):
            for day, name in days.items():
                if not self._in_range(day):
                    continue  # a December day before the calendar's first year
                earlier = self._from_file.get(day)
                if earlier is not None and earlier != holiday_file.year:
                    raise ValueError(
                        f"{day} is listed in both {earlier}.txt and {holiday_file.year}.txt "
                        f"of {self.holidays_dir}; list it in one"
                    )
                self._set(day, code, name, holiday_file.sources.get(day, holiday_file.citation))
                self._from_file[day] = holiday_file.year
        self._sources[holiday_file.year] = holiday_file.notice

    def _apply_workalendar(self, year: int) -> None:
        for day, name in _workalendar_year(year):
            if day.year == year:  # defensive: each year's rules own that year's dates only
                self._set(day, HOLIDAY, _WORKALENDAR_NAMES.get(name, name), WORKALENDAR_SOURCE)
        for day in _workalendar_extra_working_days():
            if day.year == year:
                self._set(day, MAKEUP, "调休上班", WORKALENDAR_SOURCE)
        self._sources[year] = WORKALENDAR_SOURCE

    def _apply_prediction(self, year: int) -> None:
        schedule = predicted_schedule(year)
        for days, code in ((schedule.days_off, HOLIDAY), (schedule.working_days, MAKEUP)):
            for day, name in days.items():
                # The previous December belongs to last year's notice unless nothing is set.
                if day.year == year or self._ordinary(day):
                    self._set(day, code, name, schedule.source)
                    self._predicted_days.add(day)
        self._sources[year] = PREDICTED_SOURCE

    def _apply_closures(self, closures: Iterable[Closure]) -> None:
        by_day: dict[date, list[Closure]] = {}
        for closure in closures:
            if not isinstance(closure, Closure):
                raise TypeError(f"not a Closure: {closure!r}")
            self._index(closure.day)  # range check with a clear message
            for previous in by_day.get(closure.day, []):
                if previous.working != closure.working:
                    raise ValueError(
                        f"{closure.day} is given both as a closure and as a working day "
                        f"({previous.reason!r}, {closure.reason!r})"
                    )
            by_day.setdefault(closure.day, []).append(closure)
        for day, items in by_day.items():
            self._closures[day] = tuple(items)
            reason = "、".join(dict.fromkeys(c.reason for c in items))
            who = "、".join(dict.fromkeys(c.recorded_by for c in items if c.recorded_by))
            source = f"{LOCAL_SOURCE}：{who}" if who else LOCAL_SOURCE
            if items[0].working:
                code = LOCAL_WORKING
            elif all(c.partial for c in items) and self.is_working_day(day):
                code = PARTIAL  # a working day with part of its hours closed
            elif all(c.partial for c in items):
                continue  # part of a day off closed: nothing changes, nothing to name
            else:
                code = CLOSURE
            self._set(day, code, reason, source)


_workalendar_cache: dict[int, list[tuple[date, str]]] = {}


def _workalendar_year(year: int) -> list[tuple[date, str]]:
    """workalendar's China holidays for a year it knows (computed once per process)."""
    if year not in _workalendar_cache:
        from workalendar.asia import China

        with warnings.catch_warnings():
            # China warns on every call that it must be updated yearly; we know (and our
            # files cover the later years), and pytest turns warnings into errors.
            warnings.simplefilter("ignore")
            _workalendar_cache[year] = list(China().holidays(year))
    return _workalendar_cache[year]


@cache
def _workalendar_extra_working_days() -> tuple[date, ...]:
    from workalendar.asia import China

    return tuple(China().extra_working_days)
