"""Every test here starts frozen on Monday 2026-10-12 09:00 (tests/fixtures/intake.py)."""
import pytest


@pytest.fixture(autouse=True)
def _frozen_monday(a_monday_in_october) -> None:
    """The sample pushes' dates are never stale."""
