"""The application list's items in their dumped form, straight from the page's rows.

`present_listed` then the compiled `ApplicationPage` dump built each item twice (a dict of
Python values, then a dict of JSON values); here each row becomes the dumped dict at once:
instants as local ISO text, enums as their values, booleans as booleans, exactly what the
documented `ApplicationOut` schema gives for the list (tests/api/test_list_bytes.py compares
the answers byte for byte). The deadline's fields still come from services.timers.describe,
the one rule for a timer's state.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..i18n import pick
from ..localtime import LOCAL
from ..models import AppStatus, TimerState
from ..services.flows import definition_by_id
from ..services.pause_scope import intervals_for
from ..services.queries import ListedTimer, decode_current, decode_pauses
from ..services.timers import describe
from ..sla import WorkingClock

_NOT_STARTED = {"state": "not_started", "due_at": None, "remaining_hours": None,
                "remaining_days": None, "over_hours": None, "over_days": None,
                "used_ratio": None, "provisional": False, "started_at": None, "limit": None}
_STATES = {state.value: state for state in TimerState}
_STATES.update({state: state for state in TimerState})
_CANCELLED = AppStatus.CANCELLED


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(LOCAL).isoformat()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sla(row: Any, pauses: list, now: datetime, clock: WorkingClock,
         day_seconds: float) -> dict[str, Any]:
    """sla_fields.timer_fields of the row's own timer, dumped as SlaOut dumps it."""
    if row.timer_id is None:
        return dict(_NOT_STARTED)
    timer = ListedTimer(row.timer_id, row.timer_subject_type, row.timer_step_code,
                        row.timer_limit, row.timer_round_the_clock, row.timer_started_at,
                        row.timer_budget_seconds, row.timer_due_at, row.timer_warn_at,
                        row.timer_provisional, _STATES[row.timer_state],
                        row.timer_completed_at, row.timer_late)
    concerned = intervals_for(pauses, timer.subject_type, timer.step_code) if pauses else []
    view = describe(timer, now, clock, concerned).as_dict(day_seconds)
    view["due_at"] = _iso(view["due_at"])
    view["started_at"] = _iso(timer.started_at)
    view["provisional"] = bool(view["provisional"])
    limit = timer.limit
    view["limit"] = None if limit is None else dict(limit)
    return view


def listed_items(rows: list[Any], now: datetime, clock: WorkingClock,
                 lang: str) -> list[dict[str, Any]]:
    """The page's rows (services.queries.list_rows) as ApplicationOut dumps them."""
    day_seconds = clock.working_day_length.total_seconds()
    names: dict[tuple[int, str], str] = {}
    items = []
    for row in rows:
        key = (row.flow_version_id, row.content_hash)
        flow_name = names.get(key)
        if flow_name is None:
            flow = definition_by_id(*key)
            flow_name = names[key] = pick(flow.name_zh, flow.name_en, lang)
        pauses = decode_pauses(row.pauses)
        status = row.status
        attributes, missing = row.attributes, row.missing_materials
        items.append({
            "number": row.number,
            "flow": row.flow_code,
            "flow_version": row.flow_version,
            "flow_name": flow_name,
            "customer_type": row.customer_type.value,
            "customer_name": row.customer_name,
            "contact_name": row.contact_name,
            "contact_phone": row.contact_phone,
            "address": row.address,
            "channel": row.channel.value,
            "attributes": None if attributes is None else dict(attributes),
            "accepted_at": _iso(row.accepted_at),
            "requested_at": _iso(row.requested_at),
            "missing_materials": None if missing is None else [str(m) for m in missing],
            "materials_promised_on": _day(row.materials_promised_on),
            "materials_supplied_at": _iso(row.materials_supplied_at),
            "note": row.note,
            "status": status.value,
            "cancel_reason": row.cancel_reason,
            "cancelled_at": _iso(row.cancelled_at),
            "water_on_at": _iso(row.water_on_at),
            "completed_at": _iso(row.completed_at),
            "paused": any(p.end is None for p in pauses),
            "version": row.version_id,
            "owner": row.owner_username,
            "owner_name": row.owner_display or row.owner_username,
            "sla": _sla(row, pauses, now, clock, day_seconds),
            "current_steps": [] if status is _CANCELLED else decode_current(row.current),
        })
    return items

