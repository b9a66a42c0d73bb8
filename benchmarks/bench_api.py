"""Listing overdue applications through the API among 100,000, against a plain SELECT.

Run: python benchmarks/bench_api.py [--postgres URL] [--count N]

For SQLite (a file in a temporary folder) and PostgreSQL (the server at --postgres, or when
reachable the one on 127.0.0.1:5432, in a throwaway database this script creates and drops),
it bulk-inserts N applications with SQL (no services, no events), then times
`GET /api/v1/applications?overdue=true&per_page=50` through the Flask test client (median of
30 requests, with the part spent in SQL) against a plain `SELECT` of 50 application rows by
primary key (median of 300, taken in turns with the requests), and prints the two side by side
with their ratio, for per_page 10 and 50; it exits 1 when either ratio exceeds 3 (the goal
of issue 15). It also counts the SQL statements one list request runs (a
`before_cursor_execute` listener) for per_page 10 and 50: that count must not grow with the
page size, or the script exits 1.

The data: three years of applications ending now (60 % flow 201, 30 % 211, 10 % 101); those of
the last five working days still open with their first step's clock running (some of them
already overdue), 1 % of the older ones stuck open and long overdue, 2 % cancelled, 5 % of the
completed ones done late, 3 % paused once; every step record, a timer for each application and
for each step that has a clock.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import sqlalchemy as sa

from tracker.models.base import UTCDateTime

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
LIST_URL = "/api/v1/applications?overdue=true&per_page={per_page}"
REPEAT_LIST = 30  # list requests timed (median)
REPEAT_SELECT = 300  # plain SELECTs timed (median), in turns with the list requests
PAGE_SIZES = (10, 50)  # both timed; both measured against the 50-row SELECT
GOAL_RATIO = 3.0  # issue 15: a list within 3x a plain 50-row primary-key SELECT, in process
FLOW_MIX = [("201", 0.6), ("211", 0.3), ("101", 0.1)]
YEARS = 3


def _psycopg(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@contextmanager
def throwaway_postgres(admin_url: str) -> Iterator[str]:
    """A fresh database on the server at admin_url, dropped afterwards."""
    admin = sa.create_engine(_psycopg(admin_url), isolation_level="AUTOCOMMIT")
    name = f"tracker_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(_psycopg(admin_url)).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = :name AND pid <> pg_backend_pid()"),
                         {"name": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def build_app(url: str):
    from flask_migrate import upgrade

    from tracker import create_app
    from tracker.config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
    return app


# --- data ---------------------------------------------------------------------------------

BATCH = 20_000  # applications built and inserted at a time: memory stays flat at 1M


def populate(app, count: int, seed: int = 12, stuck_within: timedelta | None = None,
             report=None, accepted_at: Sequence[datetime] | None = None) -> str:
    """Insert `count` applications (see the module doc); returns a clerk's API token.

    `stuck_within` keeps the stuck-open ones to those accepted in that span before now (an
    office chases what is old: the open set then follows the daily intake, not the history);
    `report(rows, seconds)` is told how many rows went in, BATCH applications at a time;
    `accepted_at` (one instant per application, in order, all before now) replaces the even
    spread over YEARS: benchmarks/bench_report.py packs one month with many more."""
    from tracker.extensions import db
    from tracker.models import (
        ApiToken,
        Application,
        AppStatus,
        Channel,
        CustomerType,
        Pause,
        Role,
        SlaTimer,
        StepRecord,
        StepStatus,
        SubjectType,
        TimerState,
        User,
    )
    from tracker.services.app_clock import app_clock
    from tracker.services.flows import current_versions, definition_of, ensure_synced
    from tracker.services.reference import ensure_departments

    rng = random.Random(seed)
    with app.app_context():
        ensure_departments()
        user = User(username="bench-clerk", role=Role.CLERK, display_name="bench")
        token_row, token = ApiToken.issue(user, "bench")
        db.session.add_all([user, token_row])
        db.session.commit()
        ensure_synced()  # as a server does at start-up
        versions = current_versions()
        flows = {code: definition_of(row) for code, row in versions.items()}
        clock = app_clock()
        day = clock.working_day_length
        now = datetime.now(UTC).replace(microsecond=0)
        first = now - timedelta(days=365 * YEARS)
        recent_from = now
        for _ in range(5):  # five working days back
            recent_from = clock.next_working_instant(recent_from - timedelta(days=1))
        codes, weights = zip(*FLOW_MIX)

        apps: list[dict[str, Any]] = []
        steps: list[dict[str, Any]] = []
        timers: list[dict[str, Any]] = []
        pauses: list[dict[str, Any]] = []
        step_id = 0
        timer_id = count  # timers 1..count are the applications' own (timer id = app id)
        inserted, began = 0, time.perf_counter()

        def flush() -> None:
            # applications first (their timer ids after), then the rows that point at them
            nonlocal inserted
            with db.engine.begin() as conn:
                for table, rows in ((Application.__table__, apps), (SlaTimer.__table__, timers),
                                    (StepRecord.__table__, steps), (Pause.__table__, pauses)):
                    bulk_insert(conn, table, rows)
                    inserted += len(rows)
                    rows.clear()
            if report is not None:
                report(inserted, time.perf_counter() - began)

        def timer(tid, subject, subject_id, app_id, dept, flow, step, budget, start, due,
                  warn, state, completed=None, late=False):
            seconds = int(budget.total_seconds())
            return {"id": tid, "subject_type": subject, "subject_id": subject_id,
                    "stage": step or "", "application_id": app_id, "department_code": dept,
                    "flow_code": flow, "step_code": step, "label": "",
                    "limit": {"kind": "working_days", "amount": seconds / day.total_seconds(),
                              "counting": "clock", "count_start_day": False},
                    "round_the_clock": False, "started_at": start, "budget_seconds": seconds,
                    "due_at": due, "warn_at": warn,
                    "provisional": False, "state": state, "completed_at": completed,
                    "late": late, "overdue_at": due if due <= now and state is TimerState.RUNNING
                    else None, "created_at": start, "version_id": 1}

        for i in range(1, count + 1):
            code = rng.choices(codes, weights)[0]
            flow = flows[code]
            accepted = (first + (now - first) * (i / count) if accepted_at is None
                        else accepted_at[i - 1]).replace(microsecond=0)
            start = clock.next_working_instant(accepted)
            recent = accepted >= recent_from
            stuck = not recent and rng.random() < 0.01 and (
                stuck_within is None or now - accepted < stuck_within)
            cancelled = not recent and not stuck and rng.random() < 0.02
            status = (AppStatus.OPEN if recent or stuck else
                      AppStatus.CANCELLED if cancelled else AppStatus.COMPLETED)
            budget = day  # every shipped flow: 1 working day (201: 003 三（二）1)
            paused = []
            if status is AppStatus.COMPLETED and rng.random() < 0.03:
                p_start = clock.add_working_time(start, day * 0.2)
                paused = [(p_start, clock.add_working_time(p_start, day))]
                pauses.append({"application_id": i, "reason_code": "missing_documents",
                               "note": "", "started_at": paused[0][0], "ended_at": paused[0][1],
                               "step_code": None, "stops_application": True,
                               "stopped_steps": ["*"]})
            due = clock.add_working_time(start, budget, paused)
            completed, late = None, False
            if status is AppStatus.COMPLETED:
                late = rng.random() < 0.05
                share = rng.uniform(1.1, 3.0) if late else rng.uniform(0.1, 0.95)
                completed = min(clock.add_working_time(start, budget * share, paused), now)
                late = completed > due
            if status is AppStatus.OPEN:
                state = TimerState.RUNNING
            elif status is AppStatus.CANCELLED:
                state, completed = TimerState.CANCELLED, accepted + timedelta(hours=1)
            else:
                state = TimerState.DONE
            warn = clock.add_working_time(start, budget * 0.75, paused)
            timers.append(timer(i, SubjectType.APPLICATION, i, i, flow.steps[0].department, code,
                                None, budget, start, due, warn, state, completed, late))
            # The step clocks, simplified: the application's own budget from its start, so a
            # step is late exactly when its application is.
            s_budget, s_due, s_warn = budget, due, warn
            for position, step in enumerate(flow.steps):
                step_id += 1
                done = status is AppStatus.COMPLETED
                first_step = position == 0 and status is not AppStatus.COMPLETED
                step_status = (StepStatus.DONE if done else
                               StepStatus.CANCELLED if cancelled else  # closed with it
                               StepStatus.READY if position == 0 else StepStatus.WAITING)
                step_timer = None
                if done or first_step:
                    timer_id += 1
                    step_timer = timer_id
                    s_state = (TimerState.DONE if done else TimerState.CANCELLED if cancelled
                               else TimerState.RUNNING)
                    timers.append(timer(step_timer, SubjectType.STEP, step_id, i, step.department,
                                        code, step.code, s_budget, start, s_due, s_warn,
                                        s_state, completed, bool(done and completed > s_due)))
                steps.append({"id": step_id, "application_id": i, "code": step.code,
                              "position": position, "department_code": step.department,
                              "status": step_status, "completed_at": completed if done else None,
                              "timer_id": step_timer, "note": "", "version_id": 1})
            apps.append({
                "id": i, "number": f"{code}-{accepted.year}-{i:06d}", "flow_code": code,
                "flow_version_id": versions[code].id, "customer_type": CustomerType.COMPANY,
                "customer_name": f"芜湖某公司{i}", "contact_name": "王工",
                "contact_phone": f"139{i:08d}", "address": f"芜湖市镜湖区{i % 300}号",
                "channel": Channel.WINDOW,
                "attributes": {},
                "accepted_at": accepted, "requested_at": accepted if code == "101" else None,
                "missing_materials": [], "note": "", "status": status,
                "cancel_reason": "客户撤回" if cancelled else "",
                "cancelled_at": completed if cancelled else None,
                "water_on_at": completed if status is AppStatus.COMPLETED else None,
                "completed_at": completed if status is AppStatus.COMPLETED else None,
                "timer_id": None, "created_by_id": user.id, "created_at": accepted,
                "updated_at": completed or accepted, "version_id": 1})
            if len(apps) >= BATCH:
                flush()

        flush()
        tables = db.metadata.tables
        with db.engine.begin() as conn:
            conn.execute(sa.update(tables["applications"])
                         .values(timer_id=tables["applications"].c.id))
            # The numbers counters as the application would have left them (each flow's and
            # year's last number): the numbers above are the ids, so a create through the
            # API that started its counter at 1 would meet a number already taken.
            apps_t = tables["applications"]
            prefix = sa.func.substr(apps_t.c.number, 1, sa.func.length(apps_t.c.number) - 7)
            last = sa.func.max(sa.cast(sa.func.substr(apps_t.c.number,
                                                      sa.func.length(apps_t.c.number) - 5),
                                       sa.Integer))
            rows = conn.execute(sa.select(prefix, last).group_by(prefix)).all()
            if rows:
                conn.execute(sa.insert(tables["number_sequences"]),
                             [{"key": key, "last": int(value)} for key, value in rows])
            if conn.dialect.name == "postgresql":
                for name in ("applications", "sla_timers", "step_records", "pauses"):
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                                         f" (SELECT max(id) FROM {name}))"))
        # The tallies' rows summed (one per COPY batch and status), as the fold job would.
        from tracker.services.tallies import fold_tallies
        fold_tallies()
        # The session's transaction (opened by the reads above, kept by `user.id`) ends
        # before VACUUM: PostgreSQL's VACUUM cannot mark pages all-visible past an open
        # transaction, and without that every index-only scan visits the table, which
        # inflated every PostgreSQL figure.
        db.session.commit()
        with db.engine.connect() as conn:  # fresh statistics, as autovacuum would leave them
            statement = "VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(statement)
        db.session.remove()
    return token


def _memoised(process):
    """A bind processor remembering its results: the rows share most of their instants."""
    seen: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        if value not in seen:
            seen[value] = process(value)
        return seen[value]

    return run


def bulk_insert(conn, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts with the same keys) with the driver: COPY on PostgreSQL, executemany
    on SQLite. Each value goes through its column type's bind processor, so it is stored
    exactly as the ORM would store it (UTC instants, enum values, JSON)."""
    if not rows:
        return
    dialect = conn.dialect
    names = list(rows[0])
    processors = [_memoised(table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                  if isinstance(table.c[name].type, UTCDateTime) else
                  table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names]
    pairs = list(zip(names, processors))

    def values(row: dict[str, Any]) -> tuple:
        return tuple(process(row[name]) if process else row[name] for name, process in pairs)

    columns = ", ".join(f'"{name}"' for name in names)
    if dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(values(row))
    else:
        marks = ", ".join("?" for _ in names)
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})',
                             [values(row) for row in rows])


# --- measuring ----------------------------------------------------------------------------

class QueryCounter:
    """SQL statements the engine runs while `active`, and the time spent in them."""

    def __init__(self, engine) -> None:
        self.active = False
        self.count = 0
        self.seconds = 0.0
        self._started = 0.0
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        if self.active:
            self.count += 1
            self._started = time.perf_counter()

    def _after(self, *_args: Any) -> None:
        if self.active:
            self.seconds += time.perf_counter() - self._started

    def around(self, fn) -> tuple[int, float]:
        """(statements, seconds in them) while fn runs."""
        self.count, self.seconds, self.active = 0, 0.0, True
        try:
            fn()
        finally:
            self.active = False
        return self.count, self.seconds


def median_ms(fn, repeat: int) -> float:
    """The median time of `repeat` calls, in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def measure(backend: str, url: str, count: int) -> dict[str, Any]:
    from tracker.extensions import db

    app = build_app(url)
    started = time.perf_counter()
    token = populate(app, count)
    load_seconds = time.perf_counter() - started
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def list_page(per_page: int) -> dict:
        response = client.get(LIST_URL.format(per_page=per_page), headers=headers)
        assert response.status_code == 200, response.get_data(True)
        return response.get_json()

    with app.app_context():
        engine = db.engine
    counter = QueryCounter(engine)
    first = list_page(50)  # warm-up: flow versions synced, clock built
    queries = {per_page: counter.around(lambda p=per_page: list_page(p))[0]
               for per_page in (10, 50)}

    applications = db.metadata.tables["applications"]
    rng = random.Random(1)
    list_samples: dict[int, list[float]] = {10: [], 50: []}
    sql_samples: dict[int, list[float]] = {10: [], 50: []}
    select_samples = []
    with engine.connect() as conn:
        def plain_select() -> None:
            ids = rng.sample(range(1, count + 1), 50)
            rows = conn.execute(sa.select(applications).where(applications.c.id.in_(ids))).all()
            assert len(rows) == 50

        plain_select()
        # In turns, so that a busy moment of the machine weighs on both alike.
        for _ in range(REPEAT_LIST):
            for per_page in PAGE_SIZES:
                started = time.perf_counter()
                _, sql_seconds = counter.around(lambda p=per_page: list_page(p))
                list_samples[per_page].append(time.perf_counter() - started)
                sql_samples[per_page].append(sql_seconds)
            select_samples.append(median_ms(plain_select, REPEAT_SELECT // REPEAT_LIST) / 1000)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    list_ms = {p: statistics.median(list_samples[p]) * 1000 for p in PAGE_SIZES}
    select_ms = statistics.median(select_samples) * 1000
    return {"backend": backend, "count": count, "load_s": load_seconds,
            "overdue_total": first["total"], "list_ms": list_ms,
            "sql_ms": {p: statistics.median(sql_samples[p]) * 1000 for p in PAGE_SIZES},
            "select_ms": select_ms,
            "ratio": {p: list_ms[p] / select_ms for p in PAGE_SIZES}, "queries": queries}


def _reachable(url: str) -> bool:
    engine = sa.create_engine(_psycopg(url), connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a throwaway "
                        f"database is created there); default {DEFAULT_POSTGRES} if reachable")
    parser.add_argument("--count", type=int, default=100_000, help="applications to insert")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-api-") as folder:
        print(f"sqlite: inserting {args.count:,} applications …", flush=True)
        results.append(measure("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", args.count))
    pg_url = args.postgres or DEFAULT_POSTGRES
    if _reachable(pg_url):
        print(f"postgresql: inserting {args.count:,} applications …", flush=True)
        with throwaway_postgres(pg_url) as url:
            results.append(measure("postgresql", url, args.count))
    elif args.postgres:
        print(f"PostgreSQL at {args.postgres} is unreachable", file=sys.stderr)
        return 2
    else:
        print(f"postgresql: skipped ({DEFAULT_POSTGRES} unreachable)")

    print()
    print(f"{'backend':<11} {'apps':>8} {'overdue':>8} {'load s':>7} {'per page':>8} "
          f"{'list overdue ms':>16} {'(in SQL)':>9} {'SELECT 50 by pk ms':>19} {'ratio':>7} "
          f"{'queries/list':>13}")
    failed = False
    for r in results:
        for per_page in PAGE_SIZES:
            print(f"{r['backend']:<11} {r['count']:>8,} {r['overdue_total']:>8,} "
                  f"{r['load_s']:>7.1f} {per_page:>8} {r['list_ms'][per_page]:>16.2f} "
                  f"{r['sql_ms'][per_page]:>9.2f} {r['select_ms']:>19.3f} "
                  f"{r['ratio'][per_page]:>6.1f}x {r['queries'][per_page]:>13}")
        if r["queries"][50] > r["queries"][10]:
            failed = True
            print(f"  FAIL {r['backend']}: the query count grows with the page size "
                  f"({r['queries'][10]} → {r['queries'][50]})", file=sys.stderr)
        slow = [p for p in PAGE_SIZES if r["ratio"][p] > GOAL_RATIO]
        if slow:
            failed = True
            print(f"  FAIL {r['backend']}: the list takes more than {GOAL_RATIO:g}x a plain "
                  f"50-row SELECT by primary key (per page {', '.join(map(str, slow))})",
                  file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
