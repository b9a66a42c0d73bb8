"""Every date of 2018-2026 against the published State Council schedules.

The expected tables are typed here from the notices, independently of
tracker/sla/holidays/*.txt, so a typo in a data file fails this test. workalendar's data for
2018-2023 is cross-checked against the same tables: where they differ the notice wins.
"""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pytest
from workalendar.asia import China

from tracker.sla import ChinaCalendar
from tracker.sla.calendar import default_holidays_dir


def span(first: date, last: date, name: str) -> list[tuple[date, str]]:
    """Every day from first to last, inclusive, with a name."""
    return [(first + timedelta(days=i), name) for i in range((last - first).days + 1)]


# (day, holiday) for every day off, and (day, why) for every make-up working day (调休上班).
# 国务院办公厅关于2018年部分节假日安排的通知（国办发明电〔2017〕12号）; the last three days of
# December from 国务院办公厅关于2019年部分节假日安排的通知（国办发明电〔2018〕15号）.
OFF_2018 = (
    [(date(2018, 1, 1), "元旦")]
    + span(date(2018, 2, 15), date(2018, 2, 21), "春节")
    + span(date(2018, 4, 5), date(2018, 4, 7), "清明节")
    + span(date(2018, 4, 29), date(2018, 5, 1), "劳动节")
    + [(date(2018, 6, 18), "端午节"), (date(2018, 9, 24), "中秋节")]
    + span(date(2018, 10, 1), date(2018, 10, 7), "国庆节")
    + span(date(2018, 12, 30), date(2018, 12, 31), "元旦 (2019 notice)")
)
WORK_2018 = [
    (date(2018, 2, 11), "春节调休 (Sunday)"),
    (date(2018, 2, 24), "春节调休 (Saturday)"),
    (date(2018, 4, 8), "清明节调休 (Sunday)"),
    (date(2018, 4, 28), "劳动节调休 (Saturday)"),
    (date(2018, 9, 29), "国庆节调休 (Saturday)"),
    (date(2018, 9, 30), "国庆节调休 (Sunday)"),
    (date(2018, 12, 29), "元旦调休 (Saturday, 2019 notice)"),
]
# 国务院办公厅关于2019年部分节假日安排的通知（国办发明电〔2018〕15号）, 劳动节 as changed by
# 国务院办公厅关于调整2019年劳动节假期安排的通知（国办发明电〔2019〕2号）.
OFF_2019 = (
    [(date(2019, 1, 1), "元旦")]
    + span(date(2019, 2, 4), date(2019, 2, 10), "春节")
    + [(date(2019, 4, 5), "清明节")]
    + span(date(2019, 5, 1), date(2019, 5, 4), "劳动节")
    + [(date(2019, 6, 7), "端午节"), (date(2019, 9, 13), "中秋节")]
    + span(date(2019, 10, 1), date(2019, 10, 7), "国庆节")
)
WORK_2019 = [
    (date(2019, 2, 2), "春节调休 (Saturday)"),
    (date(2019, 2, 3), "春节调休 (Sunday)"),
    (date(2019, 4, 28), "劳动节调休 (Sunday, 2019 change)"),
    (date(2019, 5, 5), "劳动节调休 (Sunday, 2019 change)"),
    (date(2019, 9, 29), "国庆节调休 (Sunday)"),
    (date(2019, 10, 12), "国庆节调休 (Saturday)"),
]
# 国务院办公厅关于2020年部分节假日安排的通知（国办发明电〔2019〕16号）, the Spring Festival
# extended to 2 February by 国务院办公厅关于延长2020年春节假期的通知（国办发明电〔2020〕1号）:
# 31 January and 1-2 February off, 1 February no longer a make-up working day.
OFF_2020 = (
    [(date(2020, 1, 1), "元旦")]
    + span(date(2020, 1, 24), date(2020, 1, 30), "春节")
    + span(date(2020, 1, 31), date(2020, 2, 2), "春节（延长）")
    + span(date(2020, 4, 4), date(2020, 4, 6), "清明节")
    + span(date(2020, 5, 1), date(2020, 5, 5), "劳动节")
    + span(date(2020, 6, 25), date(2020, 6, 27), "端午节")
    + span(date(2020, 10, 1), date(2020, 10, 8), "国庆节、中秋节")
)
WORK_2020 = [
    (date(2020, 1, 19), "春节调休 (Sunday)"),
    (date(2020, 4, 26), "劳动节调休 (Sunday)"),
    (date(2020, 5, 9), "劳动节调休 (Saturday)"),
    (date(2020, 6, 28), "端午节调休 (Sunday)"),
    (date(2020, 9, 27), "国庆节、中秋节调休 (Sunday)"),
    (date(2020, 10, 10), "国庆节、中秋节调休 (Saturday)"),
]
# 国务院办公厅关于2021年部分节假日安排的通知（国办发明电〔2020〕27号）
OFF_2021 = (
    span(date(2021, 1, 1), date(2021, 1, 3), "元旦")
    + span(date(2021, 2, 11), date(2021, 2, 17), "春节")
    + span(date(2021, 4, 3), date(2021, 4, 5), "清明节")
    + span(date(2021, 5, 1), date(2021, 5, 5), "劳动节")
    + span(date(2021, 6, 12), date(2021, 6, 14), "端午节")
    + span(date(2021, 9, 19), date(2021, 9, 21), "中秋节")
    + span(date(2021, 10, 1), date(2021, 10, 7), "国庆节")
)
WORK_2021 = [
    (date(2021, 2, 7), "春节调休 (Sunday)"),
    (date(2021, 2, 20), "春节调休 (Saturday)"),
    (date(2021, 4, 25), "劳动节调休 (Sunday)"),
    (date(2021, 5, 8), "劳动节调休 (Saturday)"),
    (date(2021, 9, 18), "中秋节调休 (Saturday)"),
    (date(2021, 9, 26), "国庆节调休 (Sunday)"),
    (date(2021, 10, 9), "国庆节调休 (Saturday)"),
]
# 国务院办公厅关于2022年部分节假日安排的通知（国办发明电〔2021〕11号）; 31 December from
# 国务院办公厅关于2023年部分节假日安排的通知（国办发明电〔2022〕16号）.
OFF_2022 = (
    span(date(2022, 1, 1), date(2022, 1, 3), "元旦")
    + span(date(2022, 1, 31), date(2022, 2, 6), "春节")
    + span(date(2022, 4, 3), date(2022, 4, 5), "清明节")
    + span(date(2022, 4, 30), date(2022, 5, 4), "劳动节")
    + span(date(2022, 6, 3), date(2022, 6, 5), "端午节")
    + span(date(2022, 9, 10), date(2022, 9, 12), "中秋节")
    + span(date(2022, 10, 1), date(2022, 10, 7), "国庆节")
    + [(date(2022, 12, 31), "元旦 (2023 notice)")]
)
WORK_2022 = [
    (date(2022, 1, 29), "春节调休 (Saturday)"),
    (date(2022, 1, 30), "春节调休 (Sunday)"),
    (date(2022, 4, 2), "清明节调休 (Saturday)"),
    (date(2022, 4, 24), "劳动节调休 (Sunday)"),
    (date(2022, 5, 7), "劳动节调休 (Saturday)"),
    (date(2022, 10, 8), "国庆节调休 (Saturday)"),
    (date(2022, 10, 9), "国庆节调休 (Sunday)"),
]
# 国务院办公厅关于2023年部分节假日安排的通知（国办发明电〔2022〕16号）
OFF_2023 = (
    span(date(2023, 1, 1), date(2023, 1, 2), "元旦")
    + span(date(2023, 1, 21), date(2023, 1, 27), "春节")
    + [(date(2023, 4, 5), "清明节")]
    + span(date(2023, 4, 29), date(2023, 5, 3), "劳动节")
    + span(date(2023, 6, 22), date(2023, 6, 24), "端午节")
    + span(date(2023, 9, 29), date(2023, 10, 6), "中秋节、国庆节")
)
WORK_2023 = [
    (date(2023, 1, 28), "春节调休 (Saturday)"),
    (date(2023, 1, 29), "春节调休 (Sunday)"),
    (date(2023, 4, 23), "劳动节调休 (Sunday)"),
    (date(2023, 5, 6), "劳动节调休 (Saturday)"),
    (date(2023, 6, 25), "端午节调休 (Sunday)"),
    (date(2023, 10, 7), "中秋节、国庆节调休 (Saturday)"),
    (date(2023, 10, 8), "中秋节、国庆节调休 (Sunday)"),
]

# 国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号）
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
    2018: (OFF_2018, WORK_2018),
    2019: (OFF_2019, WORK_2019),
    2020: (OFF_2020, WORK_2020),
    2021: (OFF_2021, WORK_2021),
    2022: (OFF_2022, WORK_2022),
    2023: (OFF_2023, WORK_2023),
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


def expected_working(year: int, day: date) -> bool:
    off, work = SCHEDULES[year]
    if day in {d for d, _ in work}:
        return True
    return day.weekday() < 5 and day not in {d for d, _ in off}


def test_workalendar_differs_from_the_notices_only_on_the_2020_extension() -> None:
    """workalendar's China calendar against the notices, 2018-2023: it misses 国务院办公厅
    关于延长2020年春节假期的通知 and nothing else; the shipped files follow the notice."""
    reference = China()
    wrong = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # China warns it needs yearly updates
        day = date(2018, 1, 1)
        while day.year <= 2023:
            if reference.is_working_day(day) != expected_working(day.year, day):
                wrong.append(day)
            day += timedelta(days=1)
    assert wrong == [date(2020, 1, 31), date(2020, 2, 1)]


def test_the_2020_extension(calendar: ChinaCalendar) -> None:
    """Issue 10: 31 Jan and 1 Feb 2020 are days off; 1 Feb is no longer a make-up day."""
    for day in (date(2020, 1, 31), date(2020, 2, 1), date(2020, 2, 2)):
        assert not calendar.is_working_day(day)
        info = calendar.day_info(day)
        assert info.kind == "holiday" and info.name == "春节（延长）"
        assert info.source == "国务院办公厅关于延长2020年春节假期的通知（国办发明电〔2020〕1号）"
    assert calendar.is_working_day(date(2020, 2, 3))
    assert calendar.day_info(date(2020, 1, 24)).source == (
        "国务院办公厅关于2020年部分节假日安排的通知（国办发明电〔2019〕16号）"
    )


def test_every_special_day_knows_its_notice(calendar: ChinaCalendar) -> None:
    """What the explanation of a deadline lists: name and source of each day skipped."""
    days = list(calendar.special_days(date(2026, 9, 19), date(2026, 10, 11)))
    assert [(d.day, d.kind, d.name) for d in days] == (
        [(date(2026, 9, 20), "makeup_working", "国庆节调休上班")]
        + [(date(2026, 9, d), "holiday", "中秋节") for d in (25, 26, 27)]
        + [(date(2026, 10, d), "holiday", "国庆节") for d in range(1, 8)]
        + [(date(2026, 10, 10), "makeup_working", "国庆节调休上班")]
    )
    assert {d.source for d in days} == {"国务院办公厅关于2026年部分节假日安排的通知"}
    assert not any(d.provisional for d in days)
    ordinary = calendar.day_info(date(2026, 10, 12))
    assert (ordinary.kind, ordinary.name, ordinary.source) == ("working", None, None)


def test_workalendar_still_fills_a_year_whose_file_is_removed(tmp_path) -> None:
    for year in (2024, 2025, 2026):
        name = f"{year}.txt"
        (tmp_path / name).write_bytes((default_holidays_dir() / name).read_bytes())
    calendar = ChinaCalendar(holidays_dir=tmp_path, first_year=2019, last_year=2027)
    assert calendar.source_of(2019) == "workalendar"
    assert calendar.day_info(date(2019, 10, 1)).source == "workalendar"
    assert calendar.is_working_day(date(2020, 1, 31))  # workalendar's (wrong) answer
    assert calendar.is_provisional_year(2027)


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
