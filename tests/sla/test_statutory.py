"""The statutory fallback for years without a published schedule."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tracker.sla.statutory import qingming, spring_festival_eve, statutory_holidays

KNOWN_QINGMING = [
    date(2018, 4, 5),
    date(2019, 4, 5),
    date(2020, 4, 4),
    date(2021, 4, 4),
    date(2022, 4, 5),
    date(2023, 4, 5),
    date(2024, 4, 4),
    date(2025, 4, 4),
    date(2026, 4, 5),
]


@pytest.mark.parametrize("expected", KNOWN_QINGMING, ids=lambda d: str(d.year))
def test_qingming_matches_known_dates(expected: date) -> None:
    assert qingming(expected.year) == expected


def _apparent_solar_longitude(jd: float) -> float:
    """Meeus, Astronomical Algorithms ch. 25, low accuracy (about 0.01 degree)."""
    t = (jd - 2451545.0) / 36525
    l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t * t
    m = math.radians(357.52911 + 35999.05029 * t - 0.0001537 * t * t)
    c = (
        (1.914602 - 0.004817 * t - 0.000014 * t * t) * math.sin(m)
        + (0.019993 - 0.000101 * t) * math.sin(2 * m)
        + 0.000289 * math.sin(3 * m)
    )
    omega = math.radians(125.04 - 1934.136 * t)
    return (l0 + c - 0.00569 - 0.00478 * math.sin(omega)) % 360


def _qingming_instant(year: int) -> datetime:
    """When the sun reaches 15 degrees of longitude, by bisection around 5 April."""
    epoch = datetime(2000, 1, 1, 12, tzinfo=UTC)  # JD 2451545.0
    low = datetime(year, 4, 2, tzinfo=UTC)
    high = datetime(year, 4, 8, tzinfo=UTC)
    for _ in range(40):
        middle = low + (high - low) / 2
        jd = 2451545.0 + (middle - epoch) / timedelta(days=1)
        if _apparent_solar_longitude(jd) < 15:
            low = middle
        else:
            high = middle
    return low


def test_qingming_formula_agrees_with_astronomy_2000_2099() -> None:
    beijing = timezone(timedelta(hours=8))
    checked = 0
    for year in range(2000, 2100):
        instant = _qingming_instant(year).astimezone(beijing)
        minutes_from_midnight = instant.hour * 60 + instant.minute
        if minutes_from_midnight < 60 or minutes_from_midnight > 23 * 60:
            continue  # too close to midnight for a 0.01-degree approximation to decide
        assert qingming(year) == instant.date(), year
        checked += 1
    assert checked >= 90


def test_spring_festival_eve() -> None:
    assert spring_festival_eve(2024) == date(2024, 2, 9)
    assert spring_festival_eve(2025) == date(2025, 1, 28)
    assert spring_festival_eve(2026) == date(2026, 2, 16)
    assert spring_festival_eve(2027) == date(2027, 2, 5)  # 初一 is 6 Feb 2027


def test_statutory_holidays_2027() -> None:
    assert statutory_holidays(2027) == {
        date(2027, 1, 1): "元旦",
        date(2027, 2, 5): "春节",  # 除夕
        date(2027, 2, 6): "春节",  # 初一
        date(2027, 2, 7): "春节",  # 初二
        date(2027, 2, 8): "春节",  # 初三
        date(2027, 4, 5): "清明节",
        date(2027, 5, 1): "劳动节",
        date(2027, 5, 2): "劳动节",
        date(2027, 6, 9): "端午节",  # lunar 5/5
        date(2027, 9, 15): "中秋节",  # lunar 8/15
        date(2027, 10, 1): "国庆节",
        date(2027, 10, 2): "国庆节",
        date(2027, 10, 3): "国庆节",
    }


def test_thirteen_days_and_shared_days() -> None:
    assert len(statutory_holidays(2027)) == 13
    # 2028: 中秋 (lunar 8/15) is 3 October, inside 国庆: one day, both names.
    holidays_2028 = statutory_holidays(2028)
    assert len(holidays_2028) == 12
    assert holidays_2028[date(2028, 10, 3)] == "国庆节、中秋节"


def test_statutory_years_are_bounded() -> None:
    with pytest.raises(ValueError, match="2000-2099"):
        statutory_holidays(2100)
