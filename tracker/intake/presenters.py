"""Pushed records and refused pushes as plain data for the API and pages."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..errors import translate, translate_tree
from ..extensions import db
from ..localtime import local
from ..models import Application
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.sla_fields import timer_fields
from .models import IntakeRecord, RejectedIntake
from .platforms import kind_of, platform_name
from .queries import changed_after_screening, rejection_reason


def present_record(record: IntakeRecord, lang: str) -> dict[str, Any]:
    """A pushed record with its screening SLA (times in Beijing time)."""
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
    message, params, errors = rejection_reason(row)
    return {"id": row.id, "platform": row.platform, "received_at": local(row.received_at),
            "status_code": row.status_code, "reason": translate(message, params),
            "errors": translate_tree(errors), "body_excerpt": row.body_excerpt, "size": row.size}
