"""Statutory holidays, and the predicted schedule of a year the State Council has not published.

全国年节及纪念日放假办法 第二条 lists the days off for all citizens; it was revised, so the
rules are year-guarded (each version took effect on 1 January of the year named):

| from | decree | days |
|---|---|---|
| 2000 | 国务院令第270号 (1999) | 元旦 1; 春节 初一–初三; 劳动节 1–3 May; 国庆 1–3 Oct (10 days) |
| 2008 | 国务院令第513号 (2007) | 元旦; 春节 除夕–初二; 清明; 劳动节 1 May; 端午; 中秋; 国庆 1–3 Oct (11) |
| 2014 | 国务院令第644号 (2013) | as 2008, but 春节 初一–初三 (11) |
| 2025 | 国务院令第795号 (2024) | 元旦; 春节 除夕–初三; 清明; 劳动节 1–2 May; 端午; 中秋; 国庆 1–3 Oct (13) |

第六条: a day off for all citizens that falls on a Saturday or Sunday is given back (补假) on a
working day.

The schedule of a year not yet published is predicted from those days, 第六条, and the
arrangement principles the State Council published with 国办发明电〔2024〕12号 (the 2025
schedule, the first under the 2025 revision):

* 春节: 8 days off from 除夕; 国庆节: 7 days off from 1 October (8 when 中秋 falls within or
  next to it, as in 2025); 劳动节: 5 days off;
* 元旦, 清明节, 端午节, 中秋节: 3 days with the weekend (Tuesday: Sunday–Tuesday and the
  Saturday before is worked; Thursday: Thursday–Saturday and the Sunday after is worked), or
  the day itself when it falls on a Wednesday;
* the weekdays inside a holiday that are neither statutory nor 补假 are made up on weekend
  days (调休上班). Where the principles leave the choice open (春节, 国庆, 劳动节), the
  predictor picks the weekend days that keep every stretch of work at most 6 days ("连续
  工作一般不超过6天"), leave no single working day between days off, and lie on the
  nearest free weekends before and after; then the choice that balances the stretches of
  work, then the day nearest the holiday. Applied to 2025 and 2026 this reproduces both published
  schedules day by day (tests/sla/test_prediction.py).

Before 2025 the principles did not exist: a year of 2000–2024 without data gets its statutory
days and 补假 only. Everything predicted is *provisional*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from itertools import combinations

from lunardate import LunarDate

__all__ = [
    "ARRANGEMENT_SOURCE",
    "FIRST_YEAR",
    "LAST_YEAR",
    "STATUTORY_SOURCES",
    "PredictedSchedule",
    "predicted_schedule",
    "qingming",
    "spring_festival_eve",
    "statutory_holidays",
    "statutory_source",
]

# lunardate covers lunar years 1900-2099; the calendar models the five-day week (1995) and the
# 1999 holiday rules, so the statutory rules start in 2000.
FIRST_YEAR = 2000
LAST_YEAR = 2099

# (first year, citation of the version of 全国年节及纪念日放假办法 in force from then)
STATUTORY_SOURCES = (
    (2000, "全国年节及纪念日放假办法（国务院令第270号）第二条、第六条"),
    (2008, "全国年节及纪念日放假办法（国务院令第513号）第二条、第六条"),
    (2014, "全国年节及纪念日放假办法（国务院令第644号）第二条、第六条"),
    (2025, "全国年节及纪念日放假办法（国务院令第795号）第二条、第六条"),
)
ARRANGEMENT_SOURCE = "国办发明电〔2024〕12号 放假调休原则"
ARRANGEMENT_FIRST_YEAR = 2025
MAX_WORK_STRETCH = 6  # "法定节假日假期前后连续工作一般不超过6天"


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"statutory holidays are computed for {FIRST_YEAR}-{LAST_YEAR}, not {year}"
        )


def statutory_source(year: int) -> str:
    """The version of 全国年节及纪念日放假办法 in force in `year`."""
    _check_year(year)
    return [text for first, text in STATUTORY_SOURCES if first <= year][-1]


def qingming(year: int) -> date:
    """The day of the 清明 solar term (sun at 15° ecliptic longitude), Beijing time.

    寿星 formula: day = floor(Y * 0.2422 + C) - floor(Y / 4), with Y the year within its
    century and C = 4.81 for the 2000s. The tests check it against the published dates of
    2018-2026 and against an astronomical computation for 2000-2099.
    """
    _check_year(year)
    century_year = year % 100
    day = int(century_year * 0.2422 + 4.81) - century_year // 4
    return date(year, 4, day)


def spring_festival_eve(year: int) -> date:
    """除夕: the day before the first day of the first lunar month that starts in `year`."""
    _check_year(year)
    return LunarDate(year, 1, 1).to_solar_date() - timedelta(days=1)


def _lunar(year: int, month: int, day: int) -> date:
    return LunarDate(year, month, day).to_solar_date()


@cache
def _statutory_holidays(year: int) -> tuple[tuple[date, str], ...]:
    eve = spring_festival_eve(year)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    if year >= 2025:
        spring = range(4)  # 除夕, 初一, 初二, 初三
    elif year >= 2014:
        spring = range(1, 4)  # 初一..初三
    elif year >= 2008:
        spring = range(3)  # 除夕, 初一, 初二
    else:
        spring = range(1, 4)
    for offset in spring:
        days[eve + timedelta(days=offset)] = "春节"
    labour = 2 if year >= 2025 else (3 if year < 2008 else 1)
    for offset in range(labour):
        days[date(year, 5, 1) + timedelta(days=offset)] = "劳动节"
    for offset in range(3):
        days[date(year, 10, 1) + timedelta(days=offset)] = "国庆节"
    if year >= 2008:  # 清明, 端午 and 中秋 became days off in 2008
        days[qingming(year)] = "清明节"
        days[_lunar(year, 5, 5)] = "端午节"
        mid_autumn = _lunar(year, 8, 15)
        # 中秋 can fall within 1-3 Oct (e.g. 2028-10-03); then the day carries both names.
        days[mid_autumn] = "国庆节、中秋节" if mid_autumn in days else "中秋节"
    return tuple(sorted(days.items()))


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory days off of `year` with their Chinese names (no 补假, no 调休)."""
    _check_year(year)
    return dict(_statutory_holidays(year))


@dataclass(frozen=True)
class PredictedSchedule:
    """A year's predicted days off and make-up working days, each with its name."""

    year: int
    days_off: dict[date, str] = field(default_factory=dict)
    working_days: dict[date, str] = field(default_factory=dict)
    source: str = ""


def predicted_schedule(year: int) -> PredictedSchedule:
    """The best prediction of `year`'s schedule (see the module docstring). Days off may
    include the end of the previous December (元旦 on a Monday or Tuesday)."""
    _check_year(year)
    off, work = _predicted(year)
    source = statutory_source(year)
    if year >= ARRANGEMENT_FIRST_YEAR:
        source = f"{source}；{ARRANGEMENT_SOURCE}"
    return PredictedSchedule(year, dict(off), dict(work), f"预测（暂定）：{source}")


@cache
def _predicted(year: int) -> tuple[tuple[tuple[date, str], ...], tuple[tuple[date, str], ...]]:
    statutory = statutory_holidays(year)
    plan = _Plan(year)
    if year < ARRANGEMENT_FIRST_YEAR:
        for day, name in statutory.items():
            plan.off[day] = name
        for festival in _festivals(statutory):
            plan.give_back(festival, statutory)
        return tuple(sorted(plan.off.items())), tuple(sorted(plan.work.items()))

    eve = spring_festival_eve(year)
    mid_autumn = _lunar(year, 8, 15)
    merged = date(year, 9, 29) <= mid_autumn <= date(year, 10, 8)
    # Chronological: each festival's make-up days are chosen knowing the earlier ones.
    arrangements: list[tuple[date, str, str]] = [
        (date(year, 1, 1), "元旦", "short"),
        (eve, "春节", "spring"),
        (qingming(year), "清明节", "short"),
        (date(year, 5, 1), "劳动节", "labour"),
        (_lunar(year, 5, 5), "端午节", "short"),
    ]
    if merged:
        arrangements.append((min(mid_autumn, date(year, 10, 1)), "国庆节、中秋节", "national"))
    else:
        arrangements.append((mid_autumn, "中秋节", "short"))
        arrangements.append((date(year, 10, 1), "国庆节", "national"))
    arrangements.sort()
    for day, name, kind in arrangements:
        if kind == "short":
            plan.short_holiday(day, name)
        else:
            length = {"spring": 8, "labour": 5, "national": 8 if merged else 7}[kind]
            first = day
            if kind == "labour" and day.weekday() in (6, 0):  # Sunday, Monday: from Saturday
                first = day - timedelta(days=(day.weekday() + 2) % 7)
            block = [first + timedelta(days=i) for i in range(length)]
            plan.long_holiday(block, name, statutory)
    return tuple(sorted(plan.off.items())), tuple(sorted(plan.work.items()))


def _festivals(statutory: dict[date, str]) -> list[list[date]]:
    """Statutory days grouped into runs of consecutive days (one run per festival)."""
    runs: list[list[date]] = []
    for day in sorted(statutory):
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


class _Plan:
    """Days off and make-up days being predicted for one year."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.off: dict[date, str] = {}
        self.work: dict[date, str] = {}

    def working(self, day: date) -> bool:
        if day in self.work:
            return True
        return day not in self.off and day.weekday() < 5

    def ordinary_weekend(self, day: date) -> bool:
        return (
            day.year == self.year
            and day.weekday() >= 5
            and day not in self.off
            and day not in self.work
        )

    def give_back(self, festival: list[date], statutory: dict[date, str]) -> None:
        """第六条 alone: each statutory day on a weekend moves to the next free weekday."""
        owed = sum(day.weekday() >= 5 for day in festival)
        day = festival[-1]
        while owed:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in self.off:
                self.off[day] = statutory[festival[0]]
                owed -= 1

    def short_holiday(self, day: date, name: str) -> None:
        """元旦, 清明, 端午, 中秋: 3 days with the weekend, or the day alone on a Wednesday."""
        weekday = day.weekday()
        # weekday -> (first day off relative to the festival, days off, make-up day or None)
        first, length, makeup = {
            0: (-2, 3, None),  # Monday: Saturday-Monday
            1: (-2, 3, -3),  # Tuesday: Sunday-Tuesday, Saturday before worked
            2: (0, 1, None),  # Wednesday: the day itself
            3: (0, 3, 3),  # Thursday: Thursday-Saturday, Sunday after worked
            4: (0, 3, None),  # Friday: Friday-Sunday
            5: (0, 3, None),  # Saturday: Saturday-Monday (Monday is the 补假)
            6: (-1, 3, None),  # Sunday: Saturday-Monday (Monday is the 补假)
        }[weekday]
        for offset in range(first, first + length):
            self.off.setdefault(day + timedelta(days=offset), name)
        if makeup is not None:
            makeup_day = day + timedelta(days=makeup)
            if self.ordinary_weekend(makeup_day):
                self.work[makeup_day] = f"{name}调休上班"

    def long_holiday(self, block: list[date], name: str, statutory: dict[date, str]) -> None:
        """春节, 劳动节, 国庆节: the block off, its 调休 weekdays made up on weekend days."""
        weekdays = sum(day.weekday() < 5 for day in block)
        statutory_weekdays = sum(day.weekday() < 5 for day in block if day in statutory)
        given_back = sum(day.weekday() >= 5 for day in block if day in statutory)
        owed = max(0, weekdays - statutory_weekdays - given_back)
        for day in block:
            self.off.setdefault(day, name)
        if owed:
            chosen = self._best_makeup_days(block, owed)
            for day in chosen:
                self.work[day] = f"{name}调休上班"
        # Weekend days that join the block (2026: Sunday 15 Feb before 除夕) are part of it.
        for step, edge in ((-1, block[0]), (1, block[-1])):
            day = edge + timedelta(days=step)
            while self.ordinary_weekend(day):
                self.off[day] = name
                day += timedelta(days=step)

    def _best_makeup_days(self, block: list[date], owed: int) -> tuple[date, ...]:
        first, last = block[0], block[-1]
        # Each candidate with the rank of its weekend on its side of the block: 1 for the
        # nearest weekend that still has an ordinary day (2026: 中秋 took the one before 国庆).
        rank: dict[date, int] = {}
        for step, edge in ((-1, first), (1, last)):
            weekends: list[date] = []
            for i in range(1, 22):
                day = edge + timedelta(days=step * i)
                if self.ordinary_weekend(day):
                    saturday = day - timedelta(days=day.weekday() - 5)
                    if saturday not in weekends:
                        weekends.append(saturday)
                    rank[day] = len(weekends)
        candidates = [day for day, weekend in rank.items() if weekend <= 2]
        window = [first - timedelta(days=i) for i in range(28, 0, -1)] + [
            last + timedelta(days=i) for i in range(1, 29)
        ]
        base = [self.working(day) for day in window]
        position = {day: index for index, day in enumerate(window)}
        best: tuple[tuple[int, ...], tuple[date, ...]] | None = None
        for chosen in combinations(sorted(candidates), min(owed, len(candidates))):
            flags = list(base)
            for day in chosen:
                flags[position[day]] = True
            runs = _runs(flags, window)
            score = (
                sum(length > MAX_WORK_STRETCH for length in runs),
                sum(length == 1 for length in runs),
                sum(rank[day] for day in chosen),
                sum(length * length for length in runs),
                sum((first - day).days if day < first else (day - last).days for day in chosen),
            )
            if best is None or score < best[0]:
                best = (score, chosen)
        return best[1] if best else ()


def _runs(flags: list[bool], window: list[date]) -> list[int]:
    """Lengths of the stretches of consecutive working days (the block splits the window)."""
    runs: list[int] = []
    length = 0
    for index, flag in enumerate(flags):
        if flag and not (index and window[index] - window[index - 1] > timedelta(days=1)):
            length += 1
            continue
        if length:
            runs.append(length)
        length = 1 if flag else 0
    if length:
        runs.append(length)
    return runs
