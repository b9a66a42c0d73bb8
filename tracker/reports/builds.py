"""Report builds (issue 15): a download too long for a request is built by a job.

A request (`request_build`) queues a build, or hands back the one that serves it already: the
one queued or running for the same key (at most one, by a partial unique index, so two clicks
or two clerks start one), or a done one whose figures are still those of today (an issued
version never changes; live figures while no event came after they were read, for at most
LIVE_REUSE). The job (`run_builds`, every BUILD_SECONDS) claims queued builds one at a time
(`FOR UPDATE SKIP LOCKED` on PostgreSQL: two schedulers take different builds, never the same
one), writes its progress as it goes (per stage, and every ROWS_PER_TICK rows), and stores the
file in chunks together with `done` in one transaction; an exception marks the build failed
with its error. A build whose job died (no progress written for STALE) is claimed again, at
most MAX_ATTEMPTS times in all. Builds finished more than KEEP ago are deleted with their
chunks (they are copies of what the report computes, not records).
"""
from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from flask import Response, stream_with_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Application, Event, User
from ..models.base import now_utc
from ..services.errors import Conflict, NotFound, ValidationFailed
from ..services.months import Month, parse_month
from ..services.transaction import transactional
from ..settings import settings
from .csvfile import CHUNK_ROWS, TABLES, iter_csv
from .issuance import get_issued, report_data
from .models import CHUNK_SIZE, BuildKind, BuildState, ReportBuild, ReportBuildChunk
from .schemas import MonthlyReportOut
from .xlsx import write_xlsx

log = logging.getLogger(__name__)

BUILD_SECONDS = 5  # how often the job looks for queued builds
STALE = timedelta(minutes=5)  # a running build that wrote no progress for this long was lost
MAX_ATTEMPTS = 3
LIVE_REUSE = timedelta(minutes=10)  # live figures grow older even when nothing is recorded
ROWS_PER_TICK = 1000  # progress is written every this many rows
MAX_PER_RUN = 20  # builds one run of the job makes before it lets the scheduler breathe
ERROR_MAX = 2000
KEEP = timedelta(days=7)  # a finished build (done or failed) is kept this long

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {BuildKind.XLSX: XLSX, BuildKind.CSV: "text/csv; charset=utf-8",
                 BuildKind.JSON: "application/json"}
# The phrase of each stage (the build's `stage` holds the code).
STAGES = {
    "queued": _l("Waiting for the job to start"),
    "computing": _l("Reading the month's figures"),
    "writing": _l("Writing the rows"),
    "storing": _l("Storing the file"),
    "done": _l("Ready to download"),
    "failed": _l("Failed"),
}
_ACTIVE = (BuildState.QUEUED, BuildState.RUNNING)
_PROCESS = f"{socket.gethostname()}:{os.getpid()}"


class LostClaim(Exception):
    """Another job took this build over (ours was thought dead): stop without touching it."""


@dataclass(frozen=True)
class Wanted:
    """What a build makes: the month, the kind (and CSV table), the language, and the issued
    version it is made from (None: live figures)."""

    month: Month
    kind: BuildKind
    table: str
    lang: str
    version: int | None

    @property
    def key(self) -> str:
        source = "live" if self.version is None else f"v{self.version}"
        return f"{self.month.label}:{self.kind.value}:{self.table}:{self.lang}:{source}"


def wanted(month: Month | str, kind: str, *, table: str = "overdue", lang: str = "zh",
           version: int | None = None, live: bool = False) -> Wanted:
    """The build a download asks for: the version named, else the latest issued one, else
    (or with `live`) the figures of now, as the direct download chooses."""
    month = month if isinstance(month, Month) else parse_month(month)
    try:
        kind_ = BuildKind(kind)
    except ValueError:
        raise ValidationFailed("Unknown kind of download.", fields={
            "kind": ["Choose one of xlsx, csv, json."]}) from None
    if kind_ is BuildKind.CSV and table not in TABLES:
        raise ValidationFailed("Unknown table.", fields={"table": ["Unknown table."]})
    if live and version is not None:
        raise ValidationFailed("Ask for a version or for live figures, not both.",
                               fields={"live": ["Not with version."]})
    chosen = None
    if not live:
        row = get_issued(month, version)
        if row is None and version is not None:
            raise NotFound("Version %(version)s of the %(month)s report was never issued.",
                           params={"version": version, "month": month.label})
        chosen = row.version if row is not None else None
    return Wanted(month, kind_, table if kind_ is BuildKind.CSV else "",
                  "en" if lang == "en" else "zh", chosen)


def current_stamp() -> int:
    """The newest event's id: it moves with every recorded change (as the dashboard reads it)."""
    return db.session.scalar(select(func.max(Event.id))) or 0


def applications_in(month: Month) -> int:
    """Applications accepted in the month: what TRACKER_REPORT_INLINE_LIMIT is compared with."""
    return db.session.scalar(select(func.count()).select_from(Application).where(
        Application.accepted_at >= month.start, Application.accepted_at < month.end)) or 0


def through_job(month: Month) -> bool:
    """True when the month is too big for a download made inside a request."""
    return applications_in(month) > settings().report_inline_limit


def _reusable(want: Wanted) -> ReportBuild | None:
    active = db.session.scalar(select(ReportBuild).where(ReportBuild.key == want.key,
                                                         ReportBuild.state.in_(_ACTIVE)))
    if active is not None:
        return active
    done = db.session.scalar(
        select(ReportBuild).where(ReportBuild.key == want.key,
                                  ReportBuild.state == BuildState.DONE)
        .order_by(ReportBuild.finished_at.desc(), ReportBuild.id.desc()).limit(1))
    if done is None:
        return None
    if want.version is not None:
        return done  # an issued version never changes
    fresh = done.finished_at is not None and done.finished_at >= now_utc() - LIVE_REUSE
    return done if fresh and done.stamp == current_stamp() else None


@transactional
def request_build(want: Wanted, actor: User | None) -> tuple[ReportBuild, bool]:
    """(the build that serves `want`, whether it was queued now); commits."""
    found = _reusable(want)
    if found is not None:
        return found, False
    row = ReportBuild(month=want.month.label, kind=want.kind, csv_table=want.table,
                      lang=want.lang, version=want.version, key=want.key,
                      requested_by_id=actor.id if actor is not None else None,
                      requested_at=now_utc())
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # another request queued the same build a moment ago
        found = db.session.scalar(select(ReportBuild).where(ReportBuild.key == want.key,
                                                            ReportBuild.state.in_(_ACTIVE)))
        if found is None:
            raise Conflict("Another download is being prepared; try again in a moment.") \
                from None
        return found, False
    return row, True


def get_build(month: Month | str, build_id: int) -> ReportBuild:
    """The build `build_id` of `month`; 404 if there is none."""
    label = month.label if isinstance(month, Month) else parse_month(month).label
    row = db.session.get(ReportBuild, build_id)
    if row is None or row.month != label:
        raise NotFound("There is no download %(id)s for %(month)s.",
                       params={"id": build_id, "month": label})
    return row


def ready_file(row: ReportBuild) -> ReportBuild:
    """The build if its file can be sent; else a 409 that says where it stands."""
    if row.state is BuildState.DONE:
        return row
    if row.state is BuildState.FAILED:
        raise Conflict("This download could not be prepared (%(error)s); prepare it again.",
                       params={"error": row.error})
    raise Conflict("The file is not ready yet: %(progress)s%% done (%(stage)s). Wait a moment "
                   "and try again.", params={"progress": row.progress,
                                             "stage": str(STAGES.get(row.stage, row.stage))})


def iter_file(row: ReportBuild) -> Iterator[bytes]:
    """The built file, one chunk (one query) at a time."""
    for seq in range(row.chunks):
        data = db.session.scalar(select(ReportBuildChunk.data).where(
            ReportBuildChunk.build_id == row.id, ReportBuildChunk.seq == seq))
        if data is None:  # cannot happen: the chunks are committed with `done`
            raise RuntimeError(f"report build {row.id}: chunk {seq} missing")
        yield bytes(data)


def file_response(row: ReportBuild) -> Response:
    """The done build's file as an attachment, streamed a chunk at a time."""
    response = Response(stream_with_context(iter_file(row)), mimetype=row.content_type,
                        direct_passthrough=True)
    response.content_length = row.size
    response.headers["Content-Disposition"] = f"attachment; filename={row.filename}"
    return response


def download_name(month: Month, kind: str, table: str, version: int | None) -> str:
    """The file name, as the direct download names it."""
    if kind == BuildKind.CSV:
        return f"monthly-report-{month.label}-{table}.csv"
    suffix = "-live" if version is None else f"-v{version}"
    return f"monthly-report-{month.label}{suffix}.{kind}"


def build_fields(row: ReportBuild) -> dict[str, Any]:
    """A build as plain data (the API and the pages add their links)."""
    by = db.session.get(User, row.requested_by_id) if row.requested_by_id else None
    return {"id": row.id, "month": row.month, "kind": row.kind.value,
            "table": row.csv_table or None, "lang": row.lang, "version": row.version,
            "live": row.version is None, "state": row.state.value, "progress": row.progress,
            "stage": row.stage, "stage_text": str(STAGES.get(row.stage, row.stage)),
            "rows_done": row.rows_done, "rows_total": row.rows_total, "size": row.size,
            "filename": row.filename or None, "error": row.error or None,
            "requested_by": by.label if by else None, "requested_at": row.requested_at,
            "started_at": row.started_at, "finished_at": row.finished_at,
            "attempts": row.attempts}


# --- the job ------------------------------------------------------------------------------

@dataclass
class BuildRun:
    done: int = 0
    failed: int = 0
    pruned: int = 0


def run_builds() -> BuildRun:
    """The scheduler's job (inside an app context): build queued builds until none is left
    (or MAX_PER_RUN are made); safe in any number of schedulers at once."""
    result = BuildRun()
    result.pruned = _prune()
    result.failed += _give_up_on_lost()
    for _round in range(MAX_PER_RUN):
        claimed = claim_next()
        if claimed is None:
            break
        if build_one(*claimed):
            result.done += 1
        else:
            result.failed += 1
    if result.done or result.failed:
        log.info("report builds: %d done, %d failed", result.done, result.failed)
    return result


def _claimable(now: Any) -> Any:
    lost = and_(ReportBuild.state == BuildState.RUNNING, ReportBuild.heartbeat_at < now - STALE,
                ReportBuild.attempts < MAX_ATTEMPTS)
    return or_(ReportBuild.state == BuildState.QUEUED, lost)


def _prune() -> int:
    """Delete the builds finished more than KEEP ago, and their files."""
    old = select(ReportBuild.id).where(ReportBuild.state.in_((BuildState.DONE,
                                                              BuildState.FAILED)),
                                       ReportBuild.finished_at < now_utc() - KEEP)
    db.session.execute(delete(ReportBuildChunk).where(ReportBuildChunk.build_id.in_(old)))
    count = db.session.execute(delete(ReportBuild).where(ReportBuild.id.in_(old))
                               .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return count


def _give_up_on_lost() -> int:
    """Builds lost MAX_ATTEMPTS times are failed, not tried again."""
    now = now_utc()
    count = db.session.execute(
        update(ReportBuild).where(ReportBuild.state == BuildState.RUNNING,
                                  ReportBuild.heartbeat_at < now - STALE,
                                  ReportBuild.attempts >= MAX_ATTEMPTS)
        .values(state=BuildState.FAILED, stage="failed", finished_at=now,
                error=f"the job building it stopped {MAX_ATTEMPTS} times without finishing")
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return count


def claim_next() -> tuple[int, str] | None:
    """Take the oldest claimable build: (its id, this run's token), or None. The row lock
    with SKIP LOCKED lets another scheduler take the next one meanwhile; the conditional
    update (and SQLite's one writer) makes the claim once-only where there is no row lock."""
    for _try in range(5):
        db.session.rollback()
        now = now_utc()
        build_id = db.session.scalar(
            select(ReportBuild.id).where(_claimable(now)).order_by(ReportBuild.id).limit(1)
            .with_for_update(skip_locked=True))
        if build_id is None:
            db.session.rollback()
            return None
        token = f"{_PROCESS}:{uuid.uuid4().hex[:8]}"
        taken = db.session.execute(
            update(ReportBuild).where(ReportBuild.id == build_id, _claimable(now))
            .values(state=BuildState.RUNNING, claimed_by=token, started_at=now,
                    heartbeat_at=now, attempts=ReportBuild.attempts + 1, progress=0,
                    stage="computing", rows_done=0, error="")
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if taken:
            return build_id, token
    return None


class _Progress:
    """Writes a running build's progress in short transactions of its own (each also tells
    the other schedulers the job is alive); LostClaim when the build is no longer ours."""

    WRITING = (50, 95)  # the share of the bar the rows fill

    def __init__(self, build_id: int, token: str) -> None:
        self.build_id, self.token = build_id, token
        self.done = self.total = 0

    def _mine(self) -> Any:
        return and_(ReportBuild.id == self.build_id, ReportBuild.claimed_by == self.token,
                    ReportBuild.state == BuildState.RUNNING)

    def write(self, **values: Any) -> None:
        count = db.session.execute(
            update(ReportBuild).where(self._mine()).values(heartbeat_at=now_utc(), **values)
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if not count:
            raise LostClaim(self.build_id)

    def stage(self, stage: str, progress: int, **values: Any) -> None:
        self.write(stage=stage, progress=progress, **values)

    def rows(self, count: int = 1) -> None:
        before = self.done // ROWS_PER_TICK
        self.done = min(self.total, self.done + count)
        if self.done // ROWS_PER_TICK > before:
            low, high = self.WRITING
            share = self.done / self.total if self.total else 1
            self.write(rows_done=self.done, progress=low + int((high - low) * share))

    def finish(self, out: IO[bytes], size: int, name: str, content_type: str) -> None:
        """The file's chunks and `done`, in one transaction: a build is whole or not there."""
        out.seek(0)
        seq = 0
        while chunk := out.read(CHUNK_SIZE):
            db.session.execute(insert(ReportBuildChunk).values(build_id=self.build_id, seq=seq,
                                                               data=chunk))
            seq += 1
        now = now_utc()
        count = db.session.execute(
            update(ReportBuild).where(self._mine())
            .values(state=BuildState.DONE, stage="done", progress=100, rows_done=self.total,
                    size=size, filename=name, content_type=content_type, finished_at=now,
                    heartbeat_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if not count:
            db.session.rollback()
            raise LostClaim(self.build_id)
        db.session.commit()


def _row_count(data: dict[str, Any], kind: BuildKind, table: str) -> int:
    if kind is BuildKind.CSV:
        return len(data[table]["items"] if table == "points" else data[table])
    return (len(data["overdue"]) + len(data["points"]["items"]) + len(data["flows"])
            + len(data["steps"]))


def _write_xlsx(want: Wanted, data: dict[str, Any], out: IO[bytes], row: Callable[[], None]
                ) -> None:
    stored = get_issued(want.month, want.version) if want.version is not None else None
    if stored is not None and stored.xlsx and want.lang == "zh":
        out.write(stored.xlsx)  # exactly the workbook that was issued, as the direct download
        return
    write_xlsx(data, want.lang, out, on_row=row)


def _write_csv(want: Wanted, data: dict[str, Any], out: IO[bytes], row: Callable[[int], None]
               ) -> None:
    for piece in iter_csv(data, want.table, want.lang):
        out.write(piece)
        row(CHUNK_ROWS)


def _write_json(want: Wanted, data: dict[str, Any], out: IO[bytes], row: Callable[[int], None]
                ) -> None:
    # What GET /api/v1/reports/monthly/<month> answers, through the same schema.
    for piece in json.JSONEncoder(ensure_ascii=False).iterencode(MonthlyReportOut().dump(data)):
        out.write(piece.encode("utf-8"))
    row(_row_count(data, want.kind, want.table))


_WRITERS = {BuildKind.XLSX: _write_xlsx, BuildKind.CSV: _write_csv, BuildKind.JSON: _write_json}


def build_one(build_id: int, token: str) -> bool:
    """Make the claimed build: True when done, False when it failed or was taken over."""
    row = db.session.get(ReportBuild, build_id)
    if row is None:  # pragma: no cover - claimed a moment ago
        return False
    want = Wanted(parse_month(row.month), row.kind, row.csv_table, row.lang, row.version)
    progress = _Progress(build_id, token)
    try:
        progress.stage("computing", 5, stamp=current_stamp())
        data = report_data(want.month, version=want.version, live=want.version is None)
        progress.total = _row_count(data, want.kind, want.table)
        progress.stage("writing", _Progress.WRITING[0], rows_total=progress.total)
        with tempfile.TemporaryFile() as out:
            _WRITERS[want.kind](want, data, out, progress.rows)
            size = out.tell()
            progress.stage("storing", _Progress.WRITING[1], rows_done=progress.total)
            progress.finish(out, size, download_name(want.month, want.kind, want.table,
                                                     want.version),
                            CONTENT_TYPES[want.kind])
        return True
    except LostClaim:
        db.session.rollback()
        log.warning("report build %s: taken over by another job; left to it", build_id)
        return False
    except Exception as exc:
        db.session.rollback()
        log.exception("report build %s failed", build_id)
        text = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        db.session.execute(
            update(ReportBuild).where(ReportBuild.id == build_id,
                                      ReportBuild.claimed_by == token,
                                      ReportBuild.state == BuildState.RUNNING)
            .values(state=BuildState.FAILED, stage="failed", error=text, finished_at=now_utc())
            .execution_options(synchronize_session=False))
        db.session.commit()
        return False
