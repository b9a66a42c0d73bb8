"""Settings: one typed object, checked when the app is built. A bad value stops the start-up
with the variable named; production is the default configuration of `flask --app tracker`."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tracker import create_app
from tracker.config import Config, ConfigError, DevelopmentConfig, TestingConfig, _env
from tracker.settings import SettingsError, reconfigure, settings

BAD = [
    ("TRACKER_OFFICE_HOURS", "8 to 5"),
    ("TRACKER_OFFICE_HOURS", "08:30-25:00"),
    ("TRACKER_LOCAL_CLOSURES", "2026-13-01:off:typhoon"),
    ("TRACKER_LOCAL_CLOSURES", "2026-07-15:closed:typhoon"),
    ("TRACKER_LOCAL_CLOSURES", "2026-07-15 25:00-:off:typhoon"),
    ("TRACKER_LOCAL_CLOSURES", "2026-07-15 15:00-14:00:off:typhoon"),
    ("TRACKER_LOCAL_CLOSURES", "2026-07-15 14:00-:work:extra day with hours"),
    ("TRACKER_WEBHOOKS", ["not", "an", "object"]),
    ("TRACKER_WEBHOOKS", {"engineering": "ftp://robot"}),
    ("TRACKER_EMAILS", {"engineering": 5}),
    ("TRACKER_ASSESSMENT_RULES", {"step_overdue": "two"}),
    ("TRACKER_ASSESSMENT_RULES", {"step_overdue": {"range": [2, 5], "default": "two"}}),
    ("TRACKER_ASSESSMENT_RULES", {"step_overdue": {"range": [5, 2], "default": 3}}),
    ("TRACKER_ASSESSMENT_RULES", {"step_overdue": {"range": [2, 5], "default": 6}}),
    ("TRACKER_ASSESSMENT_RULES", {"no_such_rule": {"range": [2, 5], "default": 2}}),
    ("TRACKER_WARNING_RATIO", 1.5),
    ("TRACKER_CALLBACK_LIMIT_DAYS", "three"),
    ("TRACKER_PAGE_SIZE_MAX", 0),
    ("TRACKER_SCHEDULER", "sometimes"),
    ("TRACKER_REQUIRE_DOCUMENTS", "sometimes"),
    ("TRACKER_ATTACHMENT_MAX_BYTES", 0),
    ("TRACKER_ATTACHMENT_TYPES", "jpeg,pdf"),
    ("TRACKER_PUBLIC_URL", "bz.example.cn"),
    ("TRACKER_SMS_GATEWAY_URL", "sms://gateway"),
    ("TRACKER_SMS_TEMPLATE", "phone={phone}"),
    ("TRACKER_PLATFORM_CALLBACKS", {"gongai": "ftp://platform"}),
    ("TRACKER_PUBLIC_RATE_PER_NUMBER", 0),
    ("TRACKER_APPOINTMENT_LIMIT_DAYS", -1),
    ("TRACKER_SESSION_COOKIE_SECURE", "sometimes"),
    ("TRACKER_ASSESSMENT_APPEAL_DECISION_DAYS", 0),
]


@pytest.mark.parametrize(("name", "value"), BAD, ids=[f"{n}={v!r}" for n, v in BAD])
def test_a_bad_setting_stops_the_start_up_naming_it(name, value):
    with pytest.raises(SettingsError) as refused:
        create_app(TestingConfig, **{name: value})
    assert str(refused.value).startswith(f"{name}:")


def test_good_settings_are_typed(app, ctx):
    built = settings()
    assert built.callback_limit_days == 3.0 and isinstance(built.intake_max_bytes, int)
    assert built.periods[0][0].hour == 8 and built.closures == ()
    reconfigure(app, TRACKER_LOCAL_CLOSURES="2026-07-15:off:台风停工", TRACKER_WARNING_RATIO="0.5")
    assert settings().warning_ratio == 0.5 and settings().closures[0].reason == "台风停工"
    reconfigure(app, TRACKER_REQUIRE_DOCUMENTS="yes", TRACKER_ATTACHMENT_TYPES="image/png, application/pdf")
    assert settings().require_documents is True
    assert settings().attachment_type_list == ["image/png", "application/pdf"]


def test_a_closure_for_part_of_a_day_and_the_holiday_folder(app, ctx, tmp_path):
    """TRACKER_LOCAL_CLOSURES takes "DATE HH:MM-HH:MM"; TRACKER_HOLIDAYS_DIR empty means the
    files shipped in the package."""
    from datetime import time

    from tracker.sla.calendar import default_holidays_dir

    assert settings().holidays_path == default_holidays_dir()
    reconfigure(app, TRACKER_LOCAL_CLOSURES="2026-07-16 14:00-:off:台风", TRACKER_HOLIDAYS_DIR=str(tmp_path))
    [typhoon] = settings().closures
    assert (typhoon.start, typhoon.end, typhoon.partial) == (time(14), None, True)
    assert settings().holidays_path == tmp_path


def test_a_refused_change_leaves_the_settings_as_they_were(app, ctx):
    with pytest.raises(SettingsError, match="TRACKER_WATCH_SECONDS"):
        reconfigure(app, TRACKER_WATCH_SECONDS=0)
    assert settings().watch_seconds == 60 and app.config["TRACKER_WATCH_SECONDS"] == 60


def test_an_unreadable_environment_variable_is_named(monkeypatch):
    monkeypatch.setenv("TRACKER_SMTP_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="TRACKER_SMTP_PORT"):
        _env("SMTP_PORT", 25)
    monkeypatch.setenv("TRACKER_WEBHOOKS", "[1, 2]")
    with pytest.raises(ConfigError, match="TRACKER_WEBHOOKS"):
        _env("WEBHOOKS", {})


def test_the_factory_runs_production_unless_told_development(monkeypatch):
    from tracker.config import config_for_environment

    monkeypatch.delenv("TRACKER_ENV", raising=False)
    assert config_for_environment() is Config
    monkeypatch.setenv("TRACKER_ENV", "development")
    assert config_for_environment() is DevelopmentConfig
    monkeypatch.setenv("TRACKER_ENV", "staging")
    with pytest.raises(ConfigError, match="TRACKER_ENV"):
        config_for_environment()


def test_flask_commands_refuse_production_without_a_secret(tmp_path):
    """`flask --app tracker …` without TRACKER_ENV is production: no fallback secret."""
    env = {"PATH": "/usr/bin:/bin", "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
           "HOME": str(tmp_path)}
    production = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "flows",
                                 "--help"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert production.returncode != 0
    assert "TRACKER_SECRET_KEY must be set in production" in production.stderr
    assert "secrets.token_hex" in production.stderr  # how to make one
    assert "Traceback" not in production.stderr, production.stderr
    development = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "flows",
                                  "--help"], env={**env, "TRACKER_ENV": "development"},
                                 capture_output=True, text=True, timeout=120, check=False)
    assert development.returncode == 0, development.stderr


def test_an_assessment_default_outside_its_range_is_refused_and_one_rule_may_be_changed(app, ctx):
    """003 五（六）: each rule has a range; the draft's default must lie inside it. A table
    naming one rule keeps the others' configured values."""
    with pytest.raises(SettingsError) as refused:
        create_app(TestingConfig, TRACKER_ASSESSMENT_RULES={
            "meter_entry_late": {"range": [1, 2], "default": 3}})
    assert str(refused.value) == ("TRACKER_ASSESSMENT_RULES: 'meter_entry_late' default 3 is "
                                  "outside its range 1–2")
    reconfigure(app, TRACKER_ASSESSMENT_RULES={"step_overdue": {"range": [2, 5], "default": 4}})
    rules = settings().assessment_rules
    assert rules["step_overdue"] == {"range": [2, 5], "default": 4}
    assert rules["inspection_deduction"] == {"range": [5, 50], "default": 5}
