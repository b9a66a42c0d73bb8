"""The monthly report's download built by the job: what the request costs, what the build
costs, against the same download made inside the request.

Run: python benchmarks/bench_report_builds.py [--count N] [--months M] [--kind xlsx|csv]

On SQLite (a file in a temporary folder) it bulk-inserts N applications with the data of
benchmarks/bench_api.py, spread over the last M months (default 20,000 over 3: a month of
several thousand, above the default TRACKER_REPORT_INLINE_LIMIT), picks the month with the
most applications accepted, then through the Flask test client:
- inline: `GET /reports/monthly/<month>.xlsx?live=1` with TRACKER_REPORT_INLINE_LIMIT above
  the month (the file made inside the request), read to its end;
- request: the same GET with the limit below the month, which answers 303 to the build
  (a build queued; the median of 5, each for a new build: the done one is discarded);
- build: one run of the job (`run_builds`) making that build: computing, rendering with its
  progress writes, storing the file in chunks; and the file fetched from the build;
- the log-in page (median of 20), the floor of a page, as the other benchmarks measure.
Prints the times and ratios. Exits 1 if the built file differs from the inline one in length,
if the request takes more than 5 % of the inline download (a count over an index, a look-up
and an insert: it must not grow with the month; on SQLite its commit's fsync is most of it, so
it is several times the log-in page, which writes nothing), or if the build takes more than
1.5× the inline download (progress writes and storage must stay a small overhead).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from benchmarks import bench_api
from benchmarks.bench_api import build_app, median_ms, populate


def _login(app, client) -> None:
    from tests.fixtures.web import login
    from tracker.extensions import db
    from tracker.models import Role, User

    with app.app_context():
        user = User(username="bench-builder", role=Role.CLERK, display_name="bench")
        user.set_password("correct-horse-9")
        db.session.add(user)
        db.session.commit()
    assert login(client, "bench-builder").status_code == 302


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--kind", choices=("xlsx", "csv"), default="xlsx")
    args = parser.parse_args()
    from sqlalchemy import delete, func, select

    from tracker.extensions import db
    from tracker.models import Application
    from tracker.reports import builds
    from tracker.reports.models import ReportBuild, ReportBuildChunk
    from tracker.services.months import Month
    from tracker.settings import reconfigure

    folder = tempfile.mkdtemp(prefix="bench-builds-")
    app = build_app(f"sqlite:///{folder}/bench.db")
    started = time.perf_counter()
    bench_api.YEARS = args.months / 12  # the history the applications are spread over
    populate(app, args.count)
    print(f"loaded {args.count} applications over {args.months} months in "
          f"{time.perf_counter() - started:.1f} s")
    with app.app_context():
        label = func.strftime("%Y-%m", Application.accepted_at)
        month_text, accepted = db.session.execute(
            select(label, func.count()).group_by(label).order_by(func.count().desc())
            .limit(1)).one()
        month = Month(int(month_text[:4]), int(month_text[5:]))
        accepted = builds.applications_in(month)  # in Beijing time, as the setting counts
    client = app.test_client()
    _login(app, client)
    url = (f"/reports/monthly/{month.label}.xlsx?live=1" if args.kind == "xlsx"
           else f"/reports/monthly/{month.label}.csv?table=overdue&live=1")

    reconfigure(app, TRACKER_REPORT_INLINE_LIMIT=accepted)
    client.get(url).get_data()  # warm-up: flows, clock, templates
    started = time.perf_counter()
    inline = client.get(url)
    inline_bytes = inline.get_data()
    inline_s = time.perf_counter() - started
    assert inline.status_code == 200, inline.status_code

    reconfigure(app, TRACKER_REPORT_INLINE_LIMIT=accepted - 1)
    samples = []
    for _ in range(5):
        with app.app_context():  # no build to reuse: each request queues one
            db.session.execute(delete(ReportBuildChunk))
            db.session.execute(delete(ReportBuild))
            db.session.commit()
        started = time.perf_counter()
        answer = client.get(url)
        samples.append(time.perf_counter() - started)
        assert answer.status_code == 303, answer.status_code
    request_s = statistics.median(samples)
    build_id = int(answer.headers["Location"].rsplit("/", 1)[1])

    with app.app_context():
        started = time.perf_counter()
        result = builds.run_builds()
        build_s = time.perf_counter() - started
        row = db.session.get(ReportBuild, build_id)
        rows_total, size = row.rows_total, row.size
        db.session.remove()
    built = client.get(f"/reports/monthly/{month.label}/builds/{build_id}/file").get_data()
    visitor = app.test_client()
    login_ms = median_ms(lambda: visitor.get("/login").get_data(), 20)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    print(f"month {month.label}: {accepted} applications accepted, {rows_total} rows, "
          f"{args.kind} of {size / 1e6:.1f} MB")
    print(f"inline download (inside the request): {inline_s * 1000:8.0f} ms")
    print(f"log-in page:                          {login_ms:8.1f} ms")
    print(f"request that queues the build:        {request_s * 1000:8.1f} ms  "
          f"({request_s * 1000 / login_ms:.1f}× log-in, {request_s / inline_s:.1%} of inline)")
    print(f"build in the job (compute+render+store):{build_s * 1000:7.0f} ms  "
          f"({build_s / inline_s:.2f}× inline)")
    failed = []
    if result.done != 1 or len(built) != len(inline_bytes):
        failed.append("the built file differs from the inline one")
    if request_s > 0.05 * inline_s:
        failed.append("the request costs more than 5 % of the inline download")
    if build_s > 1.5 * inline_s:
        failed.append("the build costs more than 1.5× the inline download")
    for reason in failed:
        print(f"FAILED: {reason}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
