"""Attachments: upload and download throughput of a 5 MB file against copying it on disk, and
the memory a worker holds while serving it.

Run: python benchmarks/bench_documents.py [--postgres URL] [--size-mb 5] [--repeat 5]

For SQLite (a file in a temporary folder) and PostgreSQL (the server at --postgres, or when
reachable the one on 127.0.0.1:5432, in a throwaway database this script creates and drops):
uploads a 5 MB PDF through `POST /api/v1/applications/<number>/attachments` (the Flask test
client, multipart as a browser sends it) and downloads it with `GET …/attachments/<id>`,
reading the streamed answer chunk by chunk; the median of `--repeat` runs of each, side by side
with copying the same file on disk (shutil.copyfile, same runs in turns). Prints MB/s and the
ratio to the disk copy.

Memory: Python's allocations (tracemalloc) at their peak while the worker serves the file,
beyond what was allocated before the request; it must stay under the size of the file (one
chunk of 256 KiB, a few buffers), never the file held whole twice: the script exits 1 if the
peak reaches twice the file's size, or if a download differs from the upload by one byte.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import sqlalchemy as sa

from benchmarks.bench_api import DEFAULT_POSTGRES, build_app, throwaway_postgres


def make_pdf(size: int) -> bytes:
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return head + random.Random(5).randbytes(size - len(head) - len(tail)) + tail


def multipart(content: bytes, filename: str) -> tuple[bytes, str]:
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename),
                                       "kind": "施工图"})
    return body, f"multipart/form-data; boundary={boundary}"


def setup_token(app) -> str:
    from tracker.extensions import db
    from tracker.models import ApiToken, Role, User
    from tracker.services.flows import ensure_synced
    from tracker.services.reference import ensure_departments

    with app.app_context():
        ensure_departments()
        ensure_synced()  # as a server does at start-up
        user = User(username="bench", role=Role.CLERK, display_name="bench")
        row, plain = ApiToken.issue(user, "bench")
        db.session.add_all([user, row])
        db.session.commit()
        db.session.remove()
    return plain


def run(label: str, url: str, size: int, repeat: int, folder: Path) -> bool:
    from tracker.settings import reconfigure

    app = build_app(url)
    reconfigure(app, TRACKER_ATTACHMENT_MAX_BYTES=size + 1024 * 1024)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {setup_token(app)}"}
    content = make_pdf(size)
    digest = hashlib.sha256(content).hexdigest()
    number = client.post("/api/v1/applications", headers=headers,
                         json={"flow": "201", "customer_name": "基准测试"}).get_json()["number"]
    body, content_type = multipart(content, "drawing.pdf")
    source = folder / "source.pdf"
    source.write_bytes(content)
    uploads, downloads, copies, peaks = [], [], [], []
    ok = True
    for index in range(repeat):
        started = time.perf_counter()
        shutil.copyfile(source, folder / f"copy-{index}.pdf")
        copies.append(time.perf_counter() - started)

        started = time.perf_counter()
        answer = client.post(f"/api/v1/applications/{number}/attachments", headers=headers,
                             data=body, content_type=content_type)
        uploads.append(time.perf_counter() - started)
        assert answer.status_code == 201, answer.get_data(True)[:300]
        attachment = answer.get_json()["id"]

        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        response = client.get(f"/api/v1/applications/{number}/attachments/{attachment}",
                              headers=headers, buffered=False)
        hasher, received = hashlib.sha256(), 0
        for chunk in response.response:
            hasher.update(chunk)
            received += len(chunk)
        response.close()
        downloads.append(time.perf_counter() - started)
        peaks.append(tracemalloc.get_traced_memory()[1] - baseline)
        tracemalloc.stop()
        if received != size or hasher.hexdigest() != digest:
            print(f"{label}: download {index} differs from the upload", file=sys.stderr)
            ok = False
    mb = size / 1024 / 1024
    copy, up, down = (statistics.median(x) for x in (copies, uploads, downloads))
    peak = max(peaks)
    print(f"{label}: {mb:.0f} MB file, median of {repeat}")
    print(f"  disk copy        {mb / copy:8.1f} MB/s")
    print(f"  upload (API)     {mb / up:8.1f} MB/s   {up / copy:6.1f}× the disk copy's time")
    print(f"  download (API)   {mb / down:8.1f} MB/s   {down / copy:6.1f}× the disk copy's time")
    print(f"  worker memory while serving: peak {peak / 1024 / 1024:.2f} MB of Python "
          f"allocations = {peak / size:.2f}× the file (limit: < 2×)")
    if peak >= 2 * size:
        print(f"{label}: the worker held the file twice", file=sys.stderr)
        ok = False
    from tracker.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--size-mb", type=float, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    size = int(args.size_mb * 1024 * 1024)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        ok &= run("SQLite", f"sqlite:///{folder}/bench.db", size, args.repeat, Path(folder))
        admin = args.postgres or DEFAULT_POSTGRES
        try:
            sa.create_engine(admin.replace("postgresql://", "postgresql+psycopg://")
                             ).connect().close()
        except sa.exc.OperationalError:
            if args.postgres:
                raise
            print("PostgreSQL: not reachable, skipped")
        else:
            with throwaway_postgres(admin) as url:
                ok &= run("PostgreSQL", url, size, args.repeat, Path(folder))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
