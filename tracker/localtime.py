"""The utility's time zone: one constant, read once from TRACKER_TIMEZONE (Asia/Shanghai).

Instants are stored in UTC; this is the zone they are shown in, months and days are cut in,
and the working clock counts office hours in (the clock library takes it as a parameter).
"""
from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZONE_NAME = os.environ.get("TRACKER_TIMEZONE", "").strip() or "Asia/Shanghai"
try:
    LOCAL = ZoneInfo(ZONE_NAME)
except (ZoneInfoNotFoundError, ValueError):
    raise SystemExit(f"TRACKER_TIMEZONE: {ZONE_NAME!r} is not a time zone name "
                     "(e.g. Asia/Shanghai)") from None


def local(instant: datetime | None) -> datetime | None:
    """The instant in the utility's time zone (None stays None)."""
    return None if instant is None else instant.astimezone(LOCAL)
