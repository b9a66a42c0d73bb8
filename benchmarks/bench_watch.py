"""The SLA watcher with 1,000,000 open timers, and the monthly report of 50,000 applications.

Run: python benchmarks/bench_watch.py [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
     [--timers 1000000] [--applications 50000]

Creates a throwaway PostgreSQL database on the server named by --admin-url (or
TRACKER_BENCH_ADMIN_URL; default postgres@127.0.0.1:5432), migrates it, and drops it at the
end. Prints:
  1. the watcher's time per run over 1,000,000 running timers, a few hundred of them crossing
     their warning or overdue instant, side by side with `SELECT count(*)` over the same table
     (the ratio is the point: the watcher reads a few hundred rows through its partial indexes,
     count(*) reads them all), and the plan PostgreSQL chooses;
  2. the monthly report (compute, and compute + XLSX) for a month of 50,000 applications.
Both parts run on PostgreSQL. Takes about two to four minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import sqlalchemy as sa

from tracker import create_app
from tracker.config import Config


def _pg(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def best_of(fn, repeat: int) -> tuple[float, float]:
    """(best, median) seconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


# --- part 1: the watcher ------------------------------------------------------------------

LOAD_TIMERS = """
INSERT INTO sla_timers (subject_type, subject_id, stage, application_id, department_code,
    flow_code, step_code, label, "limit", round_the_clock, started_at, budget_seconds, due_at,
    warn_at, provisional, state, completed_at, late, warned_at, overdue_at, created_at, version_id)
SELECT 'step', g, 'water_on', NULL,
       (ARRAY['engineering','business_hall','connection_team','procurement'])[1 + g % 4],
       '211', 'water_on', '211-2026-' || lpad(g::text, 7, '0') || ' 开栓通水',
       '{"kind": "working_days", "amount": 1, "counting": "clock", "count_start_day": false}',
       false, s.start, 27000, s.due, s.warn, false, 'running', NULL, false,
       CASE WHEN s.warn <= :now AND NOT s.pending_warning THEN s.warn END,
       CASE WHEN s.due <= :now AND NOT s.pending_overdue THEN s.due END,
       :now, 1
FROM generate_series(1, :n) AS g,
LATERAL (SELECT
    -- a few hundred cross now: every 4000th timer is past its deadline and every 3001st past
    -- its warning, not yet recorded; 1 % are long overdue and already recorded; the rest are due
    -- within the next 30 days
    g % 4000 = 0 AS pending_overdue,
    g % 3001 = 0 AS pending_warning,
    CASE WHEN g % 4000 = 0 THEN :now - (g % 97) * interval '1 minute'
         WHEN g % 3001 = 0 THEN :now + (60 + g % 50) * interval '1 minute'
         WHEN g % 100 = 7 THEN :now - (1 + g % 20) * interval '1 day'
         ELSE :now + (1 + g % 43200) * interval '1 minute' END AS due) AS d,
LATERAL (SELECT d.due - interval '1 day' AS start,
                CASE WHEN g % 3001 = 0 THEN :now - (g % 89) * interval '1 minute'
                     ELSE d.due - interval '2 hours' END AS warn,
                d.due, d.pending_overdue, d.pending_warning) AS s
"""


def bench_watcher(app, n: int) -> dict:
    from tracker.extensions import db
    from tracker.jobs.watcher import run_watcher

    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        started = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(sa.text(LOAD_TIMERS), {"now": now, "n": n})
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE sla_timers"))
        load = time.perf_counter() - started
        pending = db.session.execute(sa.text(
            "SELECT count(*) FILTER (WHERE warned_at IS NULL AND warn_at <= :now),"
            "       count(*) FILTER (WHERE overdue_at IS NULL AND due_at <= :now) "
            "FROM sla_timers WHERE state = 'running'"), {"now": now}).one()
        db.session.rollback()
        print(f"loaded {n:,} running timers in {load:.1f} s; crossing now: "
              f"{pending[0]} warnings, {pending[1]} overdue")

        def count_all():
            db.session.execute(sa.text("SELECT count(*) FROM sla_timers")).scalar_one()
            db.session.rollback()

        count_all()  # warm the cache
        count_best, count_median = best_of(count_all, 7)

        transitions = pending[0] + pending[1]
        resets = [sa.text(sql) for sql in (
            "UPDATE sla_timers SET warned_at = NULL WHERE id % 3001 = 0 AND warned_at IS NOT NULL",
            "UPDATE sla_timers SET overdue_at = NULL WHERE id % 4000 = 0 AND overdue_at IS NOT NULL",
            "DELETE FROM notifications", "DELETE FROM events")]
        busy: list[float] = []
        for _ in range(5):  # each time the same few hundred transitions, freshly pending
            start = time.perf_counter()
            result = run_watcher(now)
            busy.append(time.perf_counter() - start)
            assert result.warnings + result.overdue == transitions, result
            for reset in resets:
                db.session.execute(reset)
            db.session.commit()
        run_watcher(now)  # record them, then measure the steady state: nothing to do
        idle_best, idle_median = best_of(lambda: run_watcher(now), 20)
        plan = db.session.execute(sa.text(
            "EXPLAIN SELECT id FROM sla_timers WHERE state = 'running' AND overdue_at IS NULL "
            "AND due_at <= :now ORDER BY due_at LIMIT 2500"), {"now": now}).scalars().all()
        db.session.rollback()
    busy_best = min(busy)
    print()
    print(f"{'':38}{'best':>10}{'median':>10}{'÷ count(*)':>12}")
    print(f"{'SELECT count(*) FROM sla_timers':38}{count_best * 1000:>8.1f}ms"
          f"{count_median * 1000:>8.1f}ms{1:>12.3f}")
    print(f"{f'watcher run, {transitions} transitions':38}{busy_best * 1000:>8.1f}ms"
          f"{statistics.median(busy) * 1000:>8.1f}ms{busy_best / count_best:>12.3f}")
    print(f"{'watcher run, nothing crossing':38}{idle_best * 1000:>8.1f}ms"
          f"{idle_median * 1000:>8.1f}ms{idle_best / count_best:>12.3f}")
    print("  (a run with transitions also writes their events and outbox rows in one transaction)")
    print("plan of the watcher's overdue question:")
    for line in plan:
        print("   ", line)
    return {"count": count_best, "busy": busy_best, "idle": idle_best}


# --- part 2: the monthly report -----------------------------------------------------------

def _october_instants(clock, rng: random.Random, n: int) -> list[datetime]:
    from zoneinfo import ZoneInfo

    local = ZoneInfo("Asia/Shanghai")
    days = [date(2026, 10, d) for d in range(1, 32) if clock.is_working_day(date(2026, 10, d))]
    result = []
    for _ in range(n):
        day = rng.choice(days)
        hour, minute = rng.choice([(9, 0), (9, 40), (10, 30), (11, 15), (14, 0), (15, 20), (16, 10)])
        result.append(datetime(day.year, day.month, day.day, hour, minute, tzinfo=local)
                      + timedelta(minutes=rng.randint(0, 20)))
    return result


def load_month(app, n: int) -> None:
    """n applications of flow 211 accepted in October 2026, with their four timers each (the
    whole, accept, supply_plan, water_on), pauses and callbacks, loaded with COPY."""
    from tracker.extensions import db
    from tracker.models import FlowVersion
    from tracker.services.app_clock import app_clock
    from tracker.services.flows import ensure_synced

    rng = random.Random(5)
    with app.app_context():
        ensure_synced()
        version_id = db.session.scalar(sa.select(FlowVersion.id).where(
            FlowVersion.code == "211", FlowVersion.current.is_(True)))
        clock = app_clock()
        day = clock.working_day_length
        apps, timers, steps, pauses, callbacks = [], [], [], [], []
        timer_id = 0
        limit_days = json.dumps({"kind": "working_days", "amount": 1, "counting": "clock",
                                 "count_start_day": False})
        limit_same = json.dumps({"kind": "same_working_day", "amount": 0, "counting": "clock",
                                 "count_start_day": False})

        def timer(subject, subject_id, app_id, step, dept, start, budget, due, end, state, limit):
            nonlocal timer_id
            timer_id += 1
            late = end is not None and state == "done" and end > due
            warn = clock.add_working_time(start, timedelta(seconds=round(budget * 0.75)))
            timers.append((timer_id, subject, subject_id, step or "", app_id, dept, "211", step,
                           f"211 {step or ''}", limit, False, start, budget, due, warn, False,
                           state, end, late, None, None, start, 1))
            return timer_id

        for i, accepted in enumerate(_october_instants(clock, rng, n), start=1):
            fate = rng.random()
            pause = None
            if rng.random() < 0.1:
                p_start = accepted + timedelta(minutes=30)
                pause = (p_start, clock.add_working_time(p_start, timedelta(hours=2)))
                # recorded on water_on: it stops that step and the whole clock
                pauses.append((i, i, rng.choice(["missing_documents", "customer_deferral"]), "",
                               pause[0], pause[1], "water_on", True, '["water_on"]'))
            closed = [pause] if pause else []
            due = clock.add_working_time(accepted, day, closed)
            same_day = clock.close_of_day(accepted.date())
            status, end, state = "open", None, "running"
            if fate < 0.82:
                used = timedelta(seconds=rng.choice([3600, 9000, 20000, 26000, 30000, 60000]))
                end = clock.add_working_time(accepted, used, closed)
                status, state = "completed", "done"
            elif fate < 0.9:
                end = accepted + timedelta(hours=rng.choice([1, 30]))
                status, state = "cancelled", "cancelled"
            whole = timer("application", i, i, None, "business_hall", accepted, 27000, due, end,
                          state, limit_days)
            accept_done = accepted + timedelta(minutes=10)
            t_accept = timer("step", 3 * i, i, "accept", "business_hall", accepted,
                             int((same_day - accepted).total_seconds()), same_day, accept_done,
                             "done", limit_same)
            t_supply = timer("step", 3 * i + 1, i, "supply_plan", "business_hall", accepted,
                             int((same_day - accepted).total_seconds()), same_day,
                             accept_done + timedelta(minutes=5), "done", limit_same)
            t_water = timer("step", 3 * i + 2, i, "water_on", "engineering", accepted, 27000,
                            due, end, state, limit_days)
            for k, (code, t_id, done) in enumerate((("accept", t_accept, accept_done),
                                                    ("supply_plan", t_supply,
                                                     accept_done + timedelta(minutes=5)),
                                                    ("water_on", t_water, end))):
                steps.append((3 * i + k, i, code, k,
                              "engineering" if code == "water_on" else "business_hall",
                              "done" if done and (code != "water_on" or status == "completed")
                              else "ready", accepted, done if code != "water_on"
                              or status == "completed" else None, t_id, "", 1))
            apps.append((i, f"211-2026-{i:06d}", "211", version_id, "company", f"客户{i}", "", "",
                         "", "window", "{}", accepted, None, "[]", None, None, "", status, "",
                         end if status == "cancelled" else None,
                         end if status == "completed" else None,
                         end if status == "completed" else None, whole, None, None, accepted,
                         accepted, 1))
            if status == "completed" and rng.random() < 0.8:
                callbacks.append((i, i, "done", True, rng.random() > 0.1,
                                  "" if rng.random() > 0.1 else "不满意", end + timedelta(days=1),
                                  accepted, 1))
        raw = db.engine.raw_connection()
        try:
            cur = raw.driver_connection.cursor()
            # applications and sla_timers point at each other: load without the FK triggers
            # (the rows are consistent by construction).
            cur.execute("SET session_replication_role = replica")
            _copy(cur, "sla_timers", "id, subject_type, subject_id, stage, application_id, "
                  "department_code, flow_code, step_code, label, \"limit\", round_the_clock, "
                  "started_at, budget_seconds, due_at, warn_at, provisional, state, completed_at, "
                  "late, warned_at, overdue_at, created_at, version_id", timers)
            _copy(cur, "applications", "id, number, flow_code, flow_version_id, customer_type, "
                  "customer_name, contact_name, contact_phone, address, channel, attributes, "
                  "accepted_at, requested_at, missing_materials, materials_promised_on, "
                  "materials_supplied_at, note, status, cancel_reason, cancelled_at, water_on_at, "
                  "completed_at, timer_id, intake_id, created_by_id, created_at, updated_at, "
                  "version_id", apps)
            _copy(cur, "step_records", "id, application_id, code, position, department_code, "
                  "status, started_at, completed_at, timer_id, note, version_id", steps)
            _copy(cur, "pauses", "id, application_id, reason_code, note, started_at, ended_at, "
                  "step_code, stops_application, stopped_steps", pauses)
            _copy(cur, "callbacks", "id, application_id, status, reached, satisfied, comment, "
                  "done_at, created_at, version_id", callbacks)
            cur.execute("SET session_replication_role = DEFAULT")
            raw.driver_connection.commit()
            cur.execute("ANALYZE")
            raw.driver_connection.commit()
        finally:
            raw.close()
        print(f"loaded {n:,} applications, {len(timers):,} timers, {len(pauses):,} pauses, "
              f"{len(callbacks):,} callbacks")


def _copy(cur, table: str, columns: str, rows: list[tuple]) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def bench_report(app, n: int) -> dict:
    from tracker.extensions import db
    from tracker.reports import compute_monthly_report, parse_month
    from tracker.reports.xlsx import render_xlsx

    load_month(app, n)
    as_of = datetime(2026, 11, 5, 4, 0, tzinfo=UTC)
    with app.app_context():
        month = parse_month("2026-10")
        data = compute_monthly_report(month, as_of)  # warm-up: flow definitions, clock
        compute, compute_median = best_of(lambda: compute_monthly_report(month, as_of), 3)
        start = time.perf_counter()
        workbook = render_xlsx(data)
        xlsx = time.perf_counter() - start
        db.session.rollback()
    totals = data["totals"]
    print(f"month 2026-10: {totals['accepted']:,} accepted, {totals['completed']:,} completed, "
          f"{len(data['overdue']):,} overdue rows, {data['points']['total']:g} points")
    print(f"{'monthly report: compute':38}{compute:>8.2f} s (median {compute_median:.2f} s)")
    print(f"{'monthly report: XLSX':38}{xlsx:>8.2f} s ({len(workbook) / 1e6:.1f} MB)")
    return {"compute": compute, "xlsx": xlsx}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--admin-url", default=os.environ.get(
        "TRACKER_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--timers", type=int, default=1_000_000)
    parser.add_argument("--applications", type=int, default=50_000)
    args = parser.parse_args()

    admin = sa.create_engine(_pg(args.admin_url), isolation_level="AUTOCOMMIT")
    name = f"tracker_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(_pg(args.admin_url)).set(database=name)
    url_text = url.render_as_string(hide_password=False)
    print(f"throwaway database {name} on {url.host}:{url.port or 5432} "
          f"(PostgreSQL {_server_version(admin)})")
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url_text, SECRET_KEY="bench",
                     TRACKER_WEBHOOKS={"*": "http://127.0.0.1:9/robot"})
    started = time.perf_counter()
    try:
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
            from tracker.services.reference import ensure_departments

            ensure_departments()
        print(f"\n== 1. watcher over {args.timers:,} open timers (PostgreSQL)")
        bench_watcher(app, args.timers)
        with app.app_context():
            from tracker.extensions import db

            with db.engine.begin() as conn:
                conn.execute(sa.text("TRUNCATE sla_timers, events, notifications CASCADE"))
        print(f"\n== 2. monthly report, {args.applications:,} applications in the month "
              "(PostgreSQL)")
        bench_report(app, args.applications)
    finally:
        with app.app_context():
            from tracker.extensions import db

            db.session.remove()
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = :n"), {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
    print(f"\ntotal {time.perf_counter() - started:.0f} s; database {name} dropped")
    return 0


def _server_version(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text("SHOW server_version")).scalar_one()


if __name__ == "__main__":
    sys.exit(main())
