"""The government platforms that push records (工改, 企业开办), and a push as data."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..i18n import pick

# Known platforms: the platform user's username is the code.
PLATFORMS = {
    "gongai": ("工程建设项目审批管理系统（工改）", "Construction-project approval platform (工改)"),
    "qiyekaiban": ("企业开办平台", "Business-registration platform (企业开办)"),
}
# A record's fields as the screening queue shows them (and as a change is detected on).
RECORD_FIELDS = ("kind", "project_name", "address", "contact_name", "contact_phone",
                 "water_need", "requested_at")


def platform_name(code: str, lang: str) -> str:
    names = PLATFORMS.get(code)
    return code if names is None else pick(*names, lang)


@dataclass(frozen=True)
class Push:
    """One validated platform record (the API schema has checked types and lengths)."""

    external_id: str
    project_name: str
    kind: str = "project"  # project | company
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    water_need: str = ""
    requested_at: datetime | None = None


def normalise(payload: dict[str, Any]) -> dict[str, Any]:
    """The 企业开办 platform says company_name where 工改 says project_name."""
    data = dict(payload)
    if "project_name" not in data and "company_name" in data:
        data["project_name"] = data["company_name"]
        data.setdefault("kind", "company")
    need = data.get("water_need")
    if isinstance(need, (int, float)) and not isinstance(need, bool):
        data["water_need"] = str(need)
    return data


def kind_of(payload: dict[str, Any] | None) -> str:
    return str(normalise(payload or {}).get("kind") or "project")


def payload_hash(payload: dict[str, Any]) -> str:
    """The record as the platform sent it, canonically: equal payloads hash equal."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
