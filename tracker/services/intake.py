"""Records pushed by the government platforms (工改, 企业开办) and their screening (甄别) into 101
applications: idempotent receipt, the rejected-push log, the screening decision."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import IntakeRecord, RejectedIntake, SubjectType, User
from ..sla import Limit, LimitKind
from . import events, timers
from .clock import app_clock
from .clock import now as clock_now
from .errors import Conflict, DomainError, NotFound, ValidationFailed
from .guards import printable, text_errors

# Known platforms: the platform user's username is the code.
PLATFORMS = {
    "gongai": ("工程建设项目审批管理系统（工改）", "Construction-project approval platform (工改)"),
    "qiyekaiban": ("企业开办平台", "Business-registration platform (企业开办)"),
}
EXCERPT_CHARS = 2000
# A record's fields as the screening queue shows them (and as a change is detected on).
RECORD_FIELDS = ("kind", "project_name", "address", "contact_name", "contact_phone",
                 "water_need", "requested_at")


def platform_name(code: str, lang: str) -> str:
    names = PLATFORMS.get(code)
    if names is None:
        return code
    return names[1] if lang == "en" else names[0]


@dataclass(frozen=True)
class Push:
    """One validated platform record (the API schema has checked types and lengths)."""

    external_id: str
    project_name: str
    kind: str = "project"  # project | company
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    water_need: str = ""
    requested_at: datetime | None = None


def normalise(payload: dict[str, Any]) -> dict[str, Any]:
    """The 企业开办 platform says company_name where 工改 says project_name."""
    data = dict(payload)
    if "project_name" not in data and "company_name" in data:
        data["project_name"] = data["company_name"]
        data.setdefault("kind", "company")
    need = data.get("water_need")
    if isinstance(need, (int, float)) and not isinstance(need, bool):
        data["water_need"] = str(need)
    return data


def kind_of(payload: dict[str, Any] | None) -> str:
    return str(normalise(payload or {}).get("kind") or "project")


def payload_hash(payload: dict[str, Any]) -> str:
    """The record as the platform sent it, canonically: equal payloads hash equal."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- receipt ------------------------------------------------------------------------------

def receive(platform: str, push: Push, payload: dict[str, Any],
            actor: User | None) -> tuple[IntakeRecord, str]:
    """Store a push once per (platform, external id); outcome is created | unchanged | updated
    | changed_after_screening. A new record starts its screening timer."""
    digest = payload_hash(payload)
    for _attempt in range(3):
        try:
            return _receive_once(platform, push, payload, digest, actor)
        except StaleDataError:
            # A concurrent push or screening changed the row between our read and write.
            db.session.rollback()
    raise Conflict("The record changed while it was being saved; send it again.")


def _receive_once(platform: str, push: Push, payload: dict[str, Any], digest: str,
                  actor: User | None) -> tuple[IntakeRecord, str]:
    now = clock_now()
    values = _columns(push)
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    # Insert-or-nothing: of two identical pushes at the same moment exactly one inserts.
    new_id = db.session.execute(
        insert(IntakeRecord).values(
            platform=platform, external_id=push.external_id, payload=payload,
            payload_hash=digest, status="pending", received_at=now, updated_at=now, **values)
        .on_conflict_do_nothing(index_elements=["platform", "external_id"])
        .returning(IntakeRecord.id)).scalar_one_or_none()
    if new_id is not None:
        record = db.session.get(IntakeRecord, new_id, populate_existing=True)
        record.timer = timers.new_timer(
            subject_type=SubjectType.SCREENING, subject_id=record.id, start=now,
            limit=Limit(LimitKind.WORKING_DAYS,
                        float(current_app.config.get("TRACKER_SCREENING_LIMIT_DAYS", 1.0))),
            department=current_app.config.get("TRACKER_SCREENING_DEPARTMENT", "connection_team"),
            clock=app_clock(), label=f"{push.project_name[:120]} 甄别", stage="screening")
        events.record("intake.received", actor=actor, subject_type="intake", subject_id=record.id,
                      platform=platform, external_id=push.external_id)
        db.session.commit()
        return record, "created"

    record = db.session.scalar(
        select(IntakeRecord).where(IntakeRecord.platform == platform,
                                   IntakeRecord.external_id == push.external_id)
        .execution_options(populate_existing=True))
    if record.payload_hash == digest:
        db.session.rollback()
        return record, "unchanged"
    before = {name: getattr(record, name) for name in values}
    before["kind"] = kind_of(record.payload)
    after = {**values, "kind": push.kind}
    changes = {name: {"from": before[name], "to": after[name]}
               for name in RECORD_FIELDS if before[name] != after[name]}
    # The payload kept is always the latest sent, so a repeat of it is "unchanged".
    record.payload = payload
    record.payload_hash = digest
    record.updated_at = now
    if record.status == "pending":
        for name, value in values.items():
            setattr(record, name, value)
        outcome = "updated"
    else:
        # Screened already: the change is logged for the team, the decision stands.
        outcome = "changed_after_screening"
    events.record(f"intake.{outcome}", actor=actor, subject_type="intake", subject_id=record.id,
                  application_id=record.application_id, platform=platform,
                  external_id=push.external_id, changes=changes)
    db.session.commit()
    return record, outcome


def _columns(push: Push) -> dict[str, Any]:
    data = asdict(push)
    data.pop("external_id")
    data.pop("kind")
    return data


def reject(platform: str, status: int, message: str, *, params: dict[str, Any] | None = None,
           fields: dict[str, Any] | None = None, body: bytes = b"", size: int = 0) -> None:
    """Keep a refused push for an administrator (in its own transaction: the refusal stands
    even if nothing else is written)."""
    db.session.rollback()
    reason = json.dumps({"message": message, "params": params or {}, "fields": fields or {}},
                        ensure_ascii=False, default=str)
    db.session.add(RejectedIntake(
        platform=platform[:40], received_at=clock_now(), status_code=status, reason=reason,
        body_excerpt=printable(body[:EXCERPT_CHARS * 4].decode("utf-8", "replace"))[:EXCERPT_CHARS],
        size=size))
    db.session.commit()


def rejection_reason(row: RejectedIntake) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(msgid, params, fields) of a stored rejection; older free text comes back as is."""
    try:
        data = json.loads(row.reason)
        return data["message"], data.get("params") or {}, data.get("fields") or {}
    except (ValueError, KeyError, TypeError):
        return row.reason, {}, {}


def list_rejected(page: int = 1, per_page: int = 50) -> tuple[list[RejectedIntake], int]:
    total = db.session.scalar(select(func.count(RejectedIntake.id))) or 0
    items = list(db.session.scalars(
        select(RejectedIntake).order_by(RejectedIntake.received_at.desc(), RejectedIntake.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    return items, total


# --- the screening queue ------------------------------------------------------------------

def get_record(record_id: int) -> IntakeRecord:
    record = db.session.get(IntakeRecord, record_id)
    if record is None:
        raise NotFound("No pushed record with id %(id)s.", params={"id": record_id})
    return record


def list_records(*, status: str | None = "pending", platform: str | None = None, page: int = 1,
                 per_page: int = 50) -> tuple[list[IntakeRecord], int]:
    """The queue: pending records oldest first; decided ones newest first."""
    query = select(IntakeRecord)
    if status:
        query = query.where(IntakeRecord.status == status)
    if platform:
        query = query.where(IntakeRecord.platform == platform)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (IntakeRecord.received_at, IntakeRecord.id) if status == "pending" \
        else (IntakeRecord.received_at.desc(), IntakeRecord.id.desc())
    items = list(db.session.scalars(query.order_by(*order).limit(per_page)
                                    .offset((page - 1) * per_page)).unique())
    return items, total


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(IntakeRecord.status, func.count())
                              .group_by(IntakeRecord.status)).all()
    return {status: int(count) for status, count in rows}


def screen(record_id: int, decision: str, actor: User, *, reason: str = "",
           requested_at: datetime | None = None, expected_version: int | None = None):
    """甄别: "needs_water" creates the 101 application (clock from the requested time);
    "no_need" closes the record with the reason. Either finishes the screening timer.
    Returns (record, application or None)."""
    from .applications import NewApplication, create_application
    from .flows import ensure_synced

    # The first use of the flow files stores them and commits: that must happen before this
    # transaction changes the record, or a refused application would leave it half-screened.
    ensure_synced()
    record = get_record(record_id)
    if expected_version is not None and expected_version != record.version_id:
        raise Conflict("Someone else changed this record first; reload and try again.")
    if record.status != "pending":
        raise Conflict("This record has already been screened.")
    reason = (reason or "").strip()
    if decision not in ("needs_water", "no_need"):
        raise ValidationFailed("Unknown decision.", fields={"decision": ["Unknown decision."]})
    if text_errors(reason=reason):
        raise ValidationFailed("The decision has errors.", fields=text_errors(reason=reason))
    if decision == "no_need" and not reason:
        raise ValidationFailed("Say why there is no need for water.",
                               fields={"reason": ["Required."]})
    if (decision == "needs_water" and requested_at is not None
            and record.requested_at is not None and requested_at != record.requested_at):
        # 003 三（二）2 "按客户需求的时间": the customer's time is kept, however late the screening
        # (that lateness is the screening duty's); a later date the customer asks for is a
        # customer_deferral pause on the application, not a new requested time.
        raise ValidationFailed("The customer's requested time from the platform is kept.",
                               fields={"requested_at": [("The platform's requested time is kept; "
                                                        "record a customer deferral instead.")]})
    requested = requested_at or record.requested_at
    if decision == "needs_water" and requested is None:
        raise ValidationFailed("The platform gave no requested connection time: give it.",
                               fields={"requested_at": ["Required."]})
    now, clock, timer = clock_now(), app_clock(), record.timer
    try:
        with db.session.no_autoflush:
            record.status = decision
            record.screened_at = now
            record.screened_by_id = actor.id
            record.no_need_reason = reason if decision == "no_need" else ""
            if decision == "needs_water" and requested != record.requested_at:
                record.requested_at = requested
            if timer is not None:
                timers.finish(timer, now, clock, ())
        # Written now so a second screener at the same moment fails here, not after creating
        # an application of their own.
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("Someone else screened this record at the same moment; reload.") from None
    events.record("intake.screened", actor=actor, subject_type="intake", subject_id=record.id,
                  decision=decision, reason=reason, requested_at=requested,
                  late=bool(record.timer and record.timer.late))
    if decision == "no_need":
        _commit()
        return record, None
    try:
        app = create_application(NewApplication(
            flow="101", customer_name=record.project_name, customer_type="company",
            contact_name=record.contact_name, contact_phone=record.contact_phone,
            address=record.address, channel="platform", requested_at=requested,
            note=_note(record)), actor, intake_id=record.id)
    except DomainError:
        db.session.rollback()
        raise
    # The application is committed; link it without the version check, so a platform push
    # landing in between cannot leave the record unlinked.
    db.session.execute(update(IntakeRecord).where(IntakeRecord.id == record.id)
                       .values(application_id=app.id, version_id=IntakeRecord.version_id + 1))
    db.session.commit()
    return get_record(record_id), app


def _note(record: IntakeRecord) -> str:
    parts = [f"{platform_name(record.platform, 'zh')} {record.external_id}"]
    if record.water_need:
        parts.append(f"用水需求：{record.water_need}")
    return "；".join(parts)


def changed_after_screening(record: IntakeRecord) -> bool:
    return record.screened_at is not None and record.updated_at > record.screened_at


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("Someone else changed this record at the same moment; "
                       "reload and try again.") from None


# --- presenting ---------------------------------------------------------------------------

def present_record(record: IntakeRecord, lang: str) -> dict[str, Any]:
    """A pushed record with its screening SLA (times in Beijing time)."""
    from ..models import Application
    from .presenters import local, timer_fields

    number = db.session.scalar(select(Application.number)
                               .where(Application.id == record.application_id)) \
        if record.application_id else None
    return {
        "id": record.id, "platform": record.platform,
        "platform_name": platform_name(record.platform, lang),
        "external_id": record.external_id, "kind": kind_of(record.payload),
        "project_name": record.project_name, "address": record.address,
        "contact_name": record.contact_name, "contact_phone": record.contact_phone,
        "water_need": record.water_need, "requested_at": local(record.requested_at),
        "status": record.status, "received_at": local(record.received_at),
        "updated_at": local(record.updated_at), "screened_at": local(record.screened_at),
        "screened_by": record.screened_by.label if record.screened_by else None,
        "no_need_reason": record.no_need_reason, "application_number": number,
        "changed_after_screening": changed_after_screening(record),
        "payload": record.payload or {}, "version": record.version_id,
        "sla": timer_fields(record.timer, clock_now(), app_clock(), []),
    }


def present_rejected(row: RejectedIntake) -> dict[str, Any]:
    """A refused push with its reason in the reader's language."""
    from ..errors import translate, translate_tree
    from .presenters import local

    message, params, errors = rejection_reason(row)
    return {"id": row.id, "platform": row.platform, "received_at": local(row.received_at),
            "status_code": row.status_code, "reason": translate(message, params),
            "errors": translate_tree(errors), "body_excerpt": row.body_excerpt, "size": row.size}
