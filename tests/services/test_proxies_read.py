"""services.duties.proxies_of reads the 代办 acts as plain rows: grouped and ordered as the ORM
read them, presented the same (the actor's label: display name, else user name), for the
subjects asked only."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.fixtures.app import local
from tracker.extensions import db
from tracker.models import ProxyAct, User


def test_plain_rows_present_as_the_acts_did(app, make_user):
    make_user("team_lead", "lead-a", department=None)
    make_user("admin", "admin-b", department=None)
    with app.app_context():
        from tracker.services.duties import present_proxies, proxies_of

        lead = db.session.scalar(sa.select(User).where(User.username == "lead-a"))
        admin = db.session.scalar(sa.select(User).where(User.username == "admin-b"))
        admin.display_name = ""
        at = local(2026, 6, 1, 9, 0)
        for i, (actor, subject, stage) in enumerate([
                (lead, 1, "survey"), (admin, 1, "survey"), (lead, 2, "design"),
                (admin, 3, "survey"), (lead, 1, "design")]):
            db.session.add(ProxyAct(at=at + timedelta(minutes=i % 2), actor=actor,
                                    department_code="connection_team", reason=f"r<{i}>",
                                    subject_type="step", subject_id=subject, stage=stage,
                                    action="complete"))
        db.session.add(ProxyAct(at=at, actor=lead, department_code="x", reason="other kind",
                                subject_type="callback", subject_id=1, stage="callback",
                                action="complete"))
        db.session.commit()

        expected: dict = {}
        for act in db.session.scalars(sa.select(ProxyAct).where(
                ProxyAct.subject_type == "step", ProxyAct.subject_id.in_([1, 2]))
                .order_by(ProxyAct.at, ProxyAct.id)):
            expected.setdefault((act.subject_id, act.stage), []).append(act)
        found = proxies_of("step", [1, 2])
        assert list(found) == list(expected)
        for lang in ("zh", "en"):
            assert {k: present_proxies(v, lang) for k, v in found.items()} == \
                {k: present_proxies(v, lang) for k, v in expected.items()}
        assert found[(1, "survey")][1].actor.label == "admin-b"
        assert proxies_of("step", []) == {}
        db.session.remove()
