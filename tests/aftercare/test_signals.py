"""Features talk through signals: completing an application announces it, and after-care
(listening since its package was imported) opens the callback inside the same transaction."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.aftercare.commands import on_application_completed
from tracker.aftercare.models import Callback
from tracker.extensions import db
from tracker.signals import application_completed


def test_completing_an_application_announces_it_and_opens_the_callback(app, api, water_on):
    heard = []

    def listener(sender, **kwargs) -> None:
        heard.append((sender.number, sorted(kwargs)))

    with application_completed.connected_to(listener):
        number = water_on("GG-2026-0200")
    assert heard == [(number, ["actor", "at", "clock"])]
    assert on_application_completed in list(application_completed.receivers_for(object()))
    with app.app_context():
        callback = db.session.scalar(sa.select(Callback).join_from(
            Callback, Callback.timer).where(Callback.status == "open"))
        assert callback is not None and callback.timer.stage == "callback"
        db.session.remove()
