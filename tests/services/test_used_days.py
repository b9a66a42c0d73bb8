"""figures.used_days: the path taken when nothing pauses a working-time application (one call
of the clock) gives the days of the general path (elapsed_budget with its checks), to the
last bit, for starts and ends across nights, weekends, 国庆节 and its make-up Saturday, out of
office hours, equal and reversed; pauses and round-the-clock limits still take the general
path."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from tests.fixtures.app import local
from tracker.services.figures import day_unit, used_days
from tracker.sla import default_clock, elapsed_budget

CLOCK = default_clock()


def general(started: datetime, completed: datetime, round_the_clock: bool, pauses) -> float:
    """used_days as it was before its fast path: always through elapsed_budget."""
    closed = [(start, end if end is not None else completed) for start, end in pauses]
    used = elapsed_budget(CLOCK, started, completed, round_the_clock, closed)
    return max(0.0, used.total_seconds()) / day_unit(CLOCK, round_the_clock)


def instants(rng: random.Random, count: int) -> list[datetime]:
    first = local(2026, 9, 20, 0, 0)
    return [first + timedelta(seconds=rng.randrange(0, 40 * 86400)) for _ in range(count)]


def test_unpaused_working_time_days_are_those_of_the_general_path():
    rng = random.Random(15)
    starts = instants(rng, 400) + [local(2026, 10, 10, 9, 0), local(2026, 10, 8, 23, 59)]
    for started in starts:
        for completed in (started, started - timedelta(hours=3),
                          started + timedelta(seconds=rng.randrange(1, 20 * 86400)),
                          started.astimezone(UTC) + timedelta(days=2)):
            for round_the_clock in (False, True):
                assert used_days(CLOCK, started, completed, round_the_clock, ()) == \
                    general(started, completed, round_the_clock, ()), (started, completed)
                assert used_days(CLOCK, started, completed, round_the_clock, []) == \
                    general(started, completed, round_the_clock, [])


def test_paused_applications_keep_the_general_path():
    rng = random.Random(16)
    for started in instants(rng, 200):
        completed = started + timedelta(seconds=rng.randrange(3600, 15 * 86400))
        pause_start = started + (completed - started) / 3
        for pauses in ([(pause_start, pause_start + timedelta(hours=30))], [(pause_start, None)]):
            for round_the_clock in (False, True):
                assert used_days(CLOCK, started, completed, round_the_clock, pauses) == \
                    general(started, completed, round_the_clock, pauses)
    # Something really was excluded, so the comparison above could fail.
    started, completed = local(2026, 10, 12, 9, 0), local(2026, 10, 16, 17, 0)
    assert used_days(CLOCK, started, completed, False, [(local(2026, 10, 13, 9, 0),
                                                         local(2026, 10, 14, 9, 0))]) < \
        used_days(CLOCK, started, completed, False, ())
