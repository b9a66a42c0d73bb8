"""gunicorn settings, read from the working directory: `gunicorn wsgi:app`.

With TRACKER_SCHEDULER=auto each worker also runs the background jobs (the single-host SQLite
setup); the jobs' locks make the duplicates harmless. With PostgreSQL in production set
TRACKER_SCHEDULER=off and run one `flask --app tracker jobs run` (docs/operations-scheduler.md).

Timeouts and recycling (issue 15), each set on purpose; an environment variable of the same
name in capitals (GUNICORN_TIMEOUT, …) overrides it for one deployment.
"""
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Sync workers: one request at a time each, so a stuck request holds a whole worker. 60 s is
# far beyond any page (the dashboard and lists answer in well under a second, the monthly
# report of a 50,000-application month computes in about two seconds and its XLSX is
# streamed from a temporary file) yet short enough that a worker wedged on a lock or a dead
# database connection is killed and replaced instead of silently lost.
worker_class = "sync"  # the number of workers: `gunicorn -w N` (or WEB_CONCURRENCY)
timeout = _int("GUNICORN_TIMEOUT", 60)
# On a restart or a deploy a worker finishes its request (and the scheduler its job's
# transaction, see worker_exit) within this time before it is killed.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Behind a reverse proxy that keeps connections open: a little longer than nothing, so a
# page's CSS and JS reuse the connection, but a sync worker is not held by an idle client.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycling: CPython rarely gives freed memory back to the system, so a worker that once
# built a big report keeps that memory (247 MB measured after one 50,000-row XLSX before the
# streaming). Each worker is replaced after about 1,000 requests; the jitter keeps the
# workers from all restarting at the same moment (the others serve meanwhile).
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)


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
