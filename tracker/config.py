"""Configuration classes; every setting can be overridden by a TRACKER_* environment variable.

These attributes are the one place a default is written; `tracker.settings` checks them at
start-up and gives the code a typed object to read. Which class runs: `create_app()` takes
`Config` (production) unless TRACKER_ENV=development.
"""
from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any

from .localtime import ZONE_NAME

_TRUE = {"1", "true", "yes", "on"}


class ConfigError(SystemExit):
    """A TRACKER_* environment variable that cannot be read: the process stops, naming it."""


def _env(name: str, default: Any) -> Any:
    """Read TRACKER_<name>, converted to the type of the default."""
    raw = os.environ.get(f"TRACKER_{name}")
    if raw is None:
        return default
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in _TRUE
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, (dict, list)):
            value = json.loads(raw)
            if not isinstance(value, type(default)):
                raise TypeError(f"expected a JSON {'object' if isinstance(default, dict) else 'list'}")
            return value
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"TRACKER_{name}: cannot read {raw!r}: {exc}") from None
    return raw


class Config:
    """Production defaults: an SQLite file in the instance folder unless TRACKER_DATABASE_URL is set."""

    TESTING = False
    SECRET_KEY = _env("SECRET_KEY", "")
    # None means "sqlite file in the instance folder"; resolved by the factory.
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", "") or None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    # PostgreSQL settings of the app's own sessions (libpq startup options): see
    # tracker/__init__.py _postgresql_session_options for why; "" leaves the server's.
    TRACKER_POSTGRESQL_OPTIONS = _env("POSTGRESQL_OPTIONS",
                                      "-c jit=off -c max_parallel_workers_per_gather=0")
    MAX_CONTENT_LENGTH = _env("MAX_CONTENT_LENGTH", 1024 * 1024)

    # Working time (the domain notes, "Working time"); the zone is read once, at import
    TRACKER_TIMEZONE = ZONE_NAME
    TRACKER_OFFICE_HOURS = _env("OFFICE_HOURS", "08:30-12:00,13:30-17:30")
    # Local closures from configuration: "2026-07-15:off:台风停工;2026-07-16 14:00-:off:台风;
    # 2026-08-01:work:抢修" ("DATE HH:MM-HH:MM" closes part of a day; either end may be left out)
    TRACKER_LOCAL_CLOSURES = _env("LOCAL_CLOSURES", "")
    # The yearly holiday files; empty = the files shipped in the package (tracker/sla/holidays/)
    TRACKER_HOLIDAYS_DIR = _env("HOLIDAYS_DIR", "")
    TRACKER_FLOWS_DIR = _env("FLOWS_DIR", "")
    TRACKER_WARNING_RATIO = _env("WARNING_RATIO", 0.75)
    TRACKER_BACKDATE_WORKING_DAYS = _env("BACKDATE_WORKING_DAYS", 3.0)
    # 补录: a completion whose time is earlier than its entry by more than this many minutes
    # (or earlier than a lateness the watcher had recorded) is marked back-dated.
    TRACKER_BACKDATE_MARGIN_MINUTES = _env("BACKDATE_MARGIN_MINUTES", 30)
    TRACKER_PAGE_SIZE_MAX = _env("PAGE_SIZE_MAX", 200)

    # Web sessions and log-in
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_env("SESSION_HOURS", 8))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # The session cookie only over HTTPS; turn it off only where the pages are served over HTTP
    TRACKER_SESSION_COOKIE_SECURE = _env("SESSION_COOKIE_SECURE", True)
    TRACKER_LOGIN_MAX_FAILURES = _env("LOGIN_MAX_FAILURES", 5)
    TRACKER_LOGIN_LOCK_MINUTES = _env("LOGIN_LOCK_MINUTES", 15)

    # i18n
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = ZONE_NAME
    TRACKER_LANGUAGES = ("zh", "en")

    # OpenAPI (flask-smorest); no UI from a CDN: the intranet has no internet
    API_TITLE = "Water-connection application tracker API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    # Scheduler: "auto" (in-process on SQLite, advisory-locked on PostgreSQL), "off"
    TRACKER_SCHEDULER = _env("SCHEDULER", "off")
    TRACKER_WATCH_SECONDS = _env("WATCH_SECONDS", 60)

    # Notifications
    TRACKER_WEBHOOKS = _env("WEBHOOKS", {})  # {"engineering": "https://…"}; "*" for all
    TRACKER_EMAILS = _env("EMAILS", {})  # {"engineering": ["a@b.cn"]}
    TRACKER_SMTP_HOST = _env("SMTP_HOST", "")
    TRACKER_SMTP_PORT = _env("SMTP_PORT", 25)
    TRACKER_SMTP_USER = _env("SMTP_USER", "")
    TRACKER_SMTP_PASSWORD = _env("SMTP_PASSWORD", "")
    TRACKER_SMTP_SENDER = _env("SMTP_SENDER", "tracker@localhost")
    TRACKER_NOTIFY_MAX_ATTEMPTS = _env("NOTIFY_MAX_ATTEMPTS", 8)

    # Monthly assessment (action plan 五（六）/（七); the rules' words in tracker/reports/rules.py):
    # each rule's range and the default the draft charges, {"rule": {"range": [min, max],
    # "default": x}}; a default outside its range stops the start-up. inspection_deduction is a
    # percentage of the department's monthly bonus (5%~50%), not points.
    TRACKER_ASSESSMENT_RULES = _env(
        "ASSESSMENT_RULES",
        {
            "duty_not_done": {"range": [2, 5], "default": 2},
            "step_overdue": {"range": [2, 5], "default": 2},
            "overdue_serious": {"range": [0, 5], "default": 0},
            "system_misuse": {"range": [2, 5], "default": 2},
            "system_correction": {"range": [2, 5], "default": 2},
            "callback_dissatisfied": {"range": [2, 2], "default": 2},
            "government_survey_dissatisfied": {"range": [5, 5], "default": 5},
            "materials_delay": {"range": [2, 2], "default": 2},
            "meter_entry_late": {"range": [1, 2], "default": 1},
            "ledger_check": {"range": [2, 5], "default": 2},
            "problem_overdue": {"range": [2, 5], "default": 2},
            "by_analogy": {"range": [1, 5], "default": 2},
            "inspection_deduction": {"range": [5, 50], "default": 5},
        },
    )
    # A department may appeal an item of an issued assessment within this many working days
    # after the issue (holiday calendar); the appeals are decided by the assessment office,
    # whose My work lists them (action plan 五（六）: 责任部门：人力资源中心).
    TRACKER_ASSESSMENT_APPEAL_DAYS = _env("ASSESSMENT_APPEAL_DAYS", 5)
    # The assessment office decides an appeal within this many working days of its filing
    # (a duty on its My work). The seeds set no deadline for deciding: this is our reading,
    # the same span the department had to appeal.
    TRACKER_ASSESSMENT_APPEAL_DECISION_DAYS = _env("ASSESSMENT_APPEAL_DECISION_DAYS", 5)
    TRACKER_ASSESSMENT_DEPARTMENT = _env("ASSESSMENT_DEPARTMENT", "human_resources")
    TRACKER_CALLBACK_LIMIT_DAYS = _env("CALLBACK_LIMIT_DAYS", 3.0)
    TRACKER_CALLBACK_DEPARTMENT = _env("CALLBACK_DEPARTMENT", "customer_service")
    # 003 五（四）2: a 好差评 "不满意" is visited by the connection team, 责任部门：市场发展部
    TRACKER_REVIEW_FOLLOWUP_DEPARTMENT = _env("REVIEW_FOLLOWUP_DEPARTMENT", "market_development")
    TRACKER_SCREENING_DEPARTMENT = _env("SCREENING_DEPARTMENT", "connection_team")
    TRACKER_FOLLOWUP_LIMIT_DAYS = _env("FOLLOWUP_LIMIT_DAYS", 3.0)
    TRACKER_SCREENING_LIMIT_DAYS = _env("SCREENING_LIMIT_DAYS", 1.0)
    TRACKER_PROBLEM_VERIFY_DAYS = _env("PROBLEM_VERIFY_DAYS", 3.0)
    TRACKER_PROBLEM_RECHECK_DAYS = _env("PROBLEM_RECHECK_DAYS", 3.0)
    TRACKER_PROBLEM_RECHECK_DEPARTMENT = _env("PROBLEM_RECHECK_DEPARTMENT", "inspection_office")
    # Separation of duties: a step, callback, follow-up or problem stage is done by staff of its
    # department, or on its behalf (代办, with a reason) by a team lead or administrator.
    TRACKER_SEPARATE_DUTIES = _env("SEPARATE_DUTIES", True)
    TRACKER_INTAKE_MAX_BYTES = _env("INTAKE_MAX_BYTES", 256 * 1024)

    # Escalation (tracker/escalation, 电子监察): the levels each duty goes through, keyed by
    # "<flow>.<step>", "<flow>", a timer subject ("callback", …) or "*" (the first that exists
    # applies). A level: {"level": "yellow"|"red"|"supervision", "share": fraction of the limit
    # (yellow without one: TRACKER_WARNING_RATIO, as the watcher warns), or "over_hours":
    # working hours past the deadline, "notify": recipients among "owner", "team_lead",
    # "department_head", "inspection"}. Red without a threshold: at the deadline.
    TRACKER_ESCALATION_LEVELS = _env("ESCALATION_LEVELS", {
        "*": [
            {"level": "yellow", "notify": ["owner", "team_lead"]},
            {"level": "red", "notify": ["owner", "team_lead", "department_head"]},
            {"level": "supervision", "over_hours": 7.5,
             "notify": ["department_head", "inspection"]},
        ],
    })
    # 督办单: working days the department has to answer in writing.
    TRACKER_SUPERVISION_ANSWER_DAYS = _env("SUPERVISION_ANSWER_DAYS", 2.0)
    # The head of each department, by user name ({"engineering": "zhang"}); 督查办's code.
    TRACKER_DEPARTMENT_HEADS = _env("DEPARTMENT_HEADS", {})
    TRACKER_INSPECTION_DEPARTMENT = _env("INSPECTION_DEPARTMENT", "inspection_office")

    # Documents (tracker/documents): attachments, printed notices
    # A step that lists `materials` cannot be completed while one is missing (the archive check).
    TRACKER_REQUIRE_DOCUMENTS = _env("REQUIRE_DOCUMENTS", True)
    TRACKER_ATTACHMENT_MAX_BYTES = _env("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    # Types read from the content (magic bytes), never from the file name.
    TRACKER_ATTACHMENT_TYPES = _env(
        "ATTACHMENT_TYPES", "image/jpeg,image/png,image/heic,image/heif,image/webp,application/pdf")
    TRACKER_UTILITY_NAME = _env("UTILITY_NAME", "供水有限公司")  # printed on every document
    TRACKER_UTILITY_PHONE = _env("UTILITY_PHONE", "")  # the service hotline, printed too
    # Where customers reach the public pages (the QR code's link); empty: this server's address.
    TRACKER_PUBLIC_URL = _env("PUBLIC_URL", "")

    # The customer's view (tracker/customer): online appointment, progress page, SMS, pushes
    TRACKER_APPOINTMENT_LIMIT_DAYS = _env("APPOINTMENT_LIMIT_DAYS", 1.0)
    TRACKER_APPOINTMENT_DEPARTMENT = _env("APPOINTMENT_DEPARTMENT", "connection_team")
    TRACKER_PUBLIC_RATE_WINDOW_SECONDS = _env("PUBLIC_RATE_WINDOW_SECONDS", 600)
    TRACKER_PUBLIC_RATE_PER_ADDRESS = _env("PUBLIC_RATE_PER_ADDRESS", 30)
    TRACKER_PUBLIC_RATE_PER_NUMBER = _env("PUBLIC_RATE_PER_NUMBER", 10)
    TRACKER_SMS_GATEWAY_URL = _env("SMS_GATEWAY_URL", "")  # empty: no SMS is queued
    TRACKER_SMS_SIGNATURE = _env("SMS_SIGNATURE", "供水服务")
    # The JSON the gateway takes; {phone}, {text}, {signature}, {number}, {event} are filled in.
    TRACKER_SMS_TEMPLATE = _env("SMS_TEMPLATE", {"phone": "{phone}", "sign": "{signature}",
                                                 "content": "【{signature}】{text}"})
    # Government platform → URL that takes the status of its projects back (101).
    TRACKER_PLATFORM_CALLBACKS = _env("PLATFORM_CALLBACKS", {})

    # The monthly report (tracker/reports): a month with more applications accepted than this
    # is downloaded through a build made by the job (progress shown, fetched when ready), not
    # inside the request; 0 sends every computed download through the job.
    TRACKER_REPORT_INLINE_LIMIT = _env("REPORT_INLINE_LIMIT", 5000)


class DevelopmentConfig(Config):
    SECRET_KEY = Config.SECRET_KEY or "dev-only-secret-change-me"
    TRACKER_SCHEDULER = _env("SCHEDULER", "auto")
    TRACKER_SESSION_COOKIE_SECURE = _env("SESSION_COOKIE_SECURE", False)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = True
    TRACKER_SCHEDULER = "off"
    TRACKER_SESSION_COOKIE_SECURE = False  # the test client speaks HTTP
    TRACKER_WEBHOOKS: dict[str, str] = {}
    TRACKER_EMAILS: dict[str, list[str]] = {}
    # The core's and other features' tests drive flows without paperwork; the documents and
    # customer tests (tests/documents, tests/customer) turn the archive check on for each test.
    TRACKER_REQUIRE_DOCUMENTS = False
    # Likewise the core's and other features' tests complete steps as whichever user they hold;
    # the problems' and the duties' tests (tests/problems, tests/services/test_duties.py) turn
    # the separation of duties on (`duties_separated`).
    TRACKER_SEPARATE_DUTIES = False


def config_for_environment() -> type[Config]:
    """Production unless TRACKER_ENV=development (then the fallback secret and the in-process
    scheduler); tests pass TestingConfig to the factory themselves."""
    env = os.environ.get("TRACKER_ENV", "production").strip().lower()
    if env == "development":
        return DevelopmentConfig
    if env in ("", "production"):
        return Config
    raise ConfigError(f"TRACKER_ENV: {env!r} is neither 'production' nor 'development'")
