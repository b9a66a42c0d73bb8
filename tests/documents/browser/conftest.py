"""The documents browser tests serve one SQLite file from a thread (as tests/web/browser):
PostgreSQL adds nothing here. Chromium runs in its own thread (`in_browser`)."""
from __future__ import annotations

import pytest


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite")])
def backend(request) -> str:
    return request.param
