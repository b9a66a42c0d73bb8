"""Words the pages show for codes: SLA states, statuses, channels, roles, event actions."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .formatting import pattern

STATES = {
    "on_track": _l("On track"),
    "warning": _l("Warning"),
    "overdue": _l("Overdue"),
    "paused": _l("Paused"),
    "done_on_time": _l("Done on time"),
    "done_late": _l("Done late"),
    "not_started": _l("Not started"),
    "skipped": _l("Skipped"),
    "cancelled": _l("Cancelled"),
}
# A sign beside the colour, so that the state never rests on colour alone.
STATE_SIGNS = {
    "on_track": "●", "warning": "▲", "overdue": "✖", "paused": "❚❚", "done_on_time": "✔",
    "done_late": "✔!", "not_started": "○", "skipped": "↷", "cancelled": "—",
}

APP_STATUSES = {"open": _l("In progress"), "completed": _l("Completed"),
                "cancelled": _l("Cancelled")}
STEP_STATUSES = {"waiting": _l("Waiting"), "ready": _l("Ready"), "started": _l("Started"),
                 "done": _l("Done"), "skipped": _l("Skipped"),
                 "cancelled": _l("Cancelled")}
CHANNELS = {"window": _l("Window"), "online": _l("Online"), "phone": _l("Phone"),
            "platform": _l("Platform push")}
CUSTOMER_TYPES = {"company": _l("Company"), "person": _l("Person")}
ROLES = {"clerk": _l("Clerk"), "engineer": _l("Engineer"), "team_lead": _l("Team lead"),
         "admin": _l("Administrator"), "auditor": _l("Auditor (read-only)"),
         "platform": _l("Platform account"),
         "assessor": _l("Assessor (assessment office)")}
DAY_KINDS = {"working": _l("Working day"), "weekend": _l("Weekend"),
             "holiday": _l("Public holiday"), "makeup_working": _l("Make-up working day"),
             "closure": _l("Local closure"), "local_working": _l("Local extra working day"),
             "partial_closure": _l("Closed for part of the day")}

# What an SLA timer measures (models.timers.SubjectType).
SUBJECTS = {"application": _l("Whole application"), "step": _l("Step"),
            "screening": _l("Screening"), "callback": _l("Callback"),
            "followup": _l("Home-visit follow-up"), "problem": _l("Problem"),
            "materials": _l("Documents promised (容缺受理)"),
            "appointment": _l("Online appointment"),
            "supervision": _l("Supervision notice (督办单)"),
            "appeal": _l("Assessment appeal")}

# The core's events; each feature's pages module adds the words of its own (EVENT_WORDS,
# joined by the factory through register_event_words).
EVENTS: dict[str, Any] = {
    "application.created": _l("Application registered"),
    "application.updated": _l("Customer details changed"),
    "application.cancelled": _l("Application cancelled"),
    "step.started": _l("Step started"),
    "step.completed": _l("Step completed"),
    "step.skipped": _l("Step skipped"),
    "duty.on_behalf": _l("Done on behalf (代办)"),
    "pause.started": _l("Clock paused"),
    "pause.ended": _l("Clock resumed"),
    "materials.supplied": _l("Missing materials supplied"),
    "deadline.moved": _l("Deadline recomputed (calendar change)"),
    "calendar.closure_added": _l("Local closure added"),
    "calendar.closure_removed": _l("Local closure removed"),
    "sla.warning": _l("Time limit nearly used (warning)"),
    "sla.overdue": _l("Time limit passed (overdue)"),
    "calendar.schedule_changed": _l("Holiday schedule changed"),
    "user.locked": _l("Account locked"),
    "application.owner_changed": _l("Owner changed"),
    "duty.assigned": _l("Duty assigned"),
}

FIELDS = {
    "customer_name": _l("Customer"), "contact_name": _l("Contact person"),
    "contact_phone": _l("Phone"), "address": _l("Address"), "note": _l("Note"),
    "materials_promised_on": _l("Materials promised on"),
}


def register_event_words(app: Flask, words: dict[str, Any]) -> None:
    """Add a feature's event words to the event log's table (one word per action)."""
    for action, word in words.items():
        known = EVENTS.get(action)
        if known is not None and _msgid(known) != _msgid(word):
            raise ValueError(f"event {action!r} has two different words")
        EVENTS[action] = word


def _msgid(word: Any) -> str:
    """The English msgid of a lazy string (or the text itself)."""
    return str(getattr(word, "_args", (word,))[0])


def label(table: dict[str, Any], code: Any) -> str:
    """The word for a code, or the code itself when it is unknown (never an error)."""
    code = getattr(code, "value", code)
    value = table.get(code)
    return word(value) if value is not None else str(code)


def word(value: Any) -> str:
    """str(value): a lazy word's translation, looked up once per language (formatting.pattern;
    a list's badges ask for the same few words hundreds of times)."""
    if isinstance(value, LazyString) and value._func is gettext and len(value._args) == 1 \
            and not value._kwargs:
        return pattern(value._args[0])
    return str(value)
