"""Every customer test runs with the archive check on, as in production (the fixtures are in
tests/fixtures/documents.py and, for the SMS gateway on 127.0.0.1, tests/fixtures/jobs.py)."""
import pytest


@pytest.fixture(autouse=True)
def _archive_check_on(documents_required) -> None:
    """TestingConfig turns the check off for the core's and the other features' tests."""
