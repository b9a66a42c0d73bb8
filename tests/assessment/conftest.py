"""Fixtures of the assessment tests: a generated October 2026 (tests/reports/generator.py),
time frozen at its AS_OF (5 November 2026, 12:00) afterwards."""
from __future__ import annotations

import random

import pytest

from tests.fixtures.app import local
from tests.reports import generator
from tests.reports.generator import AS_OF


@pytest.fixture
def month_played(app, make_user, frozen):
    """October 2026 played through the services (fewer applications than the report tests,
    with assigned callback complaints and the generator's government surveys);
    returns (records, evaluations, the frozen clock). No app context is left pushed."""
    from tracker.extensions import db
    from tracker.models import User

    rng = random.Random(20261101)
    records = generator.plan_211(rng, 16) + generator.plan_201()
    completed = [r for r in records if r.flow == "211" and r.water_on is not None]
    evaluations = [("E1", completed[0].key, local(2026, 10, 20, 10, 0), False)]
    # "Not satisfied" callbacks: the hotline assigns them to a department in turn, one stays
    # unassigned (charged to nobody yet); the government surveys of the generator.
    unhappy = [r for r in records if r.callback and not r.callback[1]]
    for i, rec in enumerate(unhappy):
        rec.assigned_to = ("business_hall", "engineering", None)[i % 3]
    surveys = generator.surveys(completed)
    user_id, _token = make_user("clerk", "gen-clerk")
    traveller = frozen(local(2026, 9, 28, 8, 0))
    with app.app_context():
        generator.run(records, db.session.get(User, user_id), traveller.move_to, evaluations,
                      surveys)
        db.session.remove()
    traveller.move_to(AS_OF)
    return records, evaluations, traveller
