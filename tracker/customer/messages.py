"""Telling the customer: SMS at acceptance, when documents are due (容缺) and at water on,
through the configurable HTTP gateway; for 101, the status pushed back to the government
platform that sent the project. Both go through the notifications outbox (queued in the
change's transaction, delivered with retries by the delivery job)."""
from __future__ import annotations

import string
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from ..intake.queries import get_record
from ..jobs.delivery import DeliveryError, post_webhook
from ..localtime import LOCAL
from ..models import Application, Notification, StepRecord, User
from ..phone import mobile
from ..services.app_clock import now
from ..services.applications import flow_of
from ..services.errors import NotFound
from ..services.notifications import add_to_outbox
from ..settings import settings
from ..web.formatting import limit_text
from .queries import answer_limit

# Customers read Chinese, whoever pressed the button (the product's default language).
CUSTOMER_LANGUAGE = "zh"


# --- SMS ---------------------------------------------------------------------------------------

class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: Any, values: dict[str, str]) -> Any:
    """The gateway's JSON template with {phone}, {text}, … filled in every string."""
    if isinstance(template, str):
        return string.Formatter().vformat(template, (), _Blank(values))
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    return template


def _queue(key: str, channel: str, target: str, subject: str, body: str,
           payload: dict[str, Any]) -> bool:
    """One outbox row of a channel of ours, in the change's transaction (once per key)."""
    moment = now()
    return bool(add_to_outbox([{
        "dedupe_key": key[:200], "channel": channel, "target": target[:500],
        "department_code": "", "subject": subject[:300], "body": body, "payload": payload,
        "status": "pending", "attempts": 0, "next_attempt_at": moment, "last_error": "",
        "created_at": moment}]))


def queue_sms(phone: str, event: str, ref: str, text: str, number: str) -> bool:
    """Queue one SMS (once per event and reference: queuing it again does nothing)."""
    target = mobile(phone)
    if not settings().sms_gateway_url or target is None:
        return False
    signature = settings().sms_signature
    payload = fill(settings().sms_template, {
        "phone": target, "text": text, "signature": signature, "number": number, "event": event})
    _queue(f"sms:{event}:{ref}:{target}", "sms", target, f"{event} {number}", text, payload)
    return True


def _words(template_id: str, **values: Any) -> str:
    """The text of one message, in the customer's language."""
    with force_locale(CUSTOMER_LANGUAGE):
        texts = {
            "accepted": _("Your water connection application %(number)s has been accepted; "
                          "promised completion by %(due)s. Follow it at %(link)s with the last "
                          "four digits of your phone."),
            "documents_due": _("Application %(number)s was accepted with documents to follow: "
                               "please hand in %(documents)s by %(date)s."),
            "water_on": _("The meter of application %(number)s is installed and the water is on "
                          "(%(time)s). Thank you."),
            "appointment": _("We received your online appointment %(number)s and will contact "
                             "you within %(limit)s."),
        }
        return texts[template_id] % values


def _time(instant: datetime | None) -> str:
    return instant.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if instant else "—"


def _progress_link(number: str) -> str:
    return f"{settings().public_url.rstrip('/')}/progress?number={number}"


def on_application_created(app: Application, **_: Any) -> None:
    """SMS at acceptance, and the 容缺 documents with their date (the one-time notice)."""
    due = app.timer.due_at if app.timer else None
    queue_sms(app.contact_phone, "accepted", str(app.id),
              _words("accepted", number=app.number, due=_time(due),
                     link=_progress_link(app.number)), app.number)
    if app.missing_materials:
        queue_sms(app.contact_phone, "documents_due", str(app.id),
                  _words("documents_due", number=app.number,
                         documents="、".join(app.missing_materials),
                         date=app.materials_promised_on.isoformat()
                         if app.materials_promised_on else "—"), app.number)


def on_application_completed(app: Application, *, at: datetime, **_: Any) -> None:
    queue_sms(app.contact_phone, "water_on", str(app.id),
              _words("water_on", number=app.number, time=_time(at)), app.number)


def appointment_received(row: Any) -> None:
    """SMS to a customer whose online appointment arrived: when to expect our call."""
    with force_locale(CUSTOMER_LANGUAGE):
        words = limit_text(answer_limit())
    queue_sms(row.contact_phone, "appointment", str(row.id),
              _words("appointment", number=row.number, limit=words), row.number)


def send_sms(row: Notification) -> None:
    """Delivery channel `sms`: POST the stored JSON to the gateway."""
    url = settings().sms_gateway_url
    if not url:
        raise DeliveryError("TRACKER_SMS_GATEWAY_URL is not set; the SMS cannot be sent")
    post_webhook(url, row.payload)


# --- status back to the government platform (101) ----------------------------------------------

STATUS_NAMES = {"accepted": "已受理", "step_completed": "环节办结", "water_on": "已通水",
                "cancelled": "已取消"}


def _intake_origin(app: Application) -> tuple[str, str] | None:
    """(platform, external id) of the pushed project an application came from."""
    if app.intake_id is None:
        return None
    try:
        record = get_record(app.intake_id)
    except NotFound:
        return None
    return record.platform, record.external_id


def push_status(app: Application, event: str, at: datetime, step: StepRecord | None = None) -> bool:
    origin = _intake_origin(app)
    if origin is None:
        return False
    platform, external_id = origin
    url = settings().platform_callbacks.get(platform)
    if not url:
        return False
    step_name = None
    if step is not None:
        step_name = flow_of(app).step(step.code).name_zh
    payload = {"external_id": external_id, "platform": platform, "application": app.number,
               "event": event, "status": app.status.value,
               "status_name": STATUS_NAMES.get(event, event), "step": step.code if step else None,
               "step_name": step_name, "at": at.astimezone(LOCAL).isoformat()}
    ref = f"{app.id}:{event}:{step.code if step else ''}"
    return _queue(f"platform:{ref}", "platform", url, f"{platform} {external_id} {event}",
                  STATUS_NAMES.get(event, event), payload)


def send_platform(row: Notification) -> None:
    """Delivery channel `platform`: POST the status to the platform's callback URL."""
    post_webhook(row.target, row.payload)


def on_created_push(app: Application, *, at: datetime, **_: Any) -> None:
    push_status(app, "accepted", at)


def on_step_push(app: Application, *, at: datetime, record: StepRecord, **_: Any) -> None:
    """Receiver of `step_completed`: the step, then (for the step that puts the water on)
    the water on, in that order: the core announces the completed application while it
    finishes that step, before the step itself."""
    push_status(app, "step_completed", at, record)
    if record.code == flow_of(app).completes_with:
        push_status(app, "water_on", at)


def on_cancelled_push(app: Application, *, at: datetime, actor: User | None = None,
                      **_: Any) -> None:
    push_status(app, "cancelled", at)
