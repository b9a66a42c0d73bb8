"""gunicorn entry point: `gunicorn -w 4 -b 127.0.0.1:8000 wsgi:app` (production configuration
unless TRACKER_ENV=development)."""
from tracker import create_app
from tracker.services.flows import sync_at_start
from tracker.web import warm_templates
from tracker.web.warm import warm_pages

app = create_app()
sync_at_start(app)
warm_templates(app)  # before the first request: templates, catalogs, the clock
warm_pages(app)  # the first pages drawn once: their statements compiled, the report's figures
