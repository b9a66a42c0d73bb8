"""Flow versions: files on disk become immutable rows; applications keep the row they began on."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..extensions import db
from ..models import FlowVersion
from ..settings import settings
from ..steps import FlowDefinition, load_flows
from .errors import NotFound
from .plain_reads import plain_rows

# Where a request keeps the current flow versions it has read (see current_version).
_REQUEST_MEMO = "tracker.current_versions"

log = logging.getLogger(__name__)
_synced: set[str] = set()


def flows_dir() -> Path | None:
    return settings().flows_path


def sync_flows() -> list[FlowVersion]:
    """Store each flow file's content as a version if it is new; returns the new versions."""
    created = []
    for code, definition in load_flows(flows_dir()).items():
        digest = definition.content_hash
        existing = db.session.scalar(
            select(FlowVersion).where(FlowVersion.code == code, FlowVersion.content_hash == digest))
        if existing is not None:
            if not existing.current:
                _make_current(code, existing)
            continue
        latest = db.session.scalar(select(FlowVersion.version).where(FlowVersion.code == code)
                                   .order_by(FlowVersion.version.desc()).limit(1)) or 0
        # The file's own version number wins when it moves forward; an edit that forgot to
        # bump it still gets a fresh number, so history is never rewritten.
        number = max(definition.version, latest + 1)
        row = FlowVersion(code=code, version=number, content_hash=digest,
                          definition=definition.to_dict(), current=True)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                _make_current(code, row)
        except IntegrityError:  # another worker stored the same content first
            continue
        created.append(row)
    db.session.commit()
    return created


def _make_current(code: str, row: FlowVersion) -> None:
    if has_request_context():  # the request's memo of current versions (current_version)
        request.environ.pop(_REQUEST_MEMO, None)
    for other in db.session.scalars(select(FlowVersion).where(FlowVersion.code == code,
                                                              FlowVersion.current.is_(True))):
        if other is not row:
            other.current = False
    row.current = True


def ensure_synced() -> None:
    """Sync once per process per database (cheap afterwards). Called where a process starts
    (wsgi.py, `flask jobs run`, the report and demo commands, the test fixture), never by a
    read: reads never commit."""
    key = current_app.config["SQLALCHEMY_DATABASE_URI"] + str(id(current_app))
    if key not in _synced:
        sync_flows()
        _synced.add(key)


def current_versions() -> dict[str, FlowVersion]:
    """The current version of each flow, as stored (a read: it syncs nothing)."""
    rows = db.session.scalars(select(FlowVersion).where(FlowVersion.current.is_(True))
                              .order_by(FlowVersion.code))
    return {row.code: row for row in rows}


# Built once: the statement and its cache key (on the connection, not through the ORM).
_CURRENT_KEYS = (select(FlowVersion.code, FlowVersion.id, FlowVersion.content_hash)
                 .where(FlowVersion.current.is_(True)).order_by(FlowVersion.code))


def current_definitions() -> list[FlowDefinition]:
    """The current version of each flow as its definition, by flow code: the versions' ids
    and content hashes read, not their rows (hydrating a row parsed its whole stored
    definition, 0.3 ms of every list page, for the definition kept by the process)."""
    rows = plain_rows(_CURRENT_KEYS)
    keys = {code: (version_id, content_hash) for code, version_id, content_hash in rows}
    return [definition_by_id(*key) for key in keys.values()]  # one per code, as above


def current_version(code: str) -> FlowVersion:
    """The current version of flow `code` (404 if none). Within a request the versions are
    read once: an API create checks its input in the schema and again in the service, and
    the second read cost a statement of every create (issue 15)."""
    if has_request_context():
        rows = request.environ.get(_REQUEST_MEMO)
        if rows is None:
            rows = request.environ[_REQUEST_MEMO] = current_versions()
    else:  # a job or a command: no request to scope the memo to
        rows = current_versions()
    row = rows.get(code)
    if row is None:
        raise NotFound("Unknown flow: %(flow)s", params={"flow": code}, fields={"flow": ["Unknown flow."]})
    return row


_DEFS: dict[tuple[int, str], FlowDefinition] = {}


def definition_of(row: FlowVersion) -> FlowDefinition:
    """The immutable definition stored in a version row (parsed once per process)."""
    key = (row.id, row.content_hash)
    found = _DEFS.get(key)
    if found is None:
        found = FlowDefinition.from_dict(row.definition)
        _DEFS[key] = found
    return found


def definition_by_id(version_id: int, content_hash: str) -> FlowDefinition:
    """The definition of the flow version `version_id` (a list row's), parsed once per
    process: its stored JSON is read only the first time."""
    found = _DEFS.get((version_id, content_hash))
    if found is None:
        found = definition_of(db.session.get(FlowVersion, version_id))
    return found


def sync_at_start(app: Flask) -> None:
    """Store the flow files when a server process starts (wsgi.py). A database not yet
    migrated is said so in the log, and the process still starts: `flask db upgrade` first."""
    with app.app_context():
        try:
            ensure_synced()
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("flow files not stored (run `flask --app tracker db upgrade`): %s", exc)
