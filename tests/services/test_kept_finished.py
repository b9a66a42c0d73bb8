"""timers.KeptFinished: what the lists keep of finished timers' deadlines, per clock."""
from __future__ import annotations

from tracker.services.timers import KeptFinished


def test_entries_are_kept_for_one_clock_and_bounded():
    kept = KeptFinished(3)
    clock, other = object(), object()
    views = kept.of(clock)
    views["a"] = 1
    assert kept.of(clock) is views and kept.of(clock) == {"a": 1}
    assert kept.of(other) == {}  # another clock: nothing of the first is answered
    assert kept.of(clock) == {}  # and the first's entries are gone with it
    full = kept.of(clock)
    full.update({"a": 1, "b": 2, "c": 3})
    assert kept.of(clock) == {}  # emptied when full
