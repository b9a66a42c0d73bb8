"""The shared clock of the clock's tests (modules may define their own)."""

from __future__ import annotations

import pytest

from tracker.sla import WorkingClock, default_clock


@pytest.fixture(scope="module")
def clock() -> WorkingClock:
    return default_clock()
