"""gunicorn entry point: `gunicorn -w 4 -b 127.0.0.1:8000 wsgi:app` (production configuration
unless TRACKER_ENV=development)."""
from tracker import create_app
from tracker.services.flows import sync_at_start

app = create_app()
sync_at_start(app)
