"""Every documents test runs with the archive check on, as in production (the fixtures are in
tests/fixtures/documents.py)."""
import pytest


@pytest.fixture(autouse=True)
def _archive_check_on(documents_required) -> None:
    """TestingConfig turns the check off for the core's and the other features' tests."""
