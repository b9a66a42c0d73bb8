"""The staff-page browser tests serve one SQLite file from a thread: PostgreSQL adds nothing here."""
from __future__ import annotations

import pytest


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite")])
def backend(request) -> str:
    return request.param
