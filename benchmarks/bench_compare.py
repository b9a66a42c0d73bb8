"""The staff pages of two checkouts side by side on the same data: each page's CPU time in
the old code and in the new, and its ratio to the log-in page in each (issue 15).

Run: python benchmarks/bench_compare.py --old ../base [--new .] [--size 10000]
     [--database postgresql://…/kept] [--repeat 15] [--pages "callbacks,detail page"]

Old and new each run in a process of their own (the checkout's `tracker` on its path, a fresh
app as wsgi.py starts one, signed in as bench_scale's lead and clerk); the parent asks them for
one request at a time, in turns (page by page, old then new, --repeat rounds), so both see the
same machine load, and keeps each page's least CPU time (time.process_time of the worker: the
database's own time is the same for both and left out). It also compares the two pages' HTML
(CSRF tokens normalised).

The data: bench_scale's (benchmarks/bench_api.py's populate with its open set, the callbacks,
the lead and the clerk) at --size in a throwaway PostgreSQL database, or an existing database
so made (--database, with --token and --number as bench_scale made them; see --keep).

Exit 1 when a page's HTML differs between old and new, or when a new page's CPU time is over
bench_scale's 5x the log-in page's.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WARM_MAX = 5.0
TOKEN = re.compile(r'(name="(?:[\w-]+-)?csrf_token"[^>]*?value=")[^"]+(")|'
                   r'(value=")[^"]+("[^>]*?name="(?:[\w-]+-)?csrf_token")')
PASSWORD = "bench-password-1"  # bench_pages.PASSWORD, which bench_scale's users have


# --- the worker: one checkout's app ------------------------------------------------------------

def serve(checkout: str, url: str, token: str) -> None:
    """Answer {"who", "url"} lines with {"cpu": seconds, "html": digest, "status"}."""
    sys.path.insert(0, checkout)
    from tracker import create_app
    from tracker.config import TestingConfig
    from tracker.services.flows import sync_at_start

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    sync_at_start(app)
    try:
        from tracker.web import warm_templates
    except ImportError:  # the old code has no warm start
        pass
    else:
        warm_templates(app)
    clients = {"anon": app.test_client(), "api": app.test_client()}
    for who in ("lead", "cs"):
        clients[who] = app.test_client()
        page = clients[who].get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = clients[who].post("/login", data={"username": who, "password": PASSWORD,
                                                   "csrf_token": csrf})
        assert answer.status_code == 302, answer.status_code
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    print(json.dumps({"ready": checkout}), flush=True)
    for line in sys.stdin:
        asked = json.loads(line)
        client = clients[asked["who"]]
        began = time.process_time()
        response = client.get(asked["url"], headers=headers if asked["who"] == "api" else None)
        body = response.get_data(as_text=True)
        cpu = time.process_time() - began
        response.close()  # as a WSGI server does once it has sent the response
        digest = hashlib.sha256(TOKEN.sub(r"\1\3TOKEN\2\4", body).encode()).hexdigest()
        print(json.dumps({"cpu": cpu, "html": digest, "status": response.status_code}),
              flush=True)


class Worker:
    def __init__(self, checkout: Path, url: str, token: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(checkout)}
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", str(checkout), url,
             token], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
            cwd=str(checkout))
        ready = self.process.stdout.readline()
        if not ready:
            raise RuntimeError(f"the worker for {checkout} did not start")

    def get(self, who: str, url: str) -> dict[str, Any]:
        self.process.stdin.write(json.dumps({"who": who, "url": url}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


# --- the parent --------------------------------------------------------------------------------

def compare(old: Path, new: Path, url: str, token: str, number: str, repeat: int,
            only: set[str] | None) -> int:
    sys.path.insert(0, str(HERE))
    import bench_scale

    for checkout in (old, new):
        # Without its compiled catalogue a checkout draws its pages in English: every page
        # would "differ" for that alone (a fresh worktree has none: they are built files).
        if not (checkout / "tracker/translations/zh/LC_MESSAGES/messages.mo").is_file():
            raise SystemExit(f"{checkout} has no compiled translations: run "
                             f"`python -m tracker.i18n_build` in it first")
    targets = {"login": ("anon", "/login"), **bench_scale.pages(number)}
    if only:
        targets = {k: v for k, v in targets.items() if k == "login" or k in only}
    workers = {"old": Worker(old, url, token), "new": Worker(new, url, token)}
    best: dict[tuple[str, str], float] = {}
    digests: dict[tuple[str, str], str] = {}
    try:
        for name, (who, path) in targets.items():  # warmed, and the HTML compared
            for side, worker in workers.items():
                answer = worker.get(who, path)
                assert answer["status"] == 200, (side, name, answer["status"])
                digests[side, name] = answer["html"]
        for _ in range(repeat):
            for name, (who, path) in targets.items():
                for side, worker in workers.items():
                    cpu = worker.get(who, path)["cpu"]
                    best[side, name] = min(best.get((side, name), cpu), cpu)
    finally:
        for worker in workers.values():
            worker.close()
    failures = []
    login_old, login_new = best["old", "login"], best["new", "login"]
    print(f"log-in page: old {login_old * 1000:.2f} ms, new {login_new * 1000:.2f} ms CPU "
          f"(least of {repeat})")
    print(f"  {'page':<22}{'old':>9}{'new':>9}{'new/old':>9}{'old ratio':>11}{'new ratio':>11}"
          f"  HTML")
    for name in targets:
        if name == "login":
            continue
        o, n = best["old", name], best["new", name]
        same = digests["old", name] == digests["new", name]
        print(f"  {name:<22}{o * 1000:8.2f}m{n * 1000:8.2f}m{n / o:8.2f}x{o / login_old:10.1f}x"
              f"{n / login_new:10.1f}x  {'same' if same else 'DIFFERS'}")
        if not same and not name.startswith("API"):
            failures.append(f"{name}: the HTML differs")
        if n / login_new > WARM_MAX:
            failures.append(f"{name}: {n / login_new:.1f}x the log-in page > {WARM_MAX:g}x")
    print("  (m = ms of CPU in the worker)")
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(*sys.argv[2:5])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the old checkout (e.g. a git worktree)")
    parser.add_argument("--new", default=str(HERE.parent))
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--postgres", default=None, help="server for the throwaway database")
    parser.add_argument("--database", help="an existing database made by --keep")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database made and print how to reuse it")
    parser.add_argument("--token")
    parser.add_argument("--number")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--pages", help="comma-separated page names (default: every page)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import bench_api

    only = set(args.pages.split(",")) if args.pages else None
    old, new = Path(args.old).resolve(), Path(args.new).resolve()
    if args.database:
        return compare(old, new, args.database, args.token, args.number, args.repeat, only)
    admin = args.postgres or os.environ.get("TRACKER_BENCH_ADMIN_URL",
                                            bench_api.DEFAULT_POSTGRES)
    if args.keep:
        url = _kept_database(admin, args.size)
        return _build_and_compare(url, args, old, new, only, keep=True)
    with bench_api.throwaway_postgres(admin) as url:
        return _build_and_compare(url, args, old, new, only, keep=False)


def _kept_database(admin: str, size: int) -> str:
    import bench_api
    import sqlalchemy as sa

    engine = sa.create_engine(bench_api._psycopg(admin), isolation_level="AUTOCOMMIT")
    name = f"tracker_compare_{size}_{os.getpid()}"
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return sa.engine.make_url(bench_api._psycopg(admin)).set(database=name).render_as_string(
        hide_password=False)


def _build_and_compare(url: str, args: Any, old: Path, new: Path, only: set[str] | None,
                       keep: bool) -> int:
    import bench_api
    import bench_scale

    began = time.perf_counter()
    app = bench_api.build_app(url)
    token = bench_api.populate(app, args.size, stuck_within=bench_scale.STUCK_WITHIN,
                               report=bench_scale.Progress(args.size))
    number = bench_scale.add_staff_and_callbacks(app)
    bench_scale.dispose(app)
    print(f"{args.size:,} applications built in {time.perf_counter() - began:.0f} s")
    if keep:
        print(f"kept: --database {url} --token {token} --number {number}")
    return compare(old, new, url, token, number, args.repeat, only)


if __name__ == "__main__":
    sys.exit(main())
