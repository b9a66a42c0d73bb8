"""Every date of 2024-2026 against the published State Council schedules.

The expected tables are typed here from the notices, independently of holidays/*.txt, so a
typo in a data file fails this test.
"""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pytest
from workalendar.asia import China

from tracker.sla import ChinaCalendar

# (day, holiday) for every day off, and (day, why) for every make-up working day (调休上班).
# 国务院办公厅关于2024年部分节假日安排的通知
OFF_2024 = [
    (date(2024, 1, 1), "元旦"),
    (date(2024, 2, 10), "春节"),
    (date(2024, 2, 11), "春节"),
    (date(2024, 2, 12), "春节"),
    (date(2024, 2, 13), "春节"),
    (date(2024, 2, 14), "春节"),
    (date(2024, 2, 15), "春节"),
    (date(2024, 2, 16), "春节"),
    (date(2024, 2, 17), "春节"),
    (date(2024, 4, 4), "清明节"),
    (date(2024, 4, 5), "清明节"),
    (date(2024, 4, 6), "清明节"),
    (date(2024, 5, 1), "劳动节"),
    (date(2024, 5, 2), "劳动节"),
    (date(2024, 5, 3), "劳动节"),
    (date(2024, 5, 4), "劳动节"),
    (date(2024, 5, 5), "劳动节"),
    (date(2024, 6, 10), "端午节"),
    (date(2024, 9, 15), "中秋节"),
    (date(2024, 9, 16), "中秋节"),
    (date(2024, 9, 17), "中秋节"),
    (date(2024, 10, 1), "国庆节"),
    (date(2024, 10, 2), "国庆节"),
    (date(2024, 10, 3), "国庆节"),
    (date(2024, 10, 4), "国庆节"),
    (date(2024, 10, 5), "国庆节"),
    (date(2024, 10, 6), "国庆节"),
    (date(2024, 10, 7), "国庆节"),
]
WORK_2024 = [
    (date(2024, 2, 4), "春节调休 (Sunday)"),
    (date(2024, 2, 18), "春节调休 (Sunday)"),
    (date(2024, 4, 7), "清明节调休 (Sunday)"),
    (date(2024, 4, 28), "劳动节调休 (Sunday)"),
    (date(2024, 5, 11), "劳动节调休 (Saturday)"),
    (date(2024, 9, 14), "中秋节调休 (Saturday)"),
    (date(2024, 9, 29), "国庆节调休 (Sunday)"),
    (date(2024, 10, 12), "国庆节调休 (Saturday)"),
]

# 国务院办公厅关于2025年部分节假日安排的通知
OFF_2025 = [
    (date(2025, 1, 1), "元旦"),
    (date(2025, 1, 28), "春节 (除夕)"),
    (date(2025, 1, 29), "春节"),
    (date(2025, 1, 30), "春节"),
    (date(2025, 1, 31), "春节"),
    (date(2025, 2, 1), "春节"),
    (date(2025, 2, 2), "春节"),
    (date(2025, 2, 3), "春节"),
    (date(2025, 2, 4), "春节"),
    (date(2025, 4, 4), "清明节"),
    (date(2025, 4, 5), "清明节"),
    (date(2025, 4, 6), "清明节"),
    (date(2025, 5, 1), "劳动节"),
    (date(2025, 5, 2), "劳动节"),
    (date(2025, 5, 3), "劳动节"),
    (date(2025, 5, 4), "劳动节"),
    (date(2025, 5, 5), "劳动节"),
    (date(2025, 5, 31), "端午节"),
    (date(2025, 6, 1), "端午节"),
    (date(2025, 6, 2), "端午节"),
    (date(2025, 10, 1), "国庆节、中秋节"),
    (date(2025, 10, 2), "国庆节、中秋节"),
    (date(2025, 10, 3), "国庆节、中秋节"),
    (date(2025, 10, 4), "国庆节、中秋节"),
    (date(2025, 10, 5), "国庆节、中秋节"),
    (date(2025, 10, 6), "国庆节、中秋节 (中秋)"),
    (date(2025, 10, 7), "国庆节、中秋节"),
    (date(2025, 10, 8), "国庆节、中秋节"),
]
WORK_2025 = [
    (date(2025, 1, 26), "春节调休 (Sunday)"),
    (date(2025, 2, 8), "春节调休 (Saturday)"),
    (date(2025, 4, 27), "劳动节调休 (Sunday)"),
    (date(2025, 9, 28), "国庆节调休 (Sunday)"),
    (date(2025, 10, 11), "国庆节调休 (Saturday)"),
]

# 国务院办公厅关于2026年部分节假日安排的通知
OFF_2026 = [
    (date(2026, 1, 1), "元旦"),
    (date(2026, 1, 2), "元旦"),
    (date(2026, 1, 3), "元旦"),
    (date(2026, 2, 15), "春节"),
    (date(2026, 2, 16), "春节 (除夕)"),
    (date(2026, 2, 17), "春节 (初一)"),
    (date(2026, 2, 18), "春节"),
    (date(2026, 2, 19), "春节"),
    (date(2026, 2, 20), "春节"),
    (date(2026, 2, 21), "春节"),
    (date(2026, 2, 22), "春节"),
    (date(2026, 2, 23), "春节"),
    (date(2026, 4, 4), "清明节"),
    (date(2026, 4, 5), "清明节"),
    (date(2026, 4, 6), "清明节"),
    (date(2026, 5, 1), "劳动节"),
    (date(2026, 5, 2), "劳动节"),
    (date(2026, 5, 3), "劳动节"),
    (date(2026, 5, 4), "劳动节"),
    (date(2026, 5, 5), "劳动节"),
    (date(2026, 6, 19), "端午节"),
    (date(2026, 6, 20), "端午节"),
    (date(2026, 6, 21), "端午节"),
    (date(2026, 9, 25), "中秋节"),
    (date(2026, 9, 26), "中秋节"),
    (date(2026, 9, 27), "中秋节"),
    (date(2026, 10, 1), "国庆节"),
    (date(2026, 10, 2), "国庆节"),
    (date(2026, 10, 3), "国庆节"),
    (date(2026, 10, 4), "国庆节"),
    (date(2026, 10, 5), "国庆节"),
    (date(2026, 10, 6), "国庆节"),
    (date(2026, 10, 7), "国庆节"),
]
WORK_2026 = [
    (date(2026, 1, 4), "元旦调休 (Sunday)"),
    (date(2026, 2, 14), "春节调休 (Saturday)"),
    (date(2026, 2, 28), "春节调休 (Saturday)"),
    (date(2026, 5, 9), "劳动节调休 (Saturday)"),
    (date(2026, 9, 20), "国庆节调休 (Sunday)"),
    (date(2026, 10, 10), "国庆节调休 (Saturday)"),
]

SCHEDULES = {
    2024: (OFF_2024, WORK_2024),
    2025: (OFF_2025, WORK_2025),
    2026: (OFF_2026, WORK_2026),
}


@pytest.fixture(scope="module")
def calendar() -> ChinaCalendar:
    return ChinaCalendar()


def assert_schedule(
    calendar: ChinaCalendar, year: int, off: list[tuple[date, str]], work: list[tuple[date, str]]
) -> None:
    """Check every day of `year`: working unless a weekend or listed off, or listed as work."""
    off_days = {day for day, _ in off}
    work_days = {day for day, _ in work}
    assert len(off_days) == len(off) and len(work_days) == len(work), "table lists a day twice"
    assert all(day.year == year for day in off_days | work_days)
    assert all(day.weekday() >= 5 for day in work_days), "a make-up day must be a weekend day"
    wrong = []
    day = date(year, 1, 1)
    checked = 0
    while day.year == year:
        if day in work_days:
            expected_kind = "makeup_working"
        elif day in off_days:
            expected_kind = "holiday"
        elif day.weekday() >= 5:
            expected_kind = "weekend"
        else:
            expected_kind = "working"
        expected_working = expected_kind in ("working", "makeup_working")
        if (calendar.is_working_day(day), calendar.day_kind(day)) != (
            expected_working,
            expected_kind,
        ):
            wrong.append((day.isoformat(), calendar.day_kind(day), expected_kind))
        checked += 1
        day += timedelta(days=1)
    assert checked == (366 if year % 4 == 0 else 365)
    assert not wrong, f"{year}: (day, got, expected): {wrong}"


@pytest.mark.parametrize("year", sorted(SCHEDULES))
def test_every_day_matches_published_schedule(calendar: ChinaCalendar, year: int) -> None:
    off, work = SCHEDULES[year]
    assert_schedule(calendar, year, off, work)
    assert not calendar.is_provisional_year(year)
    assert calendar.source_of(year) == f"国务院办公厅关于{year}年部分节假日安排的通知"


@pytest.mark.parametrize("year", sorted(SCHEDULES))
def test_off_days_carry_their_holiday_name(calendar: ChinaCalendar, year: int) -> None:
    off, work = SCHEDULES[year]
    for day, label in off:
        name = calendar.holiday_name(day)
        assert name is not None and label.split(" ")[0] == name, (day, name, label)
    for day, _ in work:
        assert calendar.holiday_name(day) is None  # a working day is not a holiday
        assert "调休" in (calendar.describe(day) or "")


def test_counts_of_days(calendar: ChinaCalendar) -> None:
    working = {
        year: sum(calendar.is_working_day(date(year, 1, 1) + timedelta(days=i)) for i in range(365))
        for year in (2025, 2026)
    }
    # Working days = weekdays - days off on weekdays + make-up days, from the tables alone.
    for year, (off, work) in SCHEDULES.items():
        if year not in working:
            continue
        weekdays = sum((date(year, 1, 1) + timedelta(days=i)).weekday() < 5 for i in range(365))
        weekday_off = sum(day.weekday() < 5 for day, _ in off)
        assert working[year] == weekdays - weekday_off + len(work)


def test_workalendar_years_follow_workalendar_every_day(calendar: ChinaCalendar) -> None:
    reference = China()
    wrong = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # China warns it needs yearly updates
        day = date(2018, 1, 1)
        while day.year <= 2023:
            if calendar.is_working_day(day) != reference.is_working_day(day):
                wrong.append(day)
            day += timedelta(days=1)
    assert not wrong
    for year in range(2018, 2024):
        assert calendar.source_of(year) == "workalendar"
        assert not calendar.is_provisional_year(year)


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2019, 10, 1), "holiday"),  # 国庆节
        (date(2019, 9, 29), "makeup_working"),  # Sunday, 国庆节调休
        (date(2020, 1, 19), "makeup_working"),  # Sunday, 春节调休
        (date(2021, 2, 12), "holiday"),  # 春节 初一
        (date(2022, 6, 3), "holiday"),  # 端午节
        (date(2023, 1, 2), "holiday"),  # 元旦 on a Sunday, observed on Monday
        (date(2023, 9, 29), "holiday"),  # 中秋节
        (date(2023, 10, 9), "working"),
        (date(2023, 10, 7), "makeup_working"),  # Saturday, 国庆节调休
    ],
)
def test_workalendar_spot_checks(calendar: ChinaCalendar, day: date, kind: str) -> None:
    assert calendar.day_kind(day) == kind


def test_unpublished_2027_is_provisional_with_statutory_holidays(calendar: ChinaCalendar) -> None:
    assert calendar.is_provisional_year(2027)
    assert 2027 in calendar.provisional_years
    assert calendar.source_of(2027) == "statutory (provisional)"
    # 春节 2027: 初一 is 2027-02-06, so 除夕..初三 is 5-8 Feb.
    for day in (date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)):
        assert calendar.day_kind(day) == "holiday" and calendar.holiday_name(day) == "春节"
    assert calendar.is_working_day(date(2027, 2, 4))  # Thursday before 除夕
    assert calendar.is_working_day(date(2027, 2, 9))  # Tuesday after 初三 (no 调休 guessed)
    assert calendar.holiday_name(date(2027, 4, 5)) == "清明节"
    assert calendar.holiday_name(date(2027, 6, 9)) == "端午节"
    assert calendar.holiday_name(date(2027, 9, 15)) == "中秋节"
    assert calendar.day_kind(date(2027, 2, 13)) == "weekend"


def test_years_outside_range_are_refused(calendar: ChinaCalendar) -> None:
    with pytest.raises(ValueError, match="outside the calendar's range"):
        calendar.is_working_day(date(1999, 12, 31))
    with pytest.raises(ValueError, match="outside the calendar's range"):
        calendar.is_provisional_year(2100)
    with pytest.raises(ValueError, match="first_year"):
        ChinaCalendar(first_year=2030, last_year=2020)
    small = ChinaCalendar(first_year=2024, last_year=2026)
    with pytest.raises(ValueError, match="2024-01-01..2026-12-31"):
        small.day_kind(date(2027, 1, 4))
