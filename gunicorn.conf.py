"""gunicorn settings, read from the working directory: `gunicorn wsgi:app`.

With TRACKER_SCHEDULER=auto each worker also runs the background jobs (the single-host SQLite
setup); the jobs' locks make the duplicates harmless. With PostgreSQL in production set
TRACKER_SCHEDULER=off and run one `flask --app tracker jobs run` (docs/operations-scheduler.md).
"""


def post_worker_init(worker):
    from flask import Flask

    from tracker.jobs.scheduler import init_scheduler

    # worker.wsgi is the loaded app (wsgi:app); an app that failed to load gets no jobs.
    if isinstance(worker.wsgi, Flask):
        worker.tracker_scheduler = init_scheduler(worker.wsgi)


def worker_exit(server, worker):
    scheduler = getattr(worker, "tracker_scheduler", None)
    if scheduler is not None:
        # Let a running job finish its transaction (gunicorn's graceful timeout still applies).
        scheduler.shutdown(wait=True)
