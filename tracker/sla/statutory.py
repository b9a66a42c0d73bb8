"""Statutory holidays for a year whose State Council schedule is not published yet.

全国年节及纪念日放假办法 (as amended with effect from 2025, 13 days): 元旦 1 Jan; 春节
除夕 to 初三 (4 days); 清明 (the solar term); 劳动节 1-2 May; 端午 (lunar 5/5); 中秋
(lunar 8/15); 国庆 1-3 Oct. The real schedule adds bridging days and make-up working days
(调休) that cannot be predicted, so answers built on these dates are *provisional*.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from lunardate import LunarDate

__all__ = ["FIRST_YEAR", "LAST_YEAR", "qingming", "spring_festival_eve", "statutory_holidays"]

# lunardate covers lunar years 1900-2099; the 寿星 constants below cover 1901-2100.
FIRST_YEAR = 1901
LAST_YEAR = 2099


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"statutory holidays are computed for {FIRST_YEAR}-{LAST_YEAR}, not {year}"
        )


def qingming(year: int) -> date:
    """The day of the 清明 solar term (sun at 15° ecliptic longitude), Beijing time.

    寿星 formula: day = floor(Y * 0.2422 + C) - floor(Y / 4), with Y the year within its
    century and C = 5.59 for the 1900s, 4.81 for the 2000s. The tests check it against the
    published dates of 2018-2026 and against an astronomical computation for 2000-2099.
    """
    _check_year(year)
    century_year = year % 100
    constant = 5.59 if year < 2000 else 4.81
    # 1900 is not a leap year, but only 1901-1999 use the 20th-century constant, so the
    # floor(Y / 4) leap-day correction is the same in both centuries.
    day = int(century_year * 0.2422 + constant) - century_year // 4
    return date(year, 4, day)


def spring_festival_eve(year: int) -> date:
    """除夕: the day before the first day of the first lunar month that starts in `year`."""
    _check_year(year)
    return LunarDate(year, 1, 1).to_solar_date() - timedelta(days=1)


@cache
def _statutory_holidays(year: int) -> tuple[tuple[date, str], ...]:
    eve = spring_festival_eve(year)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    for offset in range(4):  # 除夕, 初一, 初二, 初三
        days[eve + timedelta(days=offset)] = "春节"
    days[qingming(year)] = "清明节"
    days[date(year, 5, 1)] = "劳动节"
    days[date(year, 5, 2)] = "劳动节"
    days[LunarDate(year, 5, 5).to_solar_date()] = "端午节"
    mid_autumn = LunarDate(year, 8, 15).to_solar_date()
    for offset in range(3):
        days[date(year, 10, 1) + timedelta(days=offset)] = "国庆节"
    # 中秋 can fall within 1-3 Oct (e.g. 2028-10-03); then the day carries both names.
    days[mid_autumn] = "国庆节、中秋节" if mid_autumn in days else "中秋节"
    return tuple(sorted(days.items()))


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory days off of `year` with their Chinese names (no 调休 adjustments)."""
    _check_year(year)
    return dict(_statutory_holidays(year))
