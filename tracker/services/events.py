"""The append-only event log."""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from ..extensions import db
from ..models import Event, User
from .app_clock import now


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def record(action: str, *, actor: User | None, subject_type: str, subject_id: int | None,
           application_id: int | None = None, at: datetime | None = None, **data: Any) -> Event:
    """Add an event to the session (committed with the change it describes)."""
    event = Event(action=action, actor_id=actor.id if actor else None, subject_type=subject_type,
                  subject_id=subject_id, application_id=application_id, at=at or now(),
                  data=_plain(data))
    db.session.add(event)
    return event
