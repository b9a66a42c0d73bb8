"""Delivery of the outbox: webhook (WeCom/DingTalk robot JSON) and e-mail, with back-off.

A run claims the rows that are due in one short transaction (status `sending`, a lease in
next_attempt_at), then sends each outside any transaction and records the outcome in its own.
Two deliverers never claim the same row; a deliverer that dies mid-send leaves the row to be
claimed again when its lease runs out (at-least-once in that one case).
"""
from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr

from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import Notification
from ..services.app_clock import now as clock_now
from ..services.notifications import backoff
from ..settings import settings
from .locks import exclusive

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
BATCH = 50
# Longer than a whole batch of sends that each time out, so no live claim is taken over.
CLAIM_LEASE = timedelta(seconds=2 * BATCH * TIMEOUT_SECONDS)


class DeliveryError(Exception):
    """The receiver refused or could not be reached; the text goes to last_error."""


@dataclass
class DeliveryResult:
    skipped: bool = False
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_pending(now: datetime | None = None, limit: int = BATCH) -> DeliveryResult:
    """Send the notifications due by `now` (inside an app context)."""
    now = now or clock_now()
    result = DeliveryResult()
    claimed = _claim(now, limit)
    if claimed is None:
        result.skipped = True
        return result
    max_attempts = settings().notify_max_attempts
    for notification_id in claimed:
        row = db.session.get(Notification, notification_id)
        if row is None:
            continue
        try:
            send(row)
        except DeliveryError as exc:
            error = str(exc)[:2000]
        except Exception as exc:
            log.exception("delivery of notification %s crashed", notification_id)
            error = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            error = None
        attempts = row.attempts + 1
        if error is None:
            values = {"status": "sent", "sent_at": now, "attempts": attempts, "last_error": ""}
            result.sent += 1
        elif attempts >= max_attempts:
            values = {"status": "failed", "attempts": attempts, "last_error": error}
            result.failed += 1
            log.warning("notification %s failed for good after %d attempts: %s",
                        notification_id, attempts, error)
        else:
            values = {"status": "pending", "attempts": attempts, "last_error": error,
                      "next_attempt_at": now + backoff(attempts)}
            result.retrying += 1
            log.info("notification %s attempt %d failed, retrying: %s",
                     notification_id, attempts, error)
        db.session.execute(update(Notification).where(Notification.id == notification_id,
                                                      Notification.status == "sending")
                           .values(values).execution_options(synchronize_session=False))
        db.session.commit()
    return result


def _claim(now: datetime, limit: int) -> list[int] | None:
    """Mark up to `limit` due rows `sending`; their ids, or None if another deliverer runs."""
    due = or_(Notification.status == "pending",
              Notification.status == "sending")  # a lease that ran out: its claimer died
    with exclusive("delivery") as acquired:
        if not acquired:
            return None
        ids = list(db.session.scalars(
            select(Notification.id).where(due, Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id).limit(limit)))
        if ids:
            db.session.execute(
                update(Notification)
                .where(Notification.id.in_(ids), due, Notification.next_attempt_at <= now)
                .values(status="sending", next_attempt_at=now + CLAIM_LEASE)
                .execution_options(synchronize_session=False))
        db.session.commit()
    db.session.expire_all()
    return ids


# Extension point: channels that feature packages add (tracker.customer: "sms", "platform"),
# channel → a function that delivers one row or raises DeliveryError.
SENDERS: dict[str, Callable[[Notification], None]] = {}


def send(row: Notification) -> None:
    """Deliver one notification by its channel; DeliveryError when the receiver refuses."""
    if row.channel in SENDERS:
        SENDERS[row.channel](row)
    elif row.channel == "webhook":
        post_webhook(row.target, row.payload)
    elif row.channel == "email":
        send_email(row.target, row.subject, row.body)
    else:
        raise DeliveryError(f"unknown channel {row.channel!r}")


def post_webhook(url: str, payload: dict, timeout: float = TIMEOUT_SECONDS) -> None:
    """POST JSON; success is a 2xx answer whose `errcode` (WeCom, DingTalk) is absent or 0."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "water-tracker"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}: "
                            f"{exc.read(500).decode('utf-8', 'replace')}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DeliveryError(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None
    try:
        answer = json.loads(body) if body.strip() else {}
    except ValueError:
        return  # a plain-text 2xx is success
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0):
        raise DeliveryError(f"robot answered errcode {answer.get('errcode')}: "
                            f"{answer.get('errmsg', '')}")


def send_email(address: str, subject: str, body: str, timeout: float = TIMEOUT_SECONDS) -> None:
    """Plain-text UTF-8 mail through TRACKER_SMTP_* (STARTTLS when offered and logging in)."""
    config = settings()
    host = config.smtp_host
    if not host:
        raise DeliveryError("TRACKER_SMTP_HOST is not set; e-mail cannot be sent")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr(("用水报装跟踪", config.smtp_sender))
    message["To"] = address
    message.set_content(body)
    try:
        with smtplib.SMTP(host, config.smtp_port, timeout=timeout) as smtp:
            smtp.ehlo()
            user = config.smtp_user
            if user:
                if smtp.has_extn("starttls"):
                    smtp.starttls()
                    smtp.ehlo()
                smtp.login(user, config.smtp_password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {host}: {exc}") from None
