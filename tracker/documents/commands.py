"""Documents changes: store a file (streamed, in chunks, typed from its content), replace one
(the old one stays), mark a required document not applicable, and the archive check that
refuses a step whose documents are missing. Every change is one transaction
(services/transaction.py): a refused file leaves no row and no chunk behind."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import insert

from ..extensions import db
from ..models import Application, StepRecord, User
from ..services import events
from ..services.app_clock import now
from ..services.applications import flow_of, get_application
from ..services.errors import Conflict, NotFound, ValidationFailed
from ..services.transaction import check_version, transactional
from ..settings import settings
from ..steps import StepDefinition
from ..text import text_errors, unstorable
from .models import CHUNK_SIZE, Attachment, AttachmentChunk, MaterialWaiver
from .queries import (
    APPLICATION_SUBJECTS,
    OTHER_SUBJECTS,
    belongs_to,
    documents_by_step,
    subject_exists,
)
from .sniff import HEAD_BYTES, LABELS, agrees, claimed_type, sniff

KIND_MAX = 100
STAGE_MAX = 40
FILENAME_MAX = 255
CHANGED_FIRST = "Someone else changed application %(number)s first; reload and try again."
SAME_MOMENT = "Someone else changed these documents at the same moment; reload and try again."


@dataclass
class Upload:
    """A file as received: a binary stream (read once, chunk by chunk) and the name it came with."""

    stream: IO[bytes]
    filename: str


@dataclass
class Target:
    """What an attachment belongs to."""

    application: Application | None = None
    subject_type: str = "application"
    subject_id: int | None = None
    stage: str = ""
    step_code: str | None = None
    kind: str = ""


def megabytes(n: int) -> str:
    """10485760 → "10", 307200 → "0.29"."""
    return f"{n / 1024 / 1024:.2f}".rstrip("0").rstrip(".")


def type_names(types: list[str] | None = None) -> str:
    return ", ".join(LABELS.get(t, t) for t in (types or settings().attachment_type_list))


def _clean_name(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or unstorable(name):
        name = "file"
    return name[-FILENAME_MAX:]


def _refuse(message: str, **params: Any) -> ValidationFailed:
    # The field carries a message without parameters (field messages are translated as they
    # are); the full one, with the file's name and types, is the error's message.
    return ValidationFailed(message, params=params, fields={"file": ["The file was refused."]})


def _checked_type(head: bytes, filename: str, types: list[str]) -> str:
    actual = sniff(head)
    if actual is None or actual not in types:
        raise _refuse("This kind of file is not accepted; send one of: %(types)s.",
                      types=type_names(types))
    claimed = claimed_type(filename)
    if not agrees(claimed, actual):
        raise _refuse("The file is named %(name)s but its content is %(actual)s, not %(claimed)s.",
                      name=filename, actual=LABELS.get(actual, actual),
                      claimed=LABELS.get(claimed or "", claimed))
    return actual


def _store(upload: Upload, target: Target, actor: User | None, note: str) -> Attachment:
    """Stream the file into chunk rows of the caller's transaction; refuse it (raising, so
    the transaction rolls back every chunk) if its content is not an allowed type,
    contradicts its name, is empty or is too large. At most one chunk is held in memory."""
    filename = _clean_name(upload.filename)
    limit, types = settings().attachment_max_bytes, settings().attachment_type_list
    row = Attachment(application_id=target.application.id if target.application else None,
                     subject_type=target.subject_type, subject_id=target.subject_id,
                     stage=target.stage, step_code=target.step_code, kind=target.kind,
                     filename=filename, content_type="application/octet-stream", size=0,
                     sha256="", note=note, uploaded_by_id=actor.id if actor else None,
                     uploaded_at=now())
    db.session.add(row)
    db.session.flush()
    digest, size, seq, tail = hashlib.sha256(), 0, 0, b""
    content_type = None
    while True:
        chunk = upload.stream.read(CHUNK_SIZE)
        if not chunk:
            break
        if content_type is None:
            while len(chunk) < HEAD_BYTES:  # a slow stream may hand out a few bytes at first
                more = upload.stream.read(CHUNK_SIZE - len(chunk))
                if not more:
                    break
                chunk += more
            content_type = _checked_type(chunk[:HEAD_BYTES], filename, types)
        size += len(chunk)
        if size > limit:
            raise _refuse("The file is larger than %(limit)s MB.", limit=megabytes(limit))
        digest.update(chunk)
        tail = (tail + chunk)[-2048:]
        db.session.execute(insert(AttachmentChunk).values(attachment_id=row.id, seq=seq,
                                                          data=chunk))
        seq += 1
    if size == 0 or content_type is None:
        raise _refuse("The file is empty.")
    if content_type == "application/pdf" and b"%%EOF" not in tail:
        raise _refuse("The PDF is incomplete (it was cut off in transfer); send it again.")
    row.content_type, row.size, row.sha256 = content_type, size, digest.hexdigest()
    return row


def _for_documents(number: str, expected_version: int | None) -> Application:
    """The application, locked until the commit (two clerks replacing the same file, or
    marking the same document, one after the other), at the version the client saw."""
    app = get_application(number, for_update=True)
    check_version(app, expected_version, CHANGED_FIRST, number=app.number)
    return app


@transactional(stale=SAME_MOMENT)
def attach(number: str, upload: Upload, actor: User, *, step: str | None = None,
           kind: str = "", note: str = "", subject_type: str = "application",
           subject_id: int | None = None, replaces: int | None = None,
           expected_version: int | None = None) -> Attachment:
    """Attach a file to an application (a step's document, a photo, callback evidence);
    with `replaces`, the new version of an attachment (the old one stays in the history)."""
    app = _for_documents(number, expected_version)
    flow = flow_of(app)
    kind, note, step = kind.strip(), note.strip(), (step or "").strip() or None
    errors = text_errors(kind=kind, note=note)
    if len(kind) > KIND_MAX:
        errors.setdefault("kind", []).append(f"Longer than maximum length {KIND_MAX}.")
    if step is not None and step not in flow.step_codes:
        errors.setdefault("step", []).append("This flow has no such step.")
    if subject_type not in APPLICATION_SUBJECTS:
        errors.setdefault("subject_type", []).append("Unknown subject.")
    elif subject_type == "application":
        subject_id = app.id
    elif not belongs_to(app, subject_type, subject_id):
        errors.setdefault("subject_id", []).append("Not found for this application.")
    previous = None
    if replaces is not None:
        previous = db.session.get(Attachment, replaces)
        if previous is None or previous.application_id != app.id:
            errors.setdefault("replaces", []).append("Not an attachment of this application.")
        elif previous.replaced_at is not None:
            errors.setdefault("replaces", []).append("Already replaced; replace the newest one.")
        else:
            step = step or previous.step_code
            kind = kind or previous.kind
            subject_type, subject_id = previous.subject_type, previous.subject_id
    if errors:
        raise ValidationFailed("The attachment has errors.", fields=errors)
    row = _store(upload, Target(application=app, subject_type=subject_type,
                                subject_id=subject_id, step_code=step, kind=kind), actor, note)
    if previous is not None:
        previous.replaced_at = row.uploaded_at
        row.replaces_id = previous.id
    events.record("document.replaced" if previous else "document.attached", actor=actor,
                  subject_type="attachment", subject_id=row.id, application_id=app.id,
                  filename=row.filename, kind=kind, step=step, sha256=row.sha256,
                  size=row.size, content_type=row.content_type,
                  replaces=previous.id if previous else None,
                  subject=subject_type if subject_type != "application" else None)
    return row


@transactional
def attach_to_subject(subject_type: str, subject_id: int, upload: Upload, actor: User, *,
                      stage: str = "", kind: str = "", note: str = "") -> Attachment:
    """Attach evidence to something without an application: a problem stage, a 督办 answer."""
    kind, note, stage = kind.strip(), note.strip(), stage.strip()
    errors = text_errors(kind=kind, note=note, stage=stage)
    if subject_type not in OTHER_SUBJECTS:
        raise NotFound("Unknown subject.")
    if not subject_exists(subject_type, subject_id):
        raise NotFound("Not found.")
    if len(kind) > KIND_MAX or len(stage) > STAGE_MAX:
        errors.setdefault("kind", []).append("Too long.")
    if errors:
        raise ValidationFailed("The attachment has errors.", fields=errors)
    row = _store(upload, Target(subject_type=subject_type, subject_id=subject_id,
                                stage=stage, kind=kind), actor, note)
    events.record("document.attached", actor=actor, subject_type="attachment",
                  subject_id=row.id, filename=row.filename, kind=kind, stage=stage,
                  subject=subject_type, subject_ref=subject_id, sha256=row.sha256,
                  size=row.size, content_type=row.content_type)
    return row


@transactional(stale=SAME_MOMENT)
def waive(number: str, material: str, reason: str, actor: User, *,
          expected_version: int | None = None) -> MaterialWaiver:
    """Mark a required document 不适用 for this application, with the reason."""
    app = _for_documents(number, expected_version)
    flow = flow_of(app)
    material, reason = material.strip(), reason.strip()
    errors = text_errors(reason=reason)
    step = next((s for s in flow.steps if material in s.materials), None)
    if step is None:
        errors.setdefault("material", []).append("This flow requires no such document.")
    if not reason:
        errors.setdefault("reason", []).append("Say why the document does not apply.")
    if errors:
        raise ValidationFailed("The document cannot be marked not applicable.", fields=errors)
    state = next(s for s in documents_by_step(app)[step.code] if s.material == material)
    if state.state != "missing":
        raise Conflict("%(material)s is already on file or marked not applicable.",
                       params={"material": material})
    row = MaterialWaiver(application_id=app.id, step_code=step.code, material=material,
                         reason=reason, waived_by_id=actor.id, waived_at=now())
    db.session.add(row)
    db.session.flush()
    events.record("document.waived", actor=actor, subject_type="waiver", subject_id=row.id,
                  application_id=app.id, material=material, step=step.code, reason=reason)
    return row


def check_before_completion(app: Application, *, record: StepRecord,
                            definition: StepDefinition, **_: Any) -> None:
    """Receiver of `signals.step_completing`: refuse to complete a step while a document it
    requires is neither attached, held by the system, nor marked not applicable (the core
    itself refuses the archive while 容缺 documents are outstanding: one rule, one place).
    Raising rolls the whole completion back."""
    if not definition.materials or not settings().require_documents:
        return
    states = documents_by_step(app).get(record.code, [])
    missing = [s.material for s in states if s.state == "missing"]
    if missing:
        raise Conflict("Documents missing for this step: %(missing)s. Attach them or mark them "
                       "not applicable with a reason.", params={"missing": "、".join(missing)},
                       fields={"documents": missing})
