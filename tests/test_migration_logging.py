"""A migration run inside a process leaves the application's loggers working: alembic's
logging set-up disabled every existing logger, and an outage after a migration test was
logged nowhere (tests/api/test_outage.py failed in a stressed CI run)."""
from __future__ import annotations

import logging

from tests.fixtures.app import make_app


def test_an_in_process_migration_keeps_the_application_logger(tmp_path):
    from flask_migrate import upgrade

    from tracker.extensions import db

    app = make_app(f"sqlite:///{tmp_path}/migrated.db")
    logger = logging.getLogger(app.import_name)
    with app.app_context():
        try:
            upgrade(directory=app.extensions["migrate"].directory)
        finally:
            db.session.remove()
            db.engine.dispose()
    assert not logger.disabled
    assert not app.logger.disabled
