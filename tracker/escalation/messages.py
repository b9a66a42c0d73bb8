"""The messages a level sends to people: a robot message in the duty department's group that
@-mentions the recipients by mobile, an e-mail and an SMS to each recipient.

WeCom (企业微信) group robots take the mobiles to mention in `text.mentioned_mobile_list`;
DingTalk (钉钉) custom robots in `at.atMobiles`, and show the mention where the text says
"@<mobile>". A robot ignores the other's field, so one payload serves both.
"""
from __future__ import annotations

import copy
import string
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from ..i18n import pick
from ..models import User
from ..phone import mobile
from ..services.notifications import Notice, compose, notify_language, targets_for
from ..settings import settings
from .models import LEVELS


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _fill(template: Any, values: dict[str, str]) -> Any:
    """TRACKER_SMS_TEMPLATE with its {placeholders} filled in (unknown ones left empty)."""
    if isinstance(template, str):
        return string.Formatter().vformat(template, (), _Blank(values))
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    return template


def level_words(level: str, lang: str) -> str:
    zh, en = LEVELS[level]
    return pick(zh, en, lang)


def word(notice: Notice, level: str, extra: list[str]) -> tuple[str, str, dict[str, Any]]:
    """(subject, body, payload) of one level of one duty, in the product's language."""
    lang = notify_language()
    subject, body, payload = compose(notice, lang)
    with force_locale(lang):
        name = level_words(level, lang)
        headline = _("[%(level)s] %(subject)s", level=name, subject=subject)
        lines = [headline, body, *extra]
    text = "\n".join(lines)
    payload = copy.deepcopy(payload)
    payload["text"]["content"] = text
    payload["tracker"]["event"] = f"escalation.{level}"
    payload["tracker"]["level"] = level
    return headline[:300], text, payload


def mentioning(payload: dict[str, Any], mobiles: list[str]) -> dict[str, Any]:
    """The robot payload with the recipients' mobiles @-mentioned (WeCom and DingTalk)."""
    payload = copy.deepcopy(payload)
    if mobiles:
        payload["text"]["content"] += "\n" + " ".join(f"@{m}" for m in mobiles)
        payload["text"]["mentioned_mobile_list"] = list(mobiles)
        payload["at"] = {"atMobiles": list(mobiles), "isAtAll": False}
    return payload


def outbox_rows(key: str, department: str, recipients: list[User], level: str,
                subject: str, body: str, payload: dict[str, Any], now: Any,
                robot: bool) -> list[dict[str, Any]]:
    """The outbox rows of one level of one duty: the department's robot (when `robot`, or
    when it has someone to mention), an e-mail and an SMS per recipient who has one."""
    mobiles = [m for m in (mobile(user.phone) for user in recipients) if m]
    rows: list[dict[str, Any]] = []

    def row(channel: str, target: str, row_payload: dict[str, Any]) -> None:
        rows.append({"dedupe_key": f"{key}:{channel}:{target}"[:200], "channel": channel,
                     "target": target[:500], "department_code": department,
                     "subject": subject, "body": body, "payload": row_payload,
                     "status": "pending", "attempts": 0, "next_attempt_at": now,
                     "last_error": "", "created_at": now})

    if robot or mobiles:
        for channel, target in targets_for(department):
            if channel == "webhook":
                row("webhook", target, mentioning(payload, mobiles))
    for user in recipients:
        if user.email.strip():
            row("email", user.email.strip(), payload)
        number = mobile(user.phone)
        if number and settings().sms_gateway_url:
            row("sms", number, _fill(settings().sms_template, {
                "phone": number, "text": body, "signature": settings().sms_signature,
                "number": payload["tracker"]["application"], "event": f"escalation.{level}"}))
    return rows
