"""The live monthly report of a month of 50,000 applications among years of history.

Run: python benchmarks/bench_report.py [--postgres URL] [--history N] [--month-count N]
         [--small-count N] [--years N] [--repeat N] [--explain] [--skip-sqlite]
(exits 1 if a goal is missed; a full run with the defaults takes a few minutes)

Goals (issue 15): the report reads only the month's rows, so it computes a month of 50,000
applications in at most 2 s (MONTH_SECONDS_MAX) whatever the history, an old quiet month
costs far less than the big one (history is not scanned), and the XLSX and CSV downloads
stream in constant memory: the peak (tracemalloc) while writing the 50,000-application month
is within MEMORY_RATIO_MAX of the peak for a 5,000-application month.

The data (benchmarks/bench_api.py's rows and bulk inserts, with these acceptance instants):
--history applications spread evenly over --years years, then a month with --small-count
(the memory baseline) and the month before last (the big month) with --month-count, each
evenly spread; 1 % of them stuck open, 2 % cancelled, 5 % of the completed ones late, 3 %
paused once (the big month is a finished one, as a month is reported). "Quiet" is a month of
the history, a year before the big one. For each backend (SQLite in a temporary file; the
PostgreSQL server at --postgres, or 127.0.0.1:5432 when reachable, in a throwaway database
dropped afterwards) it prints how long the data took to build, the report's compute time for
each month (median of --repeat after a warm-up) with the part spent in SQL, and the memory
peaks; with --explain (PostgreSQL) every query of the big month's report with its time and
the rows it read from each table (EXPLAIN ANALYZE).
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_api
import sqlalchemy as sa

MONTH_SECONDS_MAX = 2.0  # the 50,000-application month
QUIET_RATIO_MAX = 0.25  # an old quiet month against the big one: history is not scanned
MEMORY_RATIO_MAX = 1.5  # streaming the big month's files against the 5,000-application month's
BIG_TABLES = ("applications", "sla_timers", "step_records", "pauses")


def spread(start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` instants evenly over [start, end)."""
    step = (end - start) / max(count, 1)
    return [start + step * i for i in range(count)]


def instants(history: int, years: int, small: int, big: int, small_month, big_month
             ) -> list[datetime]:
    first = small_month.start - timedelta(days=365 * years)
    return (spread(first, small_month.start, history)
            + spread(small_month.start, small_month.end, small)
            + spread(big_month.start, big_month.end, big))


def timed(fn, repeat: int, counter) -> tuple[float, float, int, Any]:
    """(median seconds, median seconds in SQL, statements, the result) of `repeat` calls after
    a warm-up (names, calendars, the statement cache)."""
    result = fn()
    samples, in_sql = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        statements, sql_seconds = counter.around(fn)
        samples.append(time.perf_counter() - started)
        in_sql.append(sql_seconds)
    return statistics.median(samples), statistics.median(in_sql), statements, result


def stream_peak(data: dict[str, Any]) -> dict[str, int]:
    """The peak of Python allocations (bytes) while each download is written, as sent, after
    one warm-up: what is made once per process (imports, translations, compiled patterns, the
    module-level caches of XlsxWriter and the csv module) is not the month's memory, and it
    would count only for whichever month is measured first."""
    from tracker.reports.csvfile import iter_csv
    from tracker.reports.xlsx import file_chunks, xlsx_file

    peaks = {}
    for name, make in (("xlsx", lambda: file_chunks(xlsx_file(data, "zh"))),
                       ("csv", lambda: iter_csv(data, "overdue", "zh"))):
        for _chunk in make():
            pass
        gc.collect()  # the warm-up's garbage is not the measured run's
        tracemalloc.start()
        try:
            size = sum(len(chunk) for chunk in make())
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        peaks[name] = peak
        peaks[f"{name}_bytes"] = size
    return peaks


class Statements:
    """The SQL statements (with their parameters) the engine runs while `active`."""

    def __init__(self, engine) -> None:
        self.active = False
        self.seen: list[tuple[str, Any]] = []
        sa.event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        if self.active:
            self.seen.append((statement, parameters))


def _scans(plan: dict[str, Any], found: dict[str, list[str]]) -> None:
    relation = plan.get("Relation Name")
    if relation:
        # rows read: those the node gave and those its filter removed, in all its loops
        rows = int((plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0))
                   * plan.get("Actual Loops", 1))
        found.setdefault(relation, []).append(f"{plan['Node Type']} {rows:,}")
    for child in plan.get("Plans", []):
        _scans(child, found)


def explain(engine, statements: list[tuple[str, Any]]) -> list[str]:
    """One line per statement: its time and, per table, the scans and the rows they gave."""
    lines = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0][0]
            found: dict[str, list[str]] = {}
            _scans(plan["Plan"], found)
            first = " ".join(statement.split())[:90]
            scans = "; ".join(f"{table}: {', '.join(nodes)}" for table, nodes in found.items())
            lines.append(f"{plan['Execution Time']:8.1f} ms  {first}\n{'':13}{scans}")
        raw.rollback()
    finally:
        raw.close()
    return lines


def measure(backend: str, url: str, args) -> dict[str, Any]:
    from tracker.extensions import db
    from tracker.reports import compute_monthly_report
    from tracker.services.months import Month

    now = datetime.now().astimezone()
    # The month before last: the data's last five working days are its open set (bench_api),
    # so the measured month is a finished one, as a month is reported.
    big = Month.containing(now).previous().previous()
    small = big.previous()
    quiet = Month(big.year - 1, big.month)
    app = bench_api.build_app(url)
    accepted = instants(args.history, args.years, args.small_count, args.month_count, small, big)
    started = time.perf_counter()
    bench_api.populate(app, len(accepted), accepted_at=accepted)
    build_s = time.perf_counter() - started
    print(f"  {backend}: data built in {build_s:.1f} s", flush=True)
    result: dict[str, Any] = {"backend": backend, "build_s": build_s}
    with app.app_context():
        as_of = now
        reports = {}
        counter = bench_api.QueryCounter(db.engine)
        for key, month in (("big", big), ("small", small), ("quiet", quiet)):
            (result[f"{key}_s"], result[f"{key}_sql_s"], result[f"{key}_queries"],
             reports[key]) = timed(lambda m=month: compute_monthly_report(m, as_of=as_of),
                                   args.repeat, counter)
            result[f"{key}_completed"] = reports[key]["totals"]["completed"]
            result[f"{key}_overdue"] = len(reports[key]["overdue"])
            result[f"{key}_label"] = month.label
            db.session.remove()
        for key in ("big", "small"):
            # Through JSON and back, as an issued report is stored and read.
            data = json.loads(json.dumps(reports[key]))
            for name, value in stream_peak(data).items():
                result[f"{key}_{name}"] = value
        if args.explain and db.engine.dialect.name == "postgresql":
            recorder = Statements(db.engine)
            recorder.active = True
            compute_monthly_report(big, as_of=as_of)
            recorder.active = False
            db.session.remove()
            result["explain"] = explain(db.engine, recorder.seen)
        db.session.remove()
        db.engine.dispose()
    return result


def report(r: dict[str, Any]) -> list[str]:
    """Print one backend's figures; the goals it missed."""
    failed = []
    print(f"\n{r['backend']}: data built in {r['build_s']:.1f} s")
    for key in ("big", "small", "quiet"):
        print(f"  report {r[f'{key}_label']} ({key}): {r[f'{key}_completed']:>7,} completed, "
              f"{r[f'{key}_overdue']:>6,} overdue items, computed in {r[f'{key}_s']:.3f} s "
              f"({r[f'{key}_sql_s']:.3f} s in {r[f'{key}_queries']} SQL statements)")
    quiet_ratio = r["quiet_s"] / r["big_s"]
    print(f"  quiet month / big month: {quiet_ratio:.2f}")
    if r["big_s"] > MONTH_SECONDS_MAX:
        failed.append(f"{r['backend']}: the big month took {r['big_s']:.2f} s "
                      f"(> {MONTH_SECONDS_MAX} s)")
    if quiet_ratio > QUIET_RATIO_MAX:
        failed.append(f"{r['backend']}: the quiet month costs {quiet_ratio:.2f} of the big one "
                      f"(> {QUIET_RATIO_MAX}): history is read")
    for name in ("xlsx", "csv"):
        big, small = r[f"big_{name}"], r[f"small_{name}"]
        ratio = big / small
        print(f"  {name.upper()} streamed: peak {big / 2**20:.2f} MiB for "
              f"{r['big_overdue']:,} overdue rows ({r[f'big_{name}_bytes'] / 2**20:.1f} MiB "
              f"sent) against {small / 2**20:.2f} MiB for {r['small_overdue']:,} rows: "
              f"ratio {ratio:.2f}")
        if ratio > MEMORY_RATIO_MAX:
            failed.append(f"{r['backend']}: streaming the {name.upper()} grows with the month "
                          f"({ratio:.2f}x > {MEMORY_RATIO_MAX}x)")
    for line in r.get("explain", []):
        print("  " + line)
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a throwaway "
                        f"database is created there); default {bench_api.DEFAULT_POSTGRES} "
                        "if reachable")
    parser.add_argument("--history", type=int, default=50_000,
                        help="applications before the two measured months")
    parser.add_argument("--years", type=int, default=3, help="years the history spans")
    parser.add_argument("--month-count", type=int, default=50_000,
                        help="applications accepted last month (the big month)")
    parser.add_argument("--small-count", type=int, default=5_000,
                        help="applications accepted the month before (memory baseline)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="timed runs per month after a warm-up (median)")
    parser.add_argument("--explain", action="store_true",
                        help="PostgreSQL: EXPLAIN ANALYZE every query of the big month")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    results = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
            print("sqlite …", flush=True)
            results.append(measure("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", args))
    pg_url = args.postgres or bench_api.DEFAULT_POSTGRES
    if bench_api._reachable(pg_url):
        print("postgresql …", flush=True)
        with bench_api.throwaway_postgres(pg_url) as url:
            results.append(measure("postgresql", url, args))
    elif args.postgres:
        print(f"PostgreSQL at {args.postgres} is unreachable", file=sys.stderr)
        return 2
    else:
        print(f"postgresql: skipped ({bench_api.DEFAULT_POSTGRES} unreachable)")

    failed = []
    for r in results:
        failed += report(r)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    for line in failed:
        print("FAIL " + line, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
