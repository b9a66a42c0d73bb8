"""Records pushed by the government platforms (工改, 企业开办) and their screening (甄别) into 101
applications: idempotent receipt, the rejected-push log, the screening decision."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import SubjectType, User
from ..services import events, timers
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.applications import NewApplication, create_application
from ..services.errors import Conflict, ValidationFailed
from ..services.transaction import check_version, transactional
from ..settings import settings
from ..sla import Limit, LimitKind
from ..text import printable, text_errors
from .models import IntakeRecord, RejectedIntake
from .platforms import RECORD_FIELDS, Push, kind_of, payload_hash, platform_name
from .queries import get_record

EXCERPT_CHARS = 2000


# --- receipt ------------------------------------------------------------------------------

# A concurrent push or screening may change the row between our read and write: try again.
@transactional(stale="The record changed while it was being saved; send it again.", retries=2)
def receive(platform: str, push: Push, payload: dict[str, Any],
            actor: User | None) -> tuple[IntakeRecord, str]:
    """Store a push once per (platform, external id); outcome is created | unchanged | updated
    | changed_after_screening. A new record starts its screening timer."""
    digest = payload_hash(payload)
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
            limit=Limit(LimitKind.WORKING_DAYS, settings().screening_limit_days),
            department=settings().screening_department,
            clock=app_clock(), label=f"{push.project_name[:120]} 甄别", stage="screening")
        events.record("intake.received", actor=actor, subject_type="intake", subject_id=record.id,
                      platform=platform, external_id=push.external_id)
        return record, "created"

    record = db.session.scalar(
        select(IntakeRecord).where(IntakeRecord.platform == platform,
                                   IntakeRecord.external_id == push.external_id)
        .execution_options(populate_existing=True))
    if record.payload_hash == digest:
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
    return record, outcome


def _columns(push: Push) -> dict[str, Any]:
    data = asdict(push)
    data.pop("external_id")
    data.pop("kind")
    return data


@transactional
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


# --- the screening decision ---------------------------------------------------------------

@transactional(stale="Someone else screened this record at the same moment; reload.")
def screen(record_id: int, decision: str, actor: User, *, reason: str = "",
           requested_at: datetime | None = None, expected_version: int | None = None):
    """甄别: "needs_water" creates the 101 application (clock from the requested time);
    "no_need" closes the record with the reason. Either finishes the screening timer.
    Returns (record, application or None)."""
    record = get_record(record_id)
    check_version(record, expected_version)
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
    with db.session.no_autoflush:
        record.status = decision
        record.screened_at = now
        record.screened_by_id = actor.id
        record.no_need_reason = reason if decision == "no_need" else ""
        if decision == "needs_water" and requested != record.requested_at:
            record.requested_at = requested
        if timer is not None:
            timers.finish(timer, now, clock, ())
    # Written now so a second screener at the same moment fails here (a 409, nothing kept),
    # not after creating an application of their own.
    db.session.flush()
    events.record("intake.screened", actor=actor, subject_type="intake", subject_id=record.id,
                  decision=decision, reason=reason, requested_at=requested,
                  late=bool(record.timer and record.timer.late))
    if decision == "no_need":
        return record, None
    # The application joins this transaction: a refused one leaves the record unscreened.
    app = create_application(NewApplication(
        flow="101", customer_name=record.project_name, customer_type="company",
        contact_name=record.contact_name, contact_phone=record.contact_phone,
        address=record.address, channel="platform", requested_at=requested,
        note=_note(record)), actor, intake_id=record.id)
    record.application_id = app.id
    return record, app


def _note(record: IntakeRecord) -> str:
    parts = [f"{platform_name(record.platform, 'zh')} {record.external_id}"]
    if record.water_need:
        parts.append(f"用水需求：{record.water_need}")
    return "；".join(parts)
