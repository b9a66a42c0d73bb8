"""The test suite's fixture library is `tests/fixtures/` (indico's `testing/fixtures/`), loaded
here for every folder: a fixture is defined once there, with one contract, and no test module
or conftest imports another folder's conftest. Folder conftests hold only what is particular
to that folder (the browser folders' SQLite-only backend, the features' frozen Monday)."""

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.jobs",  # before api, which imports its helpers
    "tests.fixtures.api",
    "tests.fixtures.web",
    "tests.fixtures.intake",
    "tests.fixtures.browser",
    "tests.fixtures.documents",
]
