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


def test_the_core_announces_each_moment_once(app, api, frozen):
    """Created, each completed step, completed, cancelled: one signal each, sender the
    application, inside the change's transaction."""
    from tracker.signals import application_cancelled, application_created, step_completed

    heard: list[tuple[str, str]] = []

    def hear(name):
        def listener(sender, **kwargs) -> None:
            heard.append((name, sender.number, getattr(kwargs.get("record"), "code", None)))
        return listener

    created, step, completed, cancelled = (hear("created"), hear("step"), hear("completed"),
                                           hear("cancelled"))
    with application_created.connected_to(created), step_completed.connected_to(step), \
            application_completed.connected_to(completed), \
            application_cancelled.connected_to(cancelled):
        done = api.create("101", requested_at="2026-10-12T10:00:00+08:00")["number"]
        api.step(done, "meter_install")
        dropped = api.create("201")["number"]
        api.as_read(dropped).post(f"/api/v1/applications/{dropped}/cancel", {"reason": "客户撤回"})
    assert sorted(heard, key=str) == sorted([
        ("created", done, None), ("step", done, "meter_install"), ("completed", done, None),
        ("created", dropped, None), ("cancelled", dropped, None)], key=str)
