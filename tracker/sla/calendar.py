"""The Chinese working-day calendar: which dates are working days, and why.

Sources, per year, in order of precedence:
1. a file in `holidays/` (the State Council notice for that year, see holidays/README.md);
2. workalendar's `China` rules for the years it knows (2018-2023);
3. otherwise weekends plus the statutory holidays (`statutory.py`): *provisional*.
Local closures (a typhoon day) and local extra working days are applied on top.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from .holiday_files import HolidayFile, load_holiday_dir
from .statutory import FIRST_YEAR as STATUTORY_FIRST
from .statutory import LAST_YEAR as STATUTORY_LAST
from .statutory import statutory_holidays

__all__ = ["DAY_KINDS", "WORKING_KINDS", "ChinaCalendar", "Closure", "default_holidays_dir"]

# Day kinds, stored one byte per day; their index is the code.
DAY_KINDS = ("working", "weekend", "holiday", "makeup_working", "closure", "local_working")
WORKING, WEEKEND, HOLIDAY, MAKEUP, CLOSURE, LOCAL_WORKING = range(len(DAY_KINDS))
WORKING_KINDS = frozenset({WORKING, MAKEUP, LOCAL_WORKING})

WORKALENDAR_SOURCE = "workalendar"
STATUTORY_SOURCE = "statutory (provisional)"
# The years every calendar covers by default: the range of dates the whole product accepts
# (forms, API, imports, the calendar pages), named once here.
FIRST_YEAR, LAST_YEAR = 2000, 2099
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
    """The repository's `holidays/` folder."""
    return Path(__file__).resolve().parents[2] / "holidays"


@dataclass(frozen=True)
class Closure:
    """A local exception: a closure (typhoon day, working=False) or an extra working day."""

    day: date
    working: bool
    reason: str


class ChinaCalendar:
    """Working days for first_year..last_year, built once at construction."""

    def __init__(
        self,
        holidays_dir: Path | str | None = None,
        closures: Iterable[Closure] = (),
        first_year: int = FIRST_YEAR,
        last_year: int = LAST_YEAR,
    ) -> None:
        if not STATUTORY_FIRST <= first_year <= last_year <= STATUTORY_LAST:
            raise ValueError(
                f"calendar years must satisfy {STATUTORY_FIRST} <= first_year <= last_year "
                f"<= {STATUTORY_LAST}, got {first_year}..{last_year}"
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
        self._sources: dict[int, str] = {}
        self._codes = self._weekend_pattern()
        for year in range(first_year, last_year + 1):
            if year in self.files:
                self._apply_file(self.files[year])
            elif year in _WORKALENDAR_YEARS:
                self._apply_workalendar(year)
            else:
                self._apply_statutory(year)
        self._apply_closures(closures)
        self.provisional_years: frozenset[int] = frozenset(
            year for year, source in self._sources.items() if source == STATUTORY_SOURCE
        )

    # -- queries ---------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        return self._codes[self._index(day)] in WORKING_KINDS

    def day_kind(self, day: date) -> str:
        """One of DAY_KINDS: working, weekend, holiday, makeup_working, closure, local_working."""
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

    def is_provisional_year(self, year: int) -> bool:
        """True if `year` has no published schedule and uses the statutory fallback."""
        self._check_year(year)
        return year in self.provisional_years

    def source_of(self, year: int) -> str:
        """The notice a year comes from, "workalendar", or "statutory (provisional)"."""
        self._check_year(year)
        return self._sources[year]

    @property
    def codes(self) -> bytes:
        """One DAY_KINDS code per day from first_day to last_day (for the clock's index)."""
        return bytes(self._codes)

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

    def _weekend_pattern(self) -> bytearray:
        """Working Monday-Friday, weekend Saturday-Sunday, for the whole range."""
        week = bytes([WORKING] * 5 + [WEEKEND] * 2)
        days = self.last_day.toordinal() - self._first_ordinal + 1
        offset = self.first_day.weekday()
        repeated = week[offset:] + week * (days // 7 + 1)
        return bytearray(repeated[:days])

    def _set(self, day: date, code: int, name: str) -> None:
        self._codes[day.toordinal() - self._first_ordinal] = code
        self._names[day] = name

    def _apply_file(self, holiday_file: HolidayFile) -> None:
        for day, name in holiday_file.days_off.items():
            self._set(day, HOLIDAY, name)
        for day, name in holiday_file.working_days.items():
            self._set(day, MAKEUP, name)
        self._sources[holiday_file.year] = holiday_file.notice

    def _apply_workalendar(self, year: int) -> None:
        for day, name in _workalendar_year(year):
            if day.year == year:  # defensive: each year's rules own that year's dates only
                self._set(day, HOLIDAY, _WORKALENDAR_NAMES.get(name, name))
        for day in _workalendar_extra_working_days():
            if day.year == year:
                self._set(day, MAKEUP, "调休上班")
        self._sources[year] = WORKALENDAR_SOURCE

    def _apply_statutory(self, year: int) -> None:
        for day, name in statutory_holidays(year).items():
            self._set(day, HOLIDAY, name)
        self._sources[year] = STATUTORY_SOURCE

    def _apply_closures(self, closures: Iterable[Closure]) -> None:
        seen: dict[date, Closure] = {}
        for closure in closures:
            if not isinstance(closure, Closure):
                raise TypeError(f"not a Closure: {closure!r}")
            self._index(closure.day)  # range check with a clear message
            previous = seen.get(closure.day)
            if previous is not None and previous.working != closure.working:
                raise ValueError(
                    f"{closure.day} is given both as a closure and as a working day "
                    f"({previous.reason!r}, {closure.reason!r})"
                )
            seen[closure.day] = closure
            self._set(closure.day, LOCAL_WORKING if closure.working else CLOSURE, closure.reason)


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
