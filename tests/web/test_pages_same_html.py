"""The staff pages render the same HTML as before issue 15's speed-ups of their rendering
(cells built in Python, one form per page, no per-row url_for): every byte but the CSRF
tokens.

The reference is HTML recorded from the code before the change (branch main at b020ebc) on
the data set below, kept in tests/web/golden_pages/ (one file per page and language). To
record it again on purpose (a page changed): `TRACKER_RECORD_PAGES=1 pytest
tests/web/test_pages_same_html.py -k sqlite`, and read the diff.

The data: 24 applications of three flows over two weeks, chosen by a seeded generator (the
same on every run): left open, overdue, paused (the whole or one step), cancelled, one step
on, completed (each completion opens a callback; some are then called, a few customers not
satisfied, one of those charged to a department), with missing materials, owned by the
clerk, some duties taken by her. The pages are then fetched at one frozen instant as a team
lead, a clerk and a customer-service clerk, in Chinese and in English.
"""
from __future__ import annotations

import difflib
import os
import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fixtures.app import local
from tests.fixtures.web import login

GOLDEN = Path(__file__).parent / "golden_pages"
RECORD = os.environ.get("TRACKER_RECORD_PAGES") == "1"
# A CSRF token (Flask-WTF: the signed token differs on every request).
TOKEN = re.compile(r'(name="(?:[\w-]+-)?csrf_token"[^>]*?value=")[^"]+(")|'
                   r'(value=")[^"]+("[^>]*?name="(?:[\w-]+-)?csrf_token")')


def normalised(html: str) -> str:
    return TOKEN.sub(lambda m: (m.group(1) or m.group(3)) + "TOKEN" + (m.group(2) or m.group(4)),
                     html)


@pytest.fixture
def generated(app, api_as, make_user, frozen):
    """The data set described above; the numbers made."""
    clock = frozen(local(2026, 11, 2, 9, 0))
    make_user("team_lead", "lead", department=None)
    make_user("clerk", "cs", department="customer_service")
    wang = api_as("clerk", "wang", department="connection_team")
    rng = random.Random(20261202)
    made = []
    moment = local(2026, 11, 2, 9, 0)
    for i in range(24):
        flow = rng.choice(["201", "211", "211", "101"])
        extra = {}
        if flow == "101":  # its clock runs from the customer's requested time
            extra["requested_at"] = (moment + timedelta(hours=1)).isoformat()
        if i % 3 == 0:
            extra["owner"] = "wang"
        if i % 7 == 0:
            extra["missing_materials"] = ["房产证明"]
            extra["materials_promised_on"] = (moment + timedelta(days=3)).date().isoformat()
        number = wang.create(flow, customer_name=f"客户{i}", contact_phone="0553-1234567",
                             address=f"芜湖市镜湖区{i}号", **extra)["number"]
        made.append(number)
        what = rng.choice(["leave", "leave", "pause", "pause_step", "cancel", "step", "done",
                           "done", "done"])
        base = f"/api/v1/applications/{number}"
        if what == "pause" and flow == "211":
            wang.as_read(number).post(f"{base}/pauses", {"reason": "municipal_approval"},
                                      status=201)
        elif what == "pause_step" and flow == "211":
            wang.as_read(number).post(f"{base}/pauses",
                                      {"reason": "customer_deferral", "step": "supply_plan"},
                                      status=201)
        elif what == "cancel":
            wang.as_read(number).post(f"{base}/cancel", {"reason": "客户撤回"})
        elif what in ("step", "done") and flow == "211":
            wang.step(number, "supply_plan", note="方案已出")
            if what == "done":
                wang.step(number, "water_on")
        moment = moment + timedelta(hours=rng.choice([1, 2, 5, 24, 26]))
        if moment.astimezone(local(2026, 1, 1).tzinfo).hour >= 17:
            moment += timedelta(hours=16)
        clock.move_to(moment)
    _callbacks_and_duties(app, rng)
    clock.move_to(local(2026, 11, 20, 10, 30))
    return made


def _callbacks_and_duties(app, rng) -> None:
    """Some callbacks called (a few customers not satisfied, one charged to a department);
    some duties taken by the clerk."""
    from tracker.aftercare import commands
    from tracker.aftercare.models import Callback
    from tracker.extensions import db
    from tracker.models import SlaTimer, User

    with app.app_context():
        cs = db.session.scalar(sa.select(User).where(User.username == "cs"))
        wang = db.session.scalar(sa.select(User).where(User.username == "wang"))
        callbacks = db.session.scalars(sa.select(Callback).order_by(Callback.id)).all()
        ids = [c.id for c in callbacks]
        for n, callback_id in enumerate(ids):
            if n % 2:
                continue
            satisfied = n % 4 != 0
            commands.record_callback_result(callback_id, cs, reached=True, satisfied=satisfied,
                                            comment=f"回访{n}")
            if not satisfied and n % 8 == 0:
                commands.assign_callback(callback_id, cs, department="connection_team")
        timers = db.session.scalars(sa.select(SlaTimer).where(
            SlaTimer.state == "running", SlaTimer.subject_type == "step")
            .order_by(SlaTimer.id)).all()
        for timer in timers[::3]:
            timer.assignee_id = wang.id
        db.session.commit()
        db.session.remove()


def pages(numbers: list[str]) -> dict[str, tuple[str, str]]:
    """name -> (who, URL)."""
    found = {
        "dashboard": ("lead", "/dashboard"),
        "work-department-lead": ("lead", "/work?tab=department&department=all"),
        "work-department": ("wang", "/work?tab=department"),
        "work-mine": ("wang", "/work?tab=mine"),
        "work-cs": ("cs", "/work?tab=department"),
        "work-overdue": ("lead", "/work?tab=department&department=all&due=overdue"),
        "list": ("lead", "/applications"),
        "list-page-2": ("lead", "/applications?page=2&status=open"),
        "list-overdue": ("lead", "/applications?overdue=yes"),
        "list-search": ("wang", "/applications?text=%E5%AE%A2%E6%88%B71"),  # 客户1
        "callbacks": ("cs", "/callbacks"),
        "callbacks-lead": ("lead", "/callbacks"),
        "callbacks-done": ("cs", "/callbacks?status=done"),
        "callbacks-all": ("lead", "/callbacks?status=all"),
        "follow-ups": ("cs", "/follow-ups"),
        "problems": ("lead", "/problems"),
        # the report page: live figures (a lead sees the outbox), live asked for, an empty
        # month (recorded from the code before its body was put in as bytes)
        "report": ("lead", "/reports/monthly?month=2026-11"),
        "report-live": ("wang", "/reports/monthly?month=2026-11&live=1"),
        "report-empty": ("cs", "/reports/monthly"),
    }
    for n, number in enumerate(numbers[:10]):
        found[f"detail-{n}"] = ("wang" if n % 2 else "lead", f"/applications/{number}")
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_render_as_before(app, generated, lang):
    clients = {}
    for who in ("lead", "wang", "cs"):
        clients[who] = app.test_client()
        assert login(clients[who], who).status_code == 302
    differ = []
    for name, (who, url) in pages(generated).items():
        url += ("&" if "?" in url else "?") + f"lang={lang}"
        response = clients[who].get(url)
        assert response.status_code == 200, (name, response.status_code)
        html = normalised(response.get_data(as_text=True))
        golden = GOLDEN / f"{name}.{lang}.html"
        if RECORD:
            GOLDEN.mkdir(exist_ok=True)
            golden.write_bytes(html.encode())
            continue
        expected = golden.read_bytes().decode()  # as written: "\r\n" kept
        if expected != html:
            lines = difflib.unified_diff(expected.splitlines(), html.splitlines(), lineterm="",
                                         n=0)
            differ.append(f"{name}:\n" + "\n".join(repr(line) for line in list(lines)[:12]))
    assert not differ, "pages whose HTML changed:\n" + "\n".join(differ)
