"""The application list's items in their dumped form, straight from the page's rows.

`present_listed` then the compiled `ApplicationPage` dump built each item twice (a dict of
Python values, then a dict of JSON values); here each row becomes the dumped dict at once:
instants as local ISO text, enums as their values, booleans as booleans, exactly what the
documented `ApplicationOut` schema gives for the list (tests/api/test_list_bytes.py compares
the answers byte for byte). The deadline's fields still come from services.timers.describe,
the one rule for a timer's state.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from ..i18n import pick
from ..localtime import LOCAL
from ..models import AppStatus, TimerState
from ..services.flows import definition_by_id
from ..services.pause_scope import intervals_for
from ..services.queries import (
    TIMER_COLUMNS,
    ListedTimer,
    StoredForms,
    decode_current,
    decode_pauses,
)
from ..services.timers import FINISHED, KeptFinished, describe
from ..sla import WorkingClock

_NOT_STARTED = {"state": "not_started", "due_at": None, "remaining_hours": None,
                "remaining_days": None, "over_hours": None, "over_days": None,
                "used_ratio": None, "provisional": False, "started_at": None, "limit": None}
_STATES = {state.value: state for state in TimerState}
_STATES.update({state: state for state in TimerState})
_CANCELLED = AppStatus.CANCELLED.value
TIMER_FIELDS = tuple(f"timer_{name}" for name in TIMER_COLUMNS)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(LOCAL).isoformat()


# The fields a list row is read for, by name; fetched from each row at once by position
# (an itemgetter in C): a Row's attribute access by name cost more than building the item.
_FIELDS = ("number", "flow_code", "flow_version", "flow_version_id", "content_hash",
           "customer_type", "customer_name", "contact_name", "contact_phone", "address",
           "channel", "attributes", "accepted_at", "requested_at", "missing_materials",
           "materials_promised_on", "materials_supplied_at", "note", "status",
           "cancel_reason", "cancelled_at", "water_on_at", "completed_at", "version_id",
           "owner_username", "owner_display", "pauses", "current", *TIMER_FIELDS)
_getters: dict[tuple[str, ...], Callable[[Any], tuple]] = {}


def _getter(rows: list[Any]) -> Callable[[Any], tuple]:
    """The itemgetter of _FIELDS for rows with these column names (a page's rows share them)."""
    keys = tuple(rows[0]._fields)
    found = _getters.get(keys)
    if found is None:
        found = _getters[keys] = itemgetter(*(keys.index(name) for name in _FIELDS))
    return found


# An instant's stored value read and written as local ISO text, kept per process: a pure
# function of the value (the zone is the process's), and the same instants come back on
# every read of a page (an overdue list's first pages are its oldest, finished
# applications). Reading and formatting one cost ~4 us, 40% of a 50-row page's items.
_KEPT_INSTANTS = 16_384


def _kept_readers(forms: StoredForms) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """A database's two memos of stored instants: the aware instant, and its local ISO text.
    One memo per StoredForms keyed by the value alone: keyed by (forms, value), each look-up
    hashed the frozen dataclass's four fields (~2 us, eight times a row)."""

    @lru_cache(maxsize=_KEPT_INSTANTS)
    def instant(value: Any) -> datetime | None:
        return None if value is None else forms.instant(value)

    @lru_cache(maxsize=_KEPT_INSTANTS)
    def local_text(value: Any) -> str | None:
        return None if value is None else instant(value).astimezone(LOCAL).isoformat()

    return instant, local_text


_READERS: dict[int, tuple[StoredForms, Callable[[Any], Any], Callable[[Any], Any]]] = {}


def _readers_of(forms: StoredForms) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    kept = _READERS.get(id(forms))
    if kept is None or kept[0] is not forms:
        kept = _READERS[id(forms)] = (forms, *_kept_readers(forms))
    return kept[1], kept[2]


class _Page:
    """One page's readers of stored values (StoredForms); the JSON texts a page's rows share
    ('{}', '[]', the flow's limit) parsed once. `instant(value)`: an instant column's value as
    an aware datetime; `iso(value)`: its local ISO text, as ApplicationOut dumps it."""

    def __init__(self, forms: StoredForms) -> None:
        self.forms = forms
        self.instant, self.iso = _readers_of(forms)
        self._parsed: dict[str, Any] = {}

    def json(self, value: Any) -> Any:
        """A JSON column's value (shared: copy it before handing it out)."""
        if type(value) is not str:
            return self.forms.json(value)
        found = self._parsed.get(value, _MISSING)
        if found is _MISSING:
            found = self._parsed[value] = self.forms.json(value)
        return found


_MISSING = object()
_FINISHED = frozenset((*(state.value for state in FINISHED), *FINISHED))
# The dumped deadline of a finished timer with no pause (timers.KeptFinished), keyed by
# every stored value describe reads but the limit (given again each time: a dict on
# PostgreSQL).
_KEPT_FINISHED = KeptFinished(8_192)


def _sla(page: _Page, timer_values: tuple, pauses: list, now: datetime, clock: WorkingClock,
         day_seconds: float, finished: dict[tuple, dict[str, Any]]) -> dict[str, Any]:
    """sla_fields.timer_fields of the row's own timer, dumped as SlaOut dumps it."""
    (timer_id, subject_type, step_code, limit, round_the_clock, started_at, budget_seconds,
     due_at, warn_at, provisional, state, completed_at, late) = timer_values
    if timer_id is None:
        return dict(_NOT_STARTED)
    limit = page.json(limit)
    key = None
    if state in _FINISHED and not pauses:
        key = (timer_id, subject_type, step_code, round_the_clock, started_at, budget_seconds,
               due_at, warn_at, provisional, state, completed_at, late)
        kept = finished.get(key)
        if kept is not None:
            view = dict(kept)
            view["limit"] = None if limit is None else dict(limit)
            return view
    instant, flag = page.instant, page.forms.flag
    due = instant(due_at)
    timer = ListedTimer(timer_id, subject_type, step_code, limit, flag(round_the_clock),
                        instant(started_at), budget_seconds, due, instant(warn_at),
                        flag(provisional), _STATES[state], instant(completed_at), flag(late))
    concerned = intervals_for(pauses, subject_type, step_code) if pauses else []
    view = describe(timer, now, clock, concerned).as_dict(day_seconds)
    shown = view["due_at"]
    view["due_at"] = page.iso(due_at) if shown is due else _iso(shown)
    view["started_at"] = page.iso(started_at)
    view["provisional"] = bool(view["provisional"])
    if key is not None:
        finished[key] = dict(view)
    view["limit"] = None if limit is None else dict(limit)
    return view


def listed_items(rows: list[Any], forms: StoredForms, now: datetime, clock: WorkingClock,
                 lang: str) -> list[dict[str, Any]]:
    """The page's stored rows (services.queries.list_stored_rows) as ApplicationOut dumps
    them."""
    if not rows:
        return []
    day_seconds = clock.working_day_length.total_seconds()
    names: dict[tuple[int, str], str] = {}
    fields = _getter(rows)
    page = _Page(forms)
    iso, parsed, day_text = page.iso, page.json, forms.day_text
    finished = _KEPT_FINISHED.of(clock)
    items = []
    for row in rows:
        (number, flow_code, flow_version, version_id_of_flow, content_hash, customer_type,
         customer_name, contact_name, contact_phone, address, channel, attributes,
         accepted_at, requested_at, missing, promised_on, supplied_at, note, status,
         cancel_reason, cancelled_at, water_on_at, completed_at, version, owner_username,
         owner_display, pauses_json, current_json, *timer_values) = fields(row)
        key = (version_id_of_flow, content_hash)
        flow_name = names.get(key)
        if flow_name is None:
            flow = definition_by_id(*key)
            flow_name = names[key] = pick(flow.name_zh, flow.name_en, lang)
        pauses = decode_pauses(pauses_json)
        attributes = parsed(attributes)
        missing = parsed(missing)
        items.append({
            "number": number,
            "flow": flow_code,
            "flow_version": flow_version,
            "flow_name": flow_name,
            "customer_type": customer_type,
            "customer_name": customer_name,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "address": address,
            "channel": channel,
            "attributes": None if attributes is None else dict(attributes),
            "accepted_at": iso(accepted_at),
            "requested_at": iso(requested_at),
            "missing_materials": None if missing is None else [str(m) for m in missing],
            "materials_promised_on": day_text(promised_on),
            "materials_supplied_at": iso(supplied_at),
            "note": note,
            "status": status,
            "cancel_reason": cancel_reason,
            "cancelled_at": iso(cancelled_at),
            "water_on_at": iso(water_on_at),
            "completed_at": iso(completed_at),
            "paused": any(p.end is None for p in pauses),
            "version": version,
            "owner": owner_username,
            "owner_name": owner_display or owner_username,
            "sla": _sla(page, timer_values, pauses, now, clock, day_seconds, finished),
            "current_steps": [] if status == _CANCELLED else decode_current(current_json),
        })
    return items
