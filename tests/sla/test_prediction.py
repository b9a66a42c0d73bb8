"""The predicted schedule of an unpublished year (statutory.py), checked against the law.

The strongest check: applied to 2025 and 2026, years whose notices we have, the predictor
must give the published schedules day by day (the tables of test_holiday_tables.py, typed
from 国务院办公厅关于2025年/2026年部分节假日安排的通知).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tracker.sla import ChinaCalendar
from tracker.sla.statutory import predicted_schedule, statutory_holidays

from .test_holiday_tables import SCHEDULES, expected_working


def predicted_working(year: int, day: date) -> bool:
    schedule = predicted_schedule(year)
    if day in schedule.working_days:
        return True
    return day.weekday() < 5 and day not in schedule.days_off


@pytest.mark.parametrize("year", [2025, 2026])
def test_predictor_reproduces_the_published_schedule(year: int) -> None:
    wrong = []
    day = date(year, 1, 1)
    while day.year == year:
        if predicted_working(year, day) != expected_working(year, day):
            wrong.append(day)
        day += timedelta(days=1)
    assert wrong == []
    off, work = SCHEDULES[year]
    schedule = predicted_schedule(year)
    assert sorted(schedule.working_days) == sorted(d for d, _ in work)
    # Every day off the notice names is predicted off, with the festival's name.
    for day, label in off:
        assert schedule.days_off[day] == label.split(" ")[0], day


@pytest.fixture(scope="module")
def calendar() -> ChinaCalendar:
    return ChinaCalendar()


def test_2027_golden_weeks_are_days_off(calendar: ChinaCalendar) -> None:
    """Issue 10: the old fallback counted these as working days."""
    for day in (date(2027, 10, 4), date(2027, 5, 3), date(2027, 2, 9)):
        assert not calendar.is_working_day(day), day
        info = calendar.day_info(day)
        assert info.provisional and info.kind == "holiday"
        assert "国办发明电〔2024〕12号" in info.source
        assert "国务院令第795号" in info.source
    assert calendar.is_provisional_year(2027)
    assert calendar.source_of(2027) == "predicted (provisional)"
    # 春节: 8 days from 除夕 (Friday 5 Feb), joined by the weekend after.
    assert [calendar.is_working_day(date(2027, 2, d)) for d in range(4, 16)] == (
        [True] + [False] * 9 + [True, True]
    )
    # 劳动节 5 days, Saturday 1 May to Wednesday 5 May; 国庆节 1-7 October.
    assert not any(calendar.is_working_day(date(2027, 5, d)) for d in range(1, 6))
    assert not any(calendar.is_working_day(date(2027, 10, d)) for d in range(1, 8))
    # 端午 and 中秋 fall on Wednesdays: the day itself only.
    assert calendar.holiday_name(date(2027, 6, 9)) == "端午节"
    assert calendar.is_working_day(date(2027, 6, 8)) and calendar.is_working_day(date(2027, 6, 10))
    assert calendar.holiday_name(date(2027, 9, 15)) == "中秋节"


def test_2027_make_up_days_keep_stretches_of_work_at_most_six(calendar: ChinaCalendar) -> None:
    makeups = [d for d in calendar.special_days(date(2027, 1, 1), date(2027, 12, 31))
               if d.kind == "makeup_working"]
    assert makeups and all(d.day.weekday() >= 5 and d.provisional for d in makeups)
    run = longest = 0
    day = date(2027, 1, 1)
    while day.year == 2027:
        run = run + 1 if calendar.is_working_day(day) else 0
        longest = max(longest, run)
        day += timedelta(days=1)
    assert longest <= 6
    # The weekdays off that are neither statutory nor 补假 are all made up.
    off_weekdays = sum(
        not calendar.is_working_day(date(2027, 1, 1) + timedelta(days=i))
        and (date(2027, 1, 1) + timedelta(days=i)).weekday() < 5
        for i in range(365)
    )
    statutory = statutory_holidays(2027)
    weekend_statutory = sum(d.weekday() >= 5 for d in statutory)
    weekday_statutory = len(statutory) - weekend_statutory
    assert off_weekdays - weekday_statutory - weekend_statutory == len(makeups)


def test_statutory_rules_are_year_guarded() -> None:
    # 2025 revision: 除夕 and 2 May added (13 days).
    assert len(statutory_holidays(2025)) == 13
    assert date(2025, 1, 28) in statutory_holidays(2025)  # 除夕
    assert date(2025, 5, 2) in statutory_holidays(2025)
    # 2014-2024: 春节 初一-初三, 劳动节 1 May only (11 days).
    holidays_2024 = statutory_holidays(2024)
    assert len(holidays_2024) == 11
    assert date(2024, 2, 9) not in holidays_2024  # 除夕 was a working day
    assert date(2024, 5, 2) not in holidays_2024
    # 2008-2013: 春节 除夕-初二.
    holidays_2012 = statutory_holidays(2012)
    assert date(2012, 1, 22) in holidays_2012 and date(2012, 1, 25) not in holidays_2012
    # 2000-2007: no 清明/端午/中秋, 劳动节 1-3 May.
    holidays_2005 = statutory_holidays(2005)
    assert len(holidays_2005) == 10
    assert date(2005, 5, 3) in holidays_2005


def test_before_2025_a_missing_year_gets_statutory_days_and_give_back_only() -> None:
    # 2017 has no file: 元旦 on a Sunday is given back on Monday 2 January (第六条).
    schedule = predicted_schedule(2017)
    assert date(2017, 1, 2) in schedule.days_off
    assert schedule.working_days == {}
    assert "国务院令第644号" in schedule.source
