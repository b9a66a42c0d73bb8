"""The tracker's settings as one typed, validated object, built by `create_app`.

Defaults live once, as the `TRACKER_*` attributes of `tracker.config.Config` (environment
variable `TRACKER_<NAME>`). `create_app` turns them into a `Settings` and checks every one:
a bad office-hours text, closure list, JSON value or number stops the start-up with the
variable named, instead of failing at the first request that reads it. Code reads
`settings().<name>`, never `current_app.config.get(name, default)`.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .config import Config
from .phone import phone_error
from .sla import Closure, parse_office_hours
from .sla.calendar import default_holidays_dir
from .sla.clock import OfficeHours


class SettingsError(ValueError):
    """A setting that cannot be used; the message starts with the variable's name."""


_CLOSURE_ITEM = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:\s+(\d{1,2}:\d{2})?-(\d{1,2}:\d{2})?)?:(\w+):?(.*)$")


def parse_closures(text: str) -> tuple[Closure, ...]:
    """'2026-07-15:off:台风停工;2026-07-16 14:00-:off:台风;2026-08-01:work:抢修' → closures
    (configuration form; "DATE HH:MM-HH:MM" closes part of a day, either end may be left out)."""
    closures = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        match = _CLOSURE_ITEM.match(item)
        if match is None:
            raise ValueError(f"TRACKER_LOCAL_CLOSURES: bad entry {item!r}: expected "
                             "'YYYY-MM-DD[ HH:MM-HH:MM]:off|work:reason'")
        day_text, start_text, end_text, kind, reason = match.groups()
        if kind not in ("off", "work"):
            raise ValueError(f"TRACKER_LOCAL_CLOSURES: {item!r}: kind must be 'off' or 'work'")
        try:
            day = date.fromisoformat(day_text)
            start = time.fromisoformat(start_text.zfill(5)) if start_text else None
            end = time.fromisoformat(end_text.zfill(5)) if end_text else None
            closures.append(Closure(day=day, working=kind == "work", reason=reason or kind,
                                    start=start, end=end, recorded_by="TRACKER_LOCAL_CLOSURES"))
        except ValueError as exc:
            raise ValueError(f"TRACKER_LOCAL_CLOSURES: bad entry {item!r}: {exc}") from None
    return tuple(closures)


@dataclass(frozen=True)
class Settings:
    """Every TRACKER_* setting, typed (the names drop the prefix and are lower case)."""

    office_hours: str
    local_closures: str
    holidays_dir: str
    flows_dir: str
    warning_ratio: float
    backdate_working_days: float
    backdate_margin_minutes: int
    page_size_max: int
    login_max_failures: int
    login_lock_minutes: float
    session_cookie_secure: bool
    scheduler: str
    watch_seconds: int
    webhooks: dict[str, str]
    emails: dict[str, Any]
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_sender: str
    notify_max_attempts: int
    assessment_rules: dict[str, dict[str, Any]]
    callback_limit_days: float
    callback_department: str
    review_followup_department: str
    screening_department: str
    followup_limit_days: float
    screening_limit_days: float
    problem_verify_days: float
    problem_recheck_days: float
    problem_recheck_department: str
    # Separation of duties (services/duties.py): a duty only by its department's staff or a 代办
    separate_duties: bool
    intake_max_bytes: int
    # Escalation (tracker/escalation)
    escalation_levels: dict[str, Any]
    supervision_answer_days: float
    department_heads: dict[str, str]
    inspection_department: str
    # Documents (tracker/documents)
    require_documents: bool
    attachment_max_bytes: int
    attachment_types: str
    utility_name: str
    utility_phone: str
    public_url: str
    # The customer's view (tracker/customer)
    appointment_limit_days: float
    appointment_department: str
    public_rate_window_seconds: int
    public_rate_per_address: int
    public_rate_per_number: int
    sms_gateway_url: str
    sms_signature: str
    sms_template: dict[str, Any]
    platform_callbacks: dict[str, str]
    # The assessment's review and appeals (tracker/assessment)
    assessment_appeal_days: int
    assessment_appeal_decision_days: int
    assessment_department: str
    # The monthly report's downloads through the job above this many applications a month
    report_inline_limit: int
    # Derived when built: the parsed forms of the two texts above.
    periods: OfficeHours = ()
    closures: tuple[Closure, ...] = ()

    @property
    def holidays_path(self) -> Path:
        """The holiday files' folder: TRACKER_HOLIDAYS_DIR, or the files shipped in the
        package (tracker/sla/holidays/) when it is empty."""
        return Path(self.holidays_dir) if self.holidays_dir else default_holidays_dir()

    @property
    def flows_path(self) -> Path | None:
        return Path(self.flows_dir) if self.flows_dir else None

    @property
    def attachment_type_list(self) -> list[str]:
        """TRACKER_ATTACHMENT_TYPES as a list: "image/jpeg,application/pdf" → two types."""
        return [t.strip() for t in self.attachment_types.split(",") if t.strip()]

    @classmethod
    def from_config(cls, config: Any) -> Settings:
        """Read and check every setting of a Flask config (SettingsError names the first bad one)."""
        values: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            if spec.name in ("periods", "closures"):
                continue
            name = f"TRACKER_{spec.name.upper()}"
            if name not in config:
                raise SettingsError(f"{name}: not set (tracker.config.Config defines it)")
            values[spec.name] = _typed(name, config[name], spec.type)
        # A configured rule table may name only the rules it changes; the others keep
        # Config's range and default (one table of defaults).
        values["assessment_rules"] = _complete_rules(values["assessment_rules"])
        _check(values)
        try:
            periods = parse_office_hours(values["office_hours"])
        except ValueError as exc:
            raise SettingsError(f"TRACKER_OFFICE_HOURS: {exc}") from None
        try:
            closures = parse_closures(values["local_closures"])
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        return cls(**values, periods=periods, closures=closures)


_TYPES = {"str": str, "int": int, "float": float}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _typed(name: str, value: Any, kind: str) -> Any:
    """The value as the declared type; numbers given as text are read, anything else refused."""
    if kind.startswith("dict"):
        if not isinstance(value, dict):
            raise SettingsError(f"{name}: must be a JSON object, not {value!r}")
        return dict(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise SettingsError(f"{name}: must be true or false, not {value!r}")
    target = _TYPES[kind]
    if target is str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise SettingsError(f"{name}: must be text, not {value!r}")
        return value
    if isinstance(value, bool):
        raise SettingsError(f"{name}: must be a number, not {value!r}")
    try:
        number = target(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name}: must be a {'whole ' if target is int else ''}number, "
                            f"not {value!r}") from None
    if target is int and isinstance(value, float) and not value.is_integer():
        raise SettingsError(f"{name}: must be a whole number, not {value!r}")
    return number


def _check(values: dict[str, Any]) -> None:
    def refuse(name: str, why: str) -> None:
        raise SettingsError(f"TRACKER_{name.upper()}: {why}, not {values[name]!r}")

    if not 0 < values["warning_ratio"] < 1:
        refuse("warning_ratio", "must lie between 0 and 1")
    if phone_error(values["utility_phone"]):
        refuse("utility_phone", "must be a phone number (e.g. 0553-96306, 95598, 400-123-4567)")
    for name in ("backdate_working_days", "backdate_margin_minutes"):
        if values[name] < 0:
            refuse(name, "must not be negative")
    for name in ("callback_limit_days", "followup_limit_days", "screening_limit_days",
                 "problem_verify_days", "problem_recheck_days", "login_lock_minutes",
                 "appointment_limit_days"):
        if values[name] <= 0:
            refuse(name, "must be more than 0")
    for name in ("page_size_max", "login_max_failures", "watch_seconds", "notify_max_attempts",
                 "intake_max_bytes", "smtp_port", "attachment_max_bytes",
                 "public_rate_window_seconds", "public_rate_per_address",
                 "public_rate_per_number"):
        if values[name] < 1:
            refuse(name, "must be at least 1")
    if values["report_inline_limit"] < 0:
        refuse("report_inline_limit", "must not be negative")
    for name in ("assessment_appeal_days", "assessment_appeal_decision_days"):
        if values[name] < 1:
            refuse(name, "must be at least 1 working day")
    values["scheduler"] = values["scheduler"].strip().lower()
    if values["scheduler"] not in ("auto", "off"):
        refuse("scheduler", "must be 'auto' or 'off'")
    for setting in ("webhooks", "platform_callbacks"):
        for code, url in values[setting].items():
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise SettingsError(f"TRACKER_{setting.upper()}: {code!r} must map to an "
                                    f"http(s) URL, not {url!r}")
    for name in ("sms_gateway_url", "public_url"):
        if values[name] and not values[name].startswith(("http://", "https://")):
            refuse(name, "must be an http(s) URL or empty")
    if not values["attachment_types"].strip() or any(
            "/" not in kind for kind in values["attachment_types"].split(",") if kind.strip()):
        refuse("attachment_types", "must be a comma-separated list of types such as "
                                   "image/jpeg,application/pdf")
    for code, addresses in values["emails"].items():
        if not isinstance(addresses, (str, list)) or (
                isinstance(addresses, list) and not all(isinstance(a, str) for a in addresses)):
            raise SettingsError(f"TRACKER_EMAILS: {code!r} must map to an address or a list of "
                                f"addresses, not {addresses!r}")
    if values["supervision_answer_days"] <= 0:
        refuse("supervision_answer_days", "must be more than 0")
    _check_escalation(values["escalation_levels"])
    _check_assessment_rules(values["assessment_rules"])


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and value >= 0


def _complete_rules(rules: dict[str, Any]) -> dict[str, Any]:
    known = Config.TRACKER_ASSESSMENT_RULES
    unknown = sorted(set(rules) - set(known))
    if unknown:
        raise SettingsError(f"TRACKER_ASSESSMENT_RULES: unknown rule {unknown[0]!r}; the rules "
                            f"are {', '.join(known)}")
    return {**known, **rules}


def _check_assessment_rules(rules: Any) -> None:
    """Each rule: {"range": [min, max], "default": x}, 0 <= min <= default <= max."""
    name = "TRACKER_ASSESSMENT_RULES"
    if not isinstance(rules, dict):
        raise SettingsError(f"{name}: must be an object of rules, not {rules!r}")
    for rule, entry in rules.items():
        if not isinstance(entry, dict) or set(entry) != {"range", "default"}:
            raise SettingsError(f"{name}: {rule!r} must be {{\"range\": [min, max], "
                                f"\"default\": points}}, not {entry!r}")
        span, default = entry["range"], entry["default"]
        if not (isinstance(span, (list, tuple)) and len(span) == 2 and all(map(_number, span))
                and span[0] <= span[1]):
            raise SettingsError(f"{name}: {rule!r} range must be [min, max] with 0 <= min <= "
                                f"max, not {span!r}")
        if not _number(default):
            raise SettingsError(f"{name}: {rule!r} default must be a number (0 or more), "
                                f"not {default!r}")
        if not span[0] <= default <= span[1]:
            raise SettingsError(f"{name}: {rule!r} default {default!r} is outside its range "
                                f"{span[0]:g}–{span[1]:g}")


ESCALATION_LEVELS = ("yellow", "red", "supervision")
ESCALATION_RECIPIENTS = ("owner", "team_lead", "department_head", "inspection")


def _check_escalation(config: dict[str, Any]) -> None:
    """TRACKER_ESCALATION_LEVELS: each key maps to a list of levels, each well formed."""
    def refuse(key: str, why: str) -> None:
        raise SettingsError(f"TRACKER_ESCALATION_LEVELS: {key!r}: {why}")

    for key, levels in config.items():
        if not isinstance(levels, list):
            refuse(key, f"must map to a list of levels, not {levels!r}")
        seen: set[str] = set()
        for level in levels:
            if not isinstance(level, dict) or level.get("level") not in ESCALATION_LEVELS:
                refuse(key, f"each level needs \"level\": one of {', '.join(ESCALATION_LEVELS)}"
                            f", not {level!r}")
            if level["level"] in seen:
                refuse(key, f"level {level['level']!r} is given twice")
            seen.add(level["level"])
            if "share" in level and "over_hours" in level:
                refuse(key, f"{level['level']}: give \"share\" or \"over_hours\", not both")
            share, over = level.get("share"), level.get("over_hours")
            if share is not None and (isinstance(share, bool) or not isinstance(
                    share, (int, float)) or not 0 < share <= 1):
                refuse(key, f"{level['level']}: \"share\" must lie in (0, 1], not {share!r}")
            if over is not None and (isinstance(over, bool) or not isinstance(
                    over, (int, float)) or over < 0):
                refuse(key, f"{level['level']}: \"over_hours\" must be 0 or more, not {over!r}")
            if level["level"] == "supervision" and share is None and over is None:
                refuse(key, "supervision needs \"over_hours\" (or \"share\")")
            notify = level.get("notify", [])
            if not isinstance(notify, list) or any(n not in ESCALATION_RECIPIENTS for n in notify):
                refuse(key, f"{level['level']}: \"notify\" must list recipients among "
                            f"{', '.join(ESCALATION_RECIPIENTS)}, not {notify!r}")


def install_settings(app: Flask) -> Settings:
    """Build and check the settings of `app` (create_app calls it; so does `reconfigure`)."""
    built = Settings.from_config(app.config)
    app.extensions["tracker_settings"] = built
    # Flask and Flask-Login read their cookie flags from the config itself.
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = \
        built.session_cookie_secure
    return built


def reconfigure(app: Flask, **changes: Any) -> Settings:
    """Change settings of a running app (tests, an admin console): checked like at start-up."""
    previous = {name: app.config.get(name) for name in changes}
    app.config.update(changes)
    try:
        return install_settings(app)
    except SettingsError:
        app.config.update(previous)
        raise


def settings() -> Settings:
    """The current app's settings."""
    return current_app.extensions["tracker_settings"]
