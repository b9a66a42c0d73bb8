"""The customer's view: the public progress page, online appointments (网上预约) as a duty of
the connection team, SMS to the customer, the 101 status pushed back to the government
platform, and the published procedures.

The feature owns its models, commands (appointments) and queries, `progress` (the public
lookup, rate-limited in the database by `ratelimit`), `messages` (SMS and platform status
through the outbox), `procedures`, pages and templates (`pages.public`, `pages.staff`,
`templates/customer/`), static files and Chinese words (`translations/zh/customer.po`). The
core knows nothing of it: it hears `application_created`, `step_completed`,
`application_completed`, `application_cancelled`, answers `materials_on_record` and
`work_duties` (its appointments are rows of My work like any duty), and adds the delivery channels `sms` and `platform`. The factory
registers `pages.public` (public), `pages.staff` (with `pages.NAV`, `pages.EVENT_WORDS`).
"""
from __future__ import annotations

from ..jobs.delivery import SENDERS
from ..signals import (
    application_cancelled,
    application_completed,
    application_created,
    materials_on_record,
    step_completed,
    work_duties,
)
from . import messages, models, pages

SENDERS.update(sms=messages.send_sms, platform=messages.send_platform)
application_created.connect(messages.on_application_created)
application_created.connect(messages.on_created_push)
step_completed.connect(messages.on_step_push)
application_completed.connect(messages.on_application_completed)
application_cancelled.connect(messages.on_cancelled_push)
materials_on_record.connect(pages.appointment_on_record)
work_duties.connect(pages.work_duties)

__all__ = ["messages", "models", "pages"]
