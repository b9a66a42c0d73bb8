"""Property tests: working time is one monotone function W, so these must hold exactly."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.sla import default_clock

CLOCK = default_clock()
SECOND = timedelta(seconds=1)
# database=None: do not write a .hypothesis folder into the working tree.
PROPERTY = settings(max_examples=200, deadline=None, database=None)

ZONES = st.sampled_from([timezone(timedelta(hours=8)), ZoneInfo("Asia/Shanghai"), UTC])
# Times around the office-hour edges, where off-by-one mistakes live, and anywhere at all.
EDGES = [time(8, 30), time(12, 0), time(13, 30), time(17, 30), time(0, 0)]
edge_times = st.builds(
    lambda edge, offset: (
        datetime.combine(datetime(2000, 1, 1), edge) + timedelta(seconds=offset)
    ).time(),
    st.sampled_from(EDGES),
    st.integers(-2, 2),
)
any_times = st.times().map(lambda t: t.replace(microsecond=0))
days = st.dates(min_value=datetime(2018, 1, 1).date(), max_value=datetime(2026, 12, 31).date())


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """An aware instant in 2018-2026, often on a holiday or at an office-hour edge."""
    day = draw(days)
    clock_time = draw(st.one_of(edge_times, any_times))
    local = datetime.combine(day, clock_time, tzinfo=ZoneInfo("Asia/Shanghai"))
    return local.astimezone(draw(ZONES))


amounts = st.integers(min_value=0, max_value=400 * 27000).map(lambda s: timedelta(seconds=s))


@st.composite
def pause_lists(draw: st.DrawFn) -> list[tuple[datetime, datetime]]:
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(instants())
        length = timedelta(seconds=draw(st.integers(0, 20 * 86400)))
        pauses.append((start, start + length))
    return pauses


@PROPERTY
@given(instants(), instants(), instants())
def test_between_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    between = CLOCK.working_time_between
    assert between(a, b) + between(b, c) == between(a, c)


@PROPERTY
@given(instants(), instants())
def test_between_is_antisymmetric(a: datetime, b: datetime) -> None:
    assert CLOCK.working_time_between(a, b) == -CLOCK.working_time_between(b, a)


@PROPERTY
@given(instants(), amounts)
def test_between_undoes_add(a: datetime, d: timedelta) -> None:
    assert CLOCK.working_time_between(a, CLOCK.add_working_time(a, d)) == d


@PROPERTY
@given(instants(), instants())
def test_add_gives_the_earliest_instant(a: datetime, b: datetime) -> None:
    a, b = min(a, b), max(a, b)
    d = CLOCK.working_time_between(a, b)
    result = CLOCK.add_working_time(a, d)
    assert result <= b
    assert result.tzinfo is CLOCK.tz and result.microsecond == 0
    assert CLOCK.working_time_between(a, result) == d
    if d > timedelta(0):
        assert CLOCK.working_time_between(a, result - SECOND) < d
    else:
        assert result == a


@PROPERTY
@given(instants(), amounts, pause_lists())
def test_pauses_add_and_between_agree(
    a: datetime, d: timedelta, pauses: list[tuple[datetime, datetime]]
) -> None:
    result = CLOCK.add_working_time(a, d, pauses)
    assert CLOCK.working_time_between(a, result, pauses) == d
    if d > timedelta(0):
        assert CLOCK.working_time_between(a, result - SECOND, pauses) < d
    # Pauses never make a deadline earlier.
    assert result >= CLOCK.add_working_time(a, d)


@PROPERTY
@given(instants(), instants(), pause_lists())
def test_pauses_only_remove_time(
    a: datetime, b: datetime, pauses: list[tuple[datetime, datetime]]
) -> None:
    a, b = min(a, b), max(a, b)
    paused = CLOCK.working_time_between(a, b, pauses)
    assert timedelta(0) <= paused <= CLOCK.working_time_between(a, b)
    # Pausing the whole span leaves nothing.
    assert CLOCK.working_time_between(a, b, pauses + [(a, b)]) == timedelta(0)
