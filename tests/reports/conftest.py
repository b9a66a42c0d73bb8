"""Fixtures of the report tests: a generated month (October 2026) and users."""
from __future__ import annotations

import random

import pytest

from tests.fixtures.app import local
from tests.reports import generator
from tests.reports.generator import AS_OF


@pytest.fixture
def october(app, make_user, frozen):
    """October 2026 played through the services; returns (records, evaluations), time frozen
    at AS_OF afterwards (the government surveys are `generator.SURVEYS`; of the "not
    satisfied" callbacks, one in three stays unassigned, the others go to the business hall
    and engineering in turn). Leaves no app context pushed (HTTP tests get a fresh one per request;
    tests that query directly ask for `ctx`)."""
    from tracker.extensions import db
    from tracker.models import User

    rng = random.Random(20261001)
    records = generator.plan_211(rng, 40) + generator.plan_201()
    completed = [r for r in records if r.flow == "211" and r.water_on is not None]
    evaluations = [
        ("E1", completed[0].key, local(2026, 10, 20, 10, 0), True),
        ("E2", completed[1].key, local(2026, 10, 21, 10, 0), False),
        ("E3", None, local(2026, 10, 22, 10, 0), False),  # no application: charged to nobody
        ("E4", completed[2].key, local(2026, 9, 30, 10, 0), False),  # September: not counted
    ]
    unhappy = [r for r in records if r.callback and not r.callback[1]]
    for i, rec in enumerate(unhappy):
        rec.assigned_to = (None, "business_hall", "engineering")[i % 3]
    surveys = generator.surveys(completed)
    user_id, _token = make_user("clerk", "october-clerk")
    coordinates = frozen(local(2026, 9, 28, 8, 0))
    with app.app_context():
        generator.run(records, db.session.get(User, user_id), coordinates.move_to, evaluations,
                      surveys)
        db.session.remove()
    coordinates.move_to(AS_OF)
    return records, evaluations
