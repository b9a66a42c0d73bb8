"""gunicorn entry point: `gunicorn -w 4 -b 127.0.0.1:8000 wsgi:app`."""
from tracker import create_app
from tracker.config import Config, DevelopmentConfig
import os

app = create_app(DevelopmentConfig if os.environ.get("TRACKER_ENV") == "development" else Config)
