"""Documents reads: the attachments of an application or another subject, a file's bytes
chunk by chunk, and the state of each document a flow requires (never commit)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select

from ..aftercare.queries import callback_of, get_callback, get_follow_up, latest_follow_up
from ..extensions import db
from ..models import Application, User
from ..problems.queries import get_problem, problem_with_id
from ..services.applications import flow_of
from ..services.errors import NotFound, ValidationFailed
from ..services.plain_reads import plain_rows
from ..signals import materials_on_record
from ..steps import FlowDefinition
from .models import Attachment, AttachmentChunk, MaterialWaiver

# What an attachment of an application may belong to besides the application itself
# (callback and home-visit evidence, 佐证材料).
APPLICATION_SUBJECTS = ("application", "callback", "followup")
# Subjects without an application: problem stages, 督办 answers (the escalation feature).
OTHER_SUBJECTS = ("problem", "supervision")
# The page's evidence kinds and the subject each belongs to.
EVIDENCE_KINDS = {"callback_evidence": "callback", "followup_evidence": "followup"}


# Every application page reads these (its documents section and step lines): built once,
# the application's id bound (issue 15: building the select and its cache key cost half
# of running it).
_OF_APPLICATION = Attachment.application_id == bindparam("application_id")
_ATTACHMENTS = select(Attachment).where(_OF_APPLICATION).order_by(Attachment.uploaded_at,
                                                                  Attachment.id)
_CURRENT_ATTACHMENTS = select(Attachment).where(
    _OF_APPLICATION, Attachment.replaced_at.is_(None)).order_by(Attachment.uploaded_at,
                                                               Attachment.id)
# Read as plain rows (what a document's state shows: WaiverRow), not MaterialWaiver and
# User objects with their departments.
_WAIVERS = select(
    MaterialWaiver.material, MaterialWaiver.reason, MaterialWaiver.waived_at, User.username,
    User.display_name,
).outerjoin(User, User.id == MaterialWaiver.waived_by_id).where(
    MaterialWaiver.application_id == bindparam("application_id")).order_by(MaterialWaiver.id)


@dataclass(frozen=True)
class Uploader:
    """Who uploaded a file, as the page names them (User.label)."""

    label: str


@dataclass(frozen=True)
class WaiverRow:
    """A document marked not applicable, as its state shows it (MaterialWaiver's material,
    reason and time; waived_by: the label of who marked it)."""

    material: str
    reason: str
    waived_at: datetime
    waived_by: Uploader | None


@dataclass(frozen=True)
class AttachmentRow:
    """An attachment as the application page reads it: the Attachment fields its documents
    section, step lines and upload form show; uploaded_by: the uploader's label."""

    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    replaced_at: datetime | None
    uploaded_by: Uploader | None

    @property
    def current(self) -> bool:  # Attachment.current
        return self.replaced_at is None


# attachments_of(app) for the page, as plain rows: no Attachment and User objects with
# their departments (issue 15).
_PAGE_ATTACHMENTS = select(
    Attachment.id, Attachment.kind, Attachment.filename, Attachment.content_type,
    Attachment.size, Attachment.sha256, Attachment.uploaded_at, Attachment.replaced_at,
    User.username, User.display_name,
).outerjoin(User, User.id == Attachment.uploaded_by_id).where(_OF_APPLICATION).order_by(
    Attachment.uploaded_at, Attachment.id)


def page_attachments(app: Application) -> list[AttachmentRow]:
    """attachments_of(app) (every attachment, oldest first) as the application page reads
    them."""
    return [AttachmentRow(r.id, r.kind, r.filename, r.content_type, r.size, r.sha256,
                          r.uploaded_at, r.replaced_at,
                          None if r.username is None else Uploader(r.display_name or r.username))
            for r in plain_rows(_PAGE_ATTACHMENTS, {"application_id": app.id})]


def attachments_of(app: Application, *, current_only: bool = False) -> list[Attachment]:
    """Every attachment of an application, oldest first (replaced ones too, unless asked)."""
    return list(db.session.scalars(_CURRENT_ATTACHMENTS if current_only else _ATTACHMENTS,
                                   {"application_id": app.id}))


def subject_attachments(subject_type: str, subject_id: int) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.subject_type == subject_type,
                                 Attachment.subject_id == subject_id)
        .order_by(Attachment.uploaded_at, Attachment.id)))


def get_attachment(attachment_id: int, app: Application | None = None) -> Attachment:
    row = db.session.get(Attachment, attachment_id)
    if row is None or (app is not None and row.application_id != app.id):
        raise NotFound("No such attachment.")
    return row


def iter_content(row: Attachment) -> Iterator[bytes]:
    """The file's bytes, one chunk (one query) at a time."""
    for seq in range(row.chunks):
        data = db.session.scalar(select(AttachmentChunk.data).where(
            AttachmentChunk.attachment_id == row.id, AttachmentChunk.seq == seq))
        if data is None:  # cannot happen: chunks and row are committed together
            raise RuntimeError(f"attachment {row.id}: chunk {seq} missing")
        yield bytes(data)


def read_all(row: Attachment) -> bytes:
    """The whole file (for small files: tests, a PDF to re-render)."""
    return b"".join(iter_content(row))


def belongs_to(app: Application, subject_type: str, subject_id: int | None) -> bool:
    """The callback or follow-up `subject_id` is one of this application's."""
    if subject_id is None:
        return False
    try:
        row = get_callback(subject_id) if subject_type == "callback" else get_follow_up(subject_id)
    except NotFound:
        return False
    return row.application_id == app.id


def subject_exists(subject_type: str, subject_id: int) -> bool:
    """A problem is looked up by id; a 督办 answer belongs to a feature not built yet (any id)."""
    if subject_type == "problem":
        return problem_with_id(subject_id) is not None
    return True


def problem_id(number: str) -> int | None:
    """The id of the problem numbered `number`."""
    try:
        return get_problem(number).id
    except NotFound:
        return None


def evidence_subject(app: Application, kind: str) -> tuple[str, int | None]:
    """Callback and home-visit evidence belong to the application's callback or its latest
    follow-up; any other file to the application itself."""
    subject = EVIDENCE_KINDS.get(kind)
    if subject is None:
        return "application", None
    found = callback_of(app.id) if subject == "callback" else latest_follow_up(app.id)
    if found is None:
        raise ValidationFailed("This application has no %(what)s yet.",
                               params={"what": "回访" if subject == "callback" else "上门回访"},
                               fields={"kind": ["Nothing to attach this evidence to."]})
    return subject, found.id


# --- required documents (资料) -------------------------------------------------------------------

@dataclass
class MaterialState:
    """One required document of a step: attached, on record in the system, not applicable,
    or missing."""

    material: str
    step_code: str
    state: str  # present | on_record | waived | not_needed | missing
    attachments: list[Attachment] = field(default_factory=list)
    waiver: WaiverRow | None = None
    record: tuple[str, str] | None = None  # (label, url) of what the system holds


def flow_materials(flow: FlowDefinition) -> list[str]:
    """Every document any step of the flow requires, in flow order, once each."""
    seen: list[str] = []
    for step in flow.steps:
        for material in step.materials:
            if material not in seen:
                seen.append(material)
    return seen


# The archive's list of documents (受理通知单 … 市政联合审批回执（如有）… in the Wuhu
# optimisation plan, 四(四)3) marks one "（如有）", "if any": we read "X（如有）" as the
# document X of an earlier step, satisfied by a file of kind X, and as not needed when the
# step that produces X was skipped (no municipal approval was needed).
OPTIONAL_SUFFIXES = ("（如有）", "(如有)")


def optional_base(material: str) -> str | None:
    """"市政联合审批回执（如有）" → "市政联合审批回执"; None for a document always required."""
    for suffix in OPTIONAL_SUFFIXES:
        if material.endswith(suffix):
            return material[: -len(suffix)].strip()
    return None


def on_record(app: Application) -> dict[str, tuple[str, str]]:
    """Documents the system itself holds for the application (features answer a signal)."""
    found: dict[str, tuple[str, str]] = {}
    for _receiver, answer in materials_on_record.send(app):
        found.update(answer or {})
    return found


def documents_by_step(app: Application,
                      history: list[Attachment] | list[AttachmentRow] | None = None
                      ) -> dict[str, list[MaterialState]]:
    """For each step that requires documents, the state of each (3 queries in all; 2 given
    the application's `history`, attachments_of(app), already read)."""
    flow = flow_of(app)
    current = attachments_of(app, current_only=True) if history is None else [
        a for a in history if a.current]
    waivers = {w.material: WaiverRow(w.material, w.reason, w.waived_at,
                                     None if w.username is None
                                     else Uploader(w.display_name or w.username))
               for w in plain_rows(_WAIVERS, {"application_id": app.id})}
    records = on_record(app) if any(s.materials for s in flow.steps) else {}
    skipped = {s.code for s in app.steps if s.status.value == "skipped"}
    result: dict[str, list[MaterialState]] = {}
    for step in flow.steps:
        states = []
        for material in step.materials:
            base = optional_base(material)
            files = [a for a in current if a.kind in (material, base)]
            if files:
                states.append(MaterialState(material, step.code, "present", files))
            elif material in records:
                states.append(MaterialState(material, step.code, "on_record",
                                            record=records[material]))
            elif material in waivers:
                states.append(MaterialState(material, step.code, "waived",
                                            waiver=waivers[material]))
            elif base and any(base in s.materials and s.code in skipped for s in flow.steps):
                states.append(MaterialState(material, step.code, "not_needed"))
            else:
                states.append(MaterialState(material, step.code, "missing"))
        if states:
            result[step.code] = states
    return result


def step_for_kind(app: Application, kind: str) -> str | None:
    """The first step that requires a document of this kind (None for other files)."""
    return next((s.code for s in flow_of(app).steps if kind in s.materials), None)
