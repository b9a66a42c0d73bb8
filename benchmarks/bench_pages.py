"""The dashboard and My work against the log-in page, with 100,000 applications in SQLite.

Run: python benchmarks/bench_pages.py [--keep DIR]   (exits 1 if a target is missed)

Targets (issue 4): the dashboard answers in under 10x the time of the log-in page in the same
run, and its query count does not grow with the data (1,000 vs 100,000 applications).
Issue 13: My work (the customer-service clerk's, whose department holds every open callback,
both tabs) is printed as a ratio to the log-in page with its query count, which must not grow
with the data either (the bench exits 1 if it does). The clerk owns every 20th application
and has a third of the open callbacks assigned to her, so "mine" has rows of both kinds.

The data are bulk-inserted with SQL (no services, no events): five years of applications
(60 % flow 201, 30 % 211, 10 % 101) ending now; those of the last three days still open with
their first step's clock running, 0.5 % older ones stuck open and overdue, 3 % of the completed
ones done late, 3 % paused once; every step record, every step and application timer, a
callback (with its timer) per completed application, and a home-visit follow-up (上门回访, with
its timer, mostly closed) for 3 % of the callbacks done. Both pages are fetched through the Flask
test client (no network), in turns, each timed as the median of 40 requests after a warm-up.

The dashboard's figures are kept for up to a minute and recomputed as soon as any change is
recorded (services/dashboard.py); the ratio is measured as a user meets it, and the time right
after a change (every request recomputing) is printed beside it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import sqlalchemy as sa

RATIO_TARGET = 10.0
WORK_REPEAT = 15
YEARS = 5
REPEAT = 40
PASSWORD = "bench-password-1"
FLOW_MIX = [("201", 0.6), ("211", 0.3), ("101", 0.1)]


def build_app(path: Path):
    from flask_migrate import upgrade

    from tracker import create_app
    from tracker.config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade()
    return app


def populate(app, count: int, seed: int = 4) -> None:
    """`count` applications with their steps, timers, pauses and callbacks (see the module doc)."""
    from tracker.aftercare.models import Callback, FollowUp
    from tracker.extensions import db
    from tracker.models import (
        Application,
        AppStatus,
        Channel,
        CustomerType,
        Department,
        Pause,
        Role,
        SlaTimer,
        StepRecord,
        StepStatus,
        SubjectType,
        User,
    )
    from tracker.services.app_clock import app_clock
    from tracker.services.flows import current_versions, definition_of, ensure_synced
    from tracker.services.reference import ensure_departments

    rng = random.Random(seed)
    with app.app_context():
        ensure_departments()
        user = User(username="lead", role=Role.TEAM_LEAD, display_name="lead")
        user.set_password(PASSWORD)
        service = db.session.scalar(sa.select(Department)
                                    .where(Department.code == "customer_service"))
        clerk = User(username="cs", role=Role.CLERK, display_name="cs", department=service)
        clerk.set_password(PASSWORD)
        db.session.add_all([user, clerk])
        db.session.commit()
        ensure_synced()  # as a server does at start-up
        versions = current_versions()
        flows = {code: definition_of(row) for code, row in versions.items()}
        clock = app_clock()
        day = clock.working_day_length
        now = datetime.now(UTC).replace(microsecond=0)
        first = now - timedelta(days=365 * YEARS)
        span = (now - first).total_seconds()
        codes = [code for code, _ in FLOW_MIX]
        weights = [w for _, w in FLOW_MIX]

        apps, steps, timers, pauses, callbacks, follow_ups = [], [], [], [], [], []
        timer_id = step_id = 0
        for i in range(1, count + 1):
            code = rng.choices(codes, weights)[0]
            flow = flows[code]
            # The newest applications last, like real ids.
            accepted = first + timedelta(seconds=span * (i / count) ** 1.0)
            accepted = accepted.replace(microsecond=0)
            start = clock.next_working_instant(accepted)
            recent = now - accepted < timedelta(days=3)
            stuck = not recent and now - accepted < timedelta(days=60) and rng.random() < 0.005
            is_open = recent or stuck
            budget = day * (1 if code != "201" else rng.choice([1, 1, 1, 1, 3, 5]))
            paused = None
            if not is_open and rng.random() < 0.03:
                p_start = clock.add_working_time(start, day * 0.1)
                paused = (p_start, clock.add_working_time(p_start, day * 0.5))
                pauses.append({"application_id": i, "reason_code": "missing_documents",
                               "note": "", "started_at": paused[0], "ended_at": paused[1]})
            due = clock.add_working_time(start, budget, [paused] if paused else [])
            late = not is_open and rng.random() < 0.03
            if is_open:
                completed = None
            else:
                share = rng.uniform(1.05, 2.5) if late else rng.uniform(0.1, 0.95)
                completed = clock.add_working_time(start, budget * share,
                                                   [paused] if paused else [])
                if completed > now:
                    completed, late = now, now > due
            timer_id += 1
            app_timer = timer_id
            timers.append(_timer(app_timer, SubjectType.APPLICATION, i, i, flow.steps[0].department,
                                 code, None, budget, accepted, due, completed, late, SlaTimer))
            position_done = len(flow.steps) if not is_open else 0
            for position, step in enumerate(flow.steps):
                step_id += 1
                done = position < position_done
                status = StepStatus.DONE if done else (
                    StepStatus.READY if position == 0 else StepStatus.WAITING)
                step_timer = None
                if done or position == 0:
                    timer_id += 1
                    step_timer = timer_id
                    s_due = clock.add_working_time(start, day * 0.5)
                    timers.append(_timer(step_timer, SubjectType.STEP, step_id, i,
                                         step.department, code, step.code, day * 0.5, accepted,
                                         s_due, completed if done else None,
                                         bool(done and completed and completed > s_due),
                                         SlaTimer))
                steps.append({"id": step_id, "application_id": i, "code": step.code,
                              "position": position, "department_code": step.department,
                              "status": status, "started_at": None,
                              "completed_at": completed if done else None,
                              "timer_id": step_timer, "note": "", "version_id": 1})
            if completed is not None:
                timer_id += 1
                callback_done = rng.random() < 0.97
                cb_due = clock.add_working_time(completed, day * 3)
                timers.append(_timer(timer_id, SubjectType.CALLBACK, i, i, "customer_service",
                                     code, None, day * 3, completed, cb_due,
                                     cb_due if callback_done and cb_due < now else None, False,
                                     SlaTimer, assignee=clerk.id if i % 3 == 0 else None))
                callbacks.append({"id": i, "application_id": i,
                                  "status": "done" if callback_done and cb_due < now else "open",
                                  "timer_id": timer_id, "comment": "", "created_at": completed,
                                  "version_id": 1})
                if callback_done and cb_due < now and rng.random() < 0.03:
                    # Not satisfied: a home visit (上门回访) within 3 working days, mostly closed.
                    timer_id += 1
                    fu_due = clock.add_working_time(cb_due, day * 3)
                    closed = fu_due if fu_due < now and rng.random() < 0.9 else None
                    timers.append(_timer(timer_id, SubjectType.FOLLOWUP, len(follow_ups) + 1, i,
                                         "customer_service", code, None, day * 3, cb_due,
                                         fu_due, closed, False, SlaTimer))
                    follow_ups.append({"id": len(follow_ups) + 1, "application_id": i,
                                       "origin": "callback", "callback_id": i,
                                       "status": "closed" if closed else "open",
                                       "action_taken": "", "evidence": "", "closed_at": closed,
                                       "timer_id": timer_id, "created_at": cb_due,
                                       "version_id": 1})
            apps.append({
                "id": i, "number": f"{code}-{accepted.year}-{i:06d}", "flow_code": code,
                "flow_version_id": versions[code].id, "customer_type": CustomerType.COMPANY,
                "customer_name": f"芜湖某公司{i}", "contact_name": "王工",
                "contact_phone": "0553-0000000", "address": "芜湖市", "channel": Channel.WINDOW,
                "attributes": {}, "accepted_at": accepted,
                "requested_at": accepted if code == "101" else None, "missing_materials": [],
                "note": "", "status": AppStatus.OPEN if is_open else AppStatus.COMPLETED,
                "cancel_reason": "", "water_on_at": completed, "completed_at": completed,
                "timer_id": None, "created_at": accepted, "updated_at": completed or accepted,
                "owner_id": clerk.id if i % 20 == 0 else user.id, "version_id": 1})
            apps[-1]["_timer"] = app_timer
        with db.engine.begin() as conn:
            # The applications <-> timers cycle: rows first, then the applications' timer ids.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table, rows in ((Application.__table__, apps), (StepRecord.__table__, steps),
                                (SlaTimer.__table__, timers), (Pause.__table__, pauses),
                                (Callback.__table__, callbacks),
                                (FollowUp.__table__, follow_ups)):
                for chunk in range(0, len(rows), 20000):
                    conn.execute(table.insert(), [{k: v for k, v in r.items() if k != "_timer"}
                                                  for r in rows[chunk:chunk + 20000]])
            conn.execute(sa.update(Application.__table__)
                         .where(Application.__table__.c.id == sa.bindparam("aid"))
                         .values(timer_id=sa.bindparam("tid")),
                         [{"aid": a["id"], "tid": a["_timer"]} for a in apps])


def _timer(timer_id: int, subject: Any, subject_id: int, app_id: int, department: str,
           flow: str, step: str | None, budget: timedelta, started: datetime, due: datetime,
           completed: datetime | None, late: bool, model: Any,
           assignee: int | None = None) -> dict[str, Any]:
    from tracker.models import TimerState

    seconds = int(budget.total_seconds())
    return {"id": timer_id, "subject_type": subject, "subject_id": subject_id, "stage": step or "",
            "application_id": app_id, "department_code": department, "flow_code": flow,
            "step_code": step, "label": "", "limit": {"kind": "working_days",
                                                       "amount": seconds / 27000},
            "round_the_clock": False, "started_at": started, "budget_seconds": seconds,
            "due_at": due, "warn_at": due - budget * 0.25, "provisional": False,
            "state": TimerState.DONE if completed else TimerState.RUNNING,
            "completed_at": completed, "late": late, "created_at": started,
            "assignee_id": assignee, "version_id": 1}


class QueryCounter:
    def __init__(self, engine) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.count += 1


def logged_in_client(app, username: str = "lead"):
    import re

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def interleaved(fetches: dict[str, Any], repeat: int = REPEAT,
                between: Any = None) -> dict[str, float]:
    """Median seconds of each fetch, taken in turns so that both see the same machine load."""
    times: dict[str, list[float]] = {name: [] for name in fetches}
    for _ in range(repeat):
        for name, fetch in fetches.items():
            if between is not None:
                between(name)
            started = time.perf_counter()
            response = fetch()
            times[name].append(time.perf_counter() - started)
            assert response.status_code == 200, (name, response.status_code)
            response.close()  # as a WSGI server does once it has sent the response
    return {name: statistics.median(values) for name, values in times.items()}


def record_a_change(app) -> None:
    """An event row, as every recorded change writes one: the dashboard must recompute."""
    from tracker.extensions import db

    with app.app_context():
        db.session.execute(sa.text(
            "INSERT INTO events (at, subject_type, action, data) "
            "VALUES (:at, 'bench', 'bench.change', '{}')"),
            {"at": datetime.now(UTC).replace(tzinfo=None).isoformat(" ")})
        db.session.commit()
        db.session.remove()


def measure(path: Path, count: int, keep: bool) -> dict[str, Any]:
    from tracker.extensions import db

    fresh = not (keep and path.exists())
    if fresh and path.exists():
        path.unlink()
    started = time.perf_counter()
    app = build_app(path)
    if fresh:
        populate(app, count)
    built = time.perf_counter() - started
    with app.app_context():
        counter = QueryCounter(db.engine)
    client = logged_in_client(app)
    anonymous = app.test_client()
    counter.count = 0
    cold_started = time.perf_counter()
    first = client.get("/dashboard")
    cold = time.perf_counter() - cold_started
    assert first.status_code == 200
    cold_queries = counter.count
    counter.count = 0
    client.get("/dashboard")
    warm_queries = counter.count
    record_a_change(app)
    counter.count = 0
    client.get("/dashboard")
    changed_queries = counter.count
    for _ in range(5):  # warm-up
        anonymous.get("/login")
        client.get("/dashboard")
    timed = interleaved({"login": lambda: anonymous.get("/login"),
                         "dashboard": lambda: client.get("/dashboard"),
                         "fragment": lambda: client.get("/dashboard/fragment")})
    changed = interleaved({"login": lambda: anonymous.get("/login"),
                           "dashboard": lambda: client.get("/dashboard")},
                          between=lambda name: record_a_change(app) if name == "dashboard"
                          else None)
    work = measure_work(app, counter, anonymous)
    with app.app_context():
        rows = {name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))
                for name in ("applications", "step_records", "sla_timers", "callbacks",
                             "follow_ups", "pauses")}
        open_apps = db.session.scalar(sa.text(
            "SELECT count(*) FROM applications WHERE status = 'open'"))
    return {"count": count, "built": built, "login": timed["login"],
            "dashboard": timed["dashboard"], "fragment": timed["fragment"],
            "changed": changed["dashboard"], "changed_login": changed["login"],
            "cold": cold, "cold_queries": cold_queries, "changed_queries": changed_queries,
            "warm_queries": warm_queries, "rows": rows, "open": open_apps, **work}


def measure_work(app, counter: QueryCounter, anonymous) -> dict[str, Any]:
    """My work of the customer-service clerk: both tabs' time (median of WORK_REPEAT, in
    turns with the log-in page), query count and number of rows."""
    import re

    clerk = logged_in_client(app, "cs")
    urls = {"work_department": "/work?tab=department", "work_mine": "/work?tab=mine"}
    result: dict[str, Any] = {}
    for name, url in urls.items():
        clerk.get(url)  # warm the process's caches (flows, departments)
        counter.count = 0
        page = clerk.get(url).get_data(as_text=True)
        result[f"{name}_queries"] = counter.count
        total = re.search(r'<span class="count">(\d+)</span>', page)
        result[f"{name}_total"] = int(total.group(1)) if total else 0
    timed = interleaved({"login": lambda: anonymous.get("/login"),
                         **{name: (lambda u=url: clerk.get(u)) for name, url in urls.items()}},
                        repeat=WORK_REPEAT)
    result.update({"work_login": timed["login"],
                   **{name: timed[name] for name in urls}})
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the databases in this folder")
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-pages-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = [measure(folder / f"pages-{n}.db", n, bool(args.keep))
               for n in (args.small, args.large)]
    failures = []
    for r in results:
        ratio = r["dashboard"] / r["login"]
        print(f"{r['count']:>7,} applications ({r['open']:,} open; rows: "
              + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items())
              + f"; built in {r['built']:.1f} s)")
        print(f"        log-in page {r['login'] * 1000:7.2f} ms   dashboard {r['dashboard'] * 1000:7.2f} ms"
              f"   ratio {ratio:5.2f}x (target < {RATIO_TARGET:g}x)")
        print(f"        right after a recorded change (figures recomputed): dashboard "
              f"{r['changed'] * 1000:.2f} ms, ratio {r['changed'] / r['changed_login']:.2f}x, "
              f"{r['changed_queries']} queries")
        print(f"        fragment {r['fragment'] * 1000:.2f} ms; first dashboard after start "
              f"{r['cold'] * 1000:.1f} ms ({r['cold_queries']} queries: settled months are "
              f"computed once per process); then {r['warm_queries']} queries per dashboard")
        for name, words in (("work_department", "my department's"), ("work_mine", "mine")):
            print(f"        My work ({words}: {r[f'{name}_total']:,} duties) "
                  f"{r[name] * 1000:7.2f} ms   ratio {r[name] / r['work_login']:5.2f}x the "
                  f"log-in page   {r[f'{name}_queries']} queries")
    small, large = results
    work_kinds = ("work_department_queries", "work_mine_queries")
    if any(large[k] > small[k] for k in work_kinds):
        failures.append("My work's query count grows with the data: "
                        + ", ".join(f"{small[k]} -> {large[k]}" for k in work_kinds))
    ratio = large["dashboard"] / large["login"]
    if ratio >= RATIO_TARGET:
        failures.append(f"dashboard/log-in ratio {ratio:.2f}x >= {RATIO_TARGET:g}x")
    kinds = ("warm_queries", "changed_queries", "cold_queries")
    if any(large[k] > small[k] for k in kinds):
        failures.append("the dashboard's query count grows with the data: "
                        + ", ".join(f"{small[k]} -> {large[k]}" for k in kinds))
    print(f"queries per dashboard (figures kept / after a change / first after start): "
          f"{small['count']:,} apps {small['warm_queries']}/{small['changed_queries']}/"
          f"{small['cold_queries']}; {large['count']:,} apps {large['warm_queries']}/"
          f"{large['changed_queries']}/{large['cold_queries']}")
    if not args.keep:
        for r in results:
            (folder / f"pages-{r['count']}.db").unlink(missing_ok=True)
    return verdict(failures)


def verdict(failures: list[str]) -> int:
    """Print the missed targets (or OK); the exit code."""
    for failure in failures:
        print("FAILED:", failure)
    print("OK" if not failures else "TARGET MISSED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
