"""The garbage collector waits while a report is computed and runs again after the last one,
whatever happened (reports.monthly.collector_held)."""
from __future__ import annotations

import gc

import pytest

from tracker.reports.monthly import collector_held


def test_the_collector_runs_again_when_the_last_report_ends():
    assert gc.isenabled()
    with collector_held():
        assert not gc.isenabled()
        with collector_held():  # a second report at the same time (another thread)
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failed_report_lets_it_run_again():
    with pytest.raises(RuntimeError), collector_held():
        raise RuntimeError("the report failed")
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off():
    gc.disable()
    try:
        with collector_held():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
