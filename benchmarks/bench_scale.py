"""Every staff page and list against the log-in page at 10k, 100k and 1M applications of
history on PostgreSQL (issue 15's scaling run).

Run: python benchmarks/bench_scale.py [--sizes 10000,100000,1000000] [--with-writes]
     [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--repeat 15]
     or: python benchmarks/bench_scale.py --database URL --token T --number N (a database
     kept by bench_compare.py --keep --size 1000000: the 1M build takes ~20 min, measuring
     it again after a change need not; --with-writes adds applications to it)

For each size it makes a throwaway database (dropped at the end), bulk-inserts the history with
benchmarks/bench_api.py's `populate` (COPY, BATCH applications at a time; it prints rows/s)
with a realistic open set: the last five working days open, and 1 % of the applications of
the last 60 days stuck open and overdue, so the open set follows the daily intake, not the
history. On top of it (set-based SQL): a callback with its 3-day timer for every completed
application (3 % of those of the last month still open, a third of them assigned to the
customer-service clerk), a team lead and that clerk with passwords, the clerk owning every
20th application. Pages are fetched through the Flask test client (no network):

  - first: the first request of the page in a freshly created application (the process's
    caches empty, as after a start), signed in first, against the log-in page;
  - warm: the median of --repeat requests, taken in turns with the log-in page;
  - queries: the statements one warm request runs (before_cursor_execute).

With --with-writes a background thread creates applications through the API at
--write-rate per second (an office's busy hour is well under that) while the warm medians are
taken a second time, since the goal holds "whether or not writes are happening"; every write
records a change, so the dashboard is recomputed after each.

Goals (exit 1 when one is missed): every page's warm median within 5x the log-in page's, with
and without writes; its first request within 10x; no page's query count grows from one size
to the next.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_api
import bench_pages
import sqlalchemy as sa

WARM_MAX = 5.0
FIRST_MAX = 10.0
STUCK_WITHIN = timedelta(days=60)


def pages(number: str) -> dict[str, tuple[str, str]]:
    """name -> (who, URL): "lead" and "cs" sign in to pages, "api" sends the token."""
    return {
        "dashboard": ("lead", "/dashboard"),
        "my work (department)": ("cs", "/work?tab=department"),
        "my work (mine)": ("cs", "/work?tab=mine"),
        "application list": ("lead", "/applications"),
        "overdue list": ("lead", "/applications?overdue=yes"),
        "search": ("lead", "/applications?text=%E6%9F%90%E5%85%AC%E5%8F%B81234"),  # 某公司1234
        "detail page": ("lead", f"/applications/{number}"),
        "monthly report": ("lead", "/reports/monthly"),
        "callbacks": ("cs", "/callbacks"),
        "problems": ("lead", "/problems"),
        "API applications": ("api", "/api/v1/applications?per_page=50"),
        "API overdue": ("api", "/api/v1/applications?overdue=true&per_page=50"),
        "API callbacks": ("api", "/api/v1/aftercare/callbacks"),
        "API problems": ("api", "/api/v1/problems"),
    }


def add_staff_and_callbacks(app) -> str:
    """The lead, the clerk and the callbacks (see the module doc); an open application's
    number for the detail page."""
    from tracker.extensions import db
    from tracker.models import Department, Role, User

    with app.app_context():
        service = db.session.scalar(sa.select(Department)
                                    .where(Department.code == "customer_service"))
        lead = User(username="lead", role=Role.TEAM_LEAD, display_name="lead")
        clerk = User(username="cs", role=Role.CLERK, display_name="cs", department=service)
        for user in (lead, clerk):
            user.set_password(bench_pages.PASSWORD)
        db.session.add_all([lead, clerk])
        db.session.commit()
        params = {"clerk": clerk.id}
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "UPDATE applications SET owner_id = :clerk WHERE id % 20 = 0"), params)
            # A callback timer per completed application: due 3 days after its completion;
            # done unless completed in the last month and one in 33.
            conn.execute(sa.text("""
                INSERT INTO sla_timers (subject_type, subject_id, stage, application_id,
                    department_code, flow_code, label, "limit", round_the_clock, started_at,
                    budget_seconds, due_at, warn_at, provisional, state, completed_at, late,
                    created_at, assignee_id, version_id)
                SELECT 'callback', a.id, '', a.id, 'customer_service', a.flow_code, '',
                    '{"kind": "working_days", "amount": 3}', false, a.completed_at, 81000,
                    a.completed_at + interval '3 days', a.completed_at + interval '2 days',
                    false, CASE WHEN open THEN 'running' ELSE 'done' END,
                    CASE WHEN open THEN NULL ELSE a.completed_at + interval '1 day' END, false,
                    a.completed_at, CASE WHEN a.id % 3 = 0 THEN :clerk END, 1
                FROM (SELECT *, completed_at > now() - interval '30 days' AND id % 33 = 0
                      AS open FROM applications WHERE status = 'completed') a"""), params)
            conn.execute(sa.text("""
                INSERT INTO callbacks (application_id, status, comment, timer_id, created_at,
                                       version_id)
                SELECT t.application_id, CASE WHEN t.state = 'done' THEN 'done' ELSE 'open' END,
                       '', t.id, t.started_at, 1
                FROM sla_timers t WHERE t.subject_type = 'callback'"""))
            conn.execute(sa.text(
                "SELECT setval(pg_get_serial_sequence('callbacks', 'id'), "
                "(SELECT max(id) FROM callbacks))"))
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE")
        number = db.session.scalar(sa.text(
            "SELECT number FROM applications WHERE status = 'open' ORDER BY id DESC LIMIT 1"))
        db.session.remove()
    return number


def fresh_app(url: str):
    """A new application object on the database, started as wsgi.py starts one."""
    from tracker import create_app
    from tracker.config import TestingConfig
    from tracker.services.flows import sync_at_start
    from tracker.web import warm_templates
    from tracker.web.warm import warm_pages

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    sync_at_start(app)
    warm_templates(app)
    warm_pages(app)
    return app


def dispose(app) -> None:
    from tracker.extensions import db

    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


class Fetcher:
    """Signed-in clients of one application: fetch(who, url)."""

    def __init__(self, app, token: str) -> None:
        self.clients = {who: bench_pages.logged_in_client(app, who) for who in ("lead", "cs")}
        self.api = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    def fetch(self, who: str, url: str):
        if who == "api":
            return self.api.get(url, headers=self.headers)
        return self.clients[who].get(url)


class Writer(threading.Thread):
    """Creates applications through the API at `rate` per second until stopped."""

    def __init__(self, app, token: str, rate: float) -> None:
        super().__init__(daemon=True)
        self.client, self.token, self.interval = app.test_client(), token, 1 / rate
        self.stop = threading.Event()
        self.done = self.failed = 0

    def run(self) -> None:
        due = time.monotonic()
        while not self.stop.is_set():
            answer = self.client.post("/api/v1/applications", json={
                "flow": "211", "customer_name": f"压测客户{self.done}"}, headers={
                "Authorization": f"Bearer {self.token}", "Accept-Language": "en",
                "Idempotency-Key": uuid.uuid4().hex})
            if answer.status_code == 201:
                self.done += 1
            else:
                self.failed += 1
            due += self.interval
            self.stop.wait(max(0.0, due - time.monotonic()))


def warm_medians(fetcher: Fetcher, anonymous, targets: dict[str, tuple[str, str]],
                 repeat: int) -> tuple[dict[str, float], float]:
    """Each page's median and the log-in page's, in turns."""
    fetches = {"login": lambda: anonymous.get("/login")}
    for name, (who, url) in targets.items():
        fetches[name] = lambda w=who, u=url: fetcher.fetch(w, u)
    medians = bench_pages.interleaved(fetches, repeat)
    return medians, medians.pop("login")


def measure(url: str, token: str, number: str, repeat: int, with_writes: bool,
            write_rate: float) -> dict[str, Any]:
    from tracker.extensions import db

    targets = pages(number)
    first: dict[str, float] = {}
    first_queries: dict[str, int] = {}
    for name, (who, path) in targets.items():  # a new process for each page's first request
        app = fresh_app(url)
        try:
            fetcher = Fetcher(app, token)
            with app.app_context():
                counter = bench_api.QueryCounter(db.engine)
            answered = []
            began = time.perf_counter()
            queries, _ = counter.around(lambda f=fetcher, w=who, p=path, n=name, a=answered:
                                        a.append(_ok(f.fetch(w, p), n)))
            first[name] = time.perf_counter() - began
            first_queries[name] = queries
            # Closed once answered, as a WSGI server does once it has sent the response:
            # what a view left for after the response (the dashboard's recompute) runs
            # then, not within the request's time.
            answered[0].close()
        finally:
            dispose(app)
    app = fresh_app(url)
    try:
        fetcher = Fetcher(app, token)
        anonymous = app.test_client()
        with app.app_context():
            counter = bench_api.QueryCounter(db.engine)
        queries = {}
        for name, (who, path) in targets.items():
            _ok(fetcher.fetch(who, path), name).close()  # warmed
            queries[name], _ = counter.around(lambda w=who, p=path, n=name:
                                              _ok(fetcher.fetch(w, p), n).close())
        warm, login = warm_medians(fetcher, anonymous, targets, repeat)
        result = {"first": first, "first_queries": first_queries, "warm": warm,
                  "login": login, "queries": queries}
        if with_writes:
            writer = Writer(app, token, write_rate)
            began = time.perf_counter()
            writer.start()
            try:
                result["busy"], result["busy_login"] = warm_medians(fetcher, anonymous,
                                                                    targets, repeat)
            finally:
                writer.stop.set()
                writer.join(timeout=60)
            seconds = time.perf_counter() - began
            result["writes"] = (writer.done, writer.failed, seconds)
    finally:
        dispose(app)
    return result


def _ok(response, name: str):
    assert response.status_code == 200, (name, response.status_code,
                                         response.get_data(as_text=True)[:300])
    return response


def report(size: int, built: float, rows: int, r: dict[str, Any], previous: dict | None,
           failures: list[str]) -> None:
    login = r["login"]
    print(f"\n{size:,} applications: built in {built:.1f} s ({rows:,} rows, "
          f"{rows / built:,.0f} rows/s); log-in page {login * 1000:.2f} ms")
    header = f"  {'page':<22}{'first':>9}{'ratio':>8}{'warm':>9}{'ratio':>8}{'queries':>9}"
    if "busy" in r:
        header += f"{'writing':>10}{'ratio':>8}"
    print(header)
    for name, warm in r["warm"].items():
        first_ratio, warm_ratio = r["first"][name] / login, warm / login
        line = (f"  {name:<22}{r['first'][name] * 1000:8.1f}m{first_ratio:7.1f}x"
                f"{warm * 1000:8.2f}m{warm_ratio:7.1f}x{r['queries'][name]:5d}/"
                f"{r['first_queries'][name]:<3d}")
        if first_ratio > FIRST_MAX:
            failures.append(f"{size:,}: {name} first request {first_ratio:.1f}x > {FIRST_MAX:g}x")
        if warm_ratio > WARM_MAX:
            failures.append(f"{size:,}: {name} {warm_ratio:.1f}x > {WARM_MAX:g}x")
        if "busy" in r:
            busy_ratio = r["busy"][name] / r["busy_login"]
            line += f"{r['busy'][name] * 1000:9.2f}m{busy_ratio:7.1f}x"
            if busy_ratio > WARM_MAX:
                failures.append(f"{size:,}: {name} under writes {busy_ratio:.1f}x > "
                                f"{WARM_MAX:g}x")
        print(line)
        if previous is not None:
            for kind, words in (("queries", "warm"), ("first_queries", "first")):
                if r[kind][name] > previous[kind][name]:
                    failures.append(f"{size:,}: {name}'s {words} query count grew: "
                                    f"{previous[kind][name]} -> {r[kind][name]}")
    print("  (m = ms; queries = warm/first request)")
    if "busy" in r:
        done, failed, seconds = r["writes"]
        print(f"  under writes: {done} applications created in {seconds:.1f} s "
              f"({done / seconds:.1f}/s), {failed} failed; log-in page "
              f"{r['busy_login'] * 1000:.2f} ms")
        if failed:
            failures.append(f"{size:,}: {failed} writes failed")


class Progress:
    """Prints the rows inserted and the rate, every 15 s at most."""

    def __init__(self, size: int) -> None:
        self.size, self.last = size, 0.0

    def __call__(self, rows: int, seconds: float) -> None:
        if seconds - self.last >= 15:
            self.last = seconds
            print(f"  {self.size:,}: {rows:,} rows in {seconds:.0f} s "
                  f"({rows / seconds:,.0f} rows/s)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--postgres", default=os.environ.get("TRACKER_BENCH_ADMIN_URL",
                                                              bench_api.DEFAULT_POSTGRES))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--with-writes", action="store_true")
    parser.add_argument("--write-rate", type=float, default=5.0)
    parser.add_argument("--database", help="measure an existing database made by "
                        "bench_compare.py --keep (upgraded to this checkout's schema first)")
    parser.add_argument("--token")
    parser.add_argument("--number")
    args = parser.parse_args()
    if args.database:
        return measure_kept(args)
    failures: list[str] = []
    previous = None
    started = time.perf_counter()
    for size in (int(s) for s in args.sizes.split(",")):
        with bench_api.throwaway_postgres(args.postgres) as url:
            began = time.perf_counter()
            app = bench_api.build_app(url)
            token = bench_api.populate(app, size, stuck_within=STUCK_WITHIN,
                                       report=Progress(size))
            number = add_staff_and_callbacks(app)
            built = time.perf_counter() - began
            with app.app_context():
                from tracker.extensions import db
                rows = sum(db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                           for t in ("applications", "sla_timers", "step_records", "pauses",
                                     "callbacks"))
                open_apps = db.session.scalar(sa.text(
                    "SELECT count(*) FROM applications WHERE status = 'open'"))
            dispose(app)
            result = measure(url, token, number, args.repeat, args.with_writes,
                             args.write_rate)
        report(size, built, rows, result, previous, failures)
        print(f"  open applications: {open_apps:,}")
        previous = result
    print(f"\ntook {time.perf_counter() - started:.0f} s")
    return bench_pages.verdict(failures)


def measure_kept(args: Any) -> int:
    """The pages of a database kept by bench_compare.py --keep: no build, the same figures."""
    failures: list[str] = []
    app = bench_api.build_app(args.database)  # upgrades it to this checkout's migrations
    with app.app_context():
        from tracker.extensions import db
        size = db.session.scalar(sa.text("SELECT count(*) FROM applications"))
        rows = sum(db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                   for t in ("applications", "sla_timers", "step_records", "pauses",
                             "callbacks"))
    dispose(app)
    result = measure(args.database, args.token, args.number, args.repeat, args.with_writes,
                     args.write_rate)
    report(size, float("nan"), rows, result, None, failures)
    return bench_pages.verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
