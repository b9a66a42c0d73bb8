"""Every test here starts frozen on Monday 2026-10-12 09:00 (tests/fixtures/intake.py)."""
import pytest


@pytest.fixture(autouse=True)
def _frozen_monday(a_monday_in_october) -> None:
    """The sample pushes' dates are never stale."""


@pytest.fixture(autouse=True)
def _duties_separated(duties_separated) -> None:
    """Each stage by its department, as in production."""


@pytest.fixture
def clerk(make_user):
    """The problems' tests act as a clerk of the business hall, the department their sample
    problems are issued to (separation of duties: a stage is its department's to do)."""
    return make_user("clerk", "clerk1", department="business_hall")


@pytest.fixture
def office(api_as):
    """The assessment office: issues problems (下达), adjusts them, records sanctions."""
    return api_as("assessor", "office", department="human_resources")


@pytest.fixture
def inspector(api_as):
    """A clerk of the re-checking office (督查办)."""
    return api_as("clerk", "inspector", department="inspection_office")


@pytest.fixture
def issued(api, office):
    """issued(client=api, **fields) → a problem registered by `client` and issued at once."""

    def create(client=None, **fields):
        body = {"source": "officer", "description": "营业厅叫号机故障，客户排队无序",
                "location": "鸠江营业厅", "department": "business_hall", **fields}
        problem = (client or api).post("/api/v1/problems", body, status=201)
        return office.change(f"/api/v1/problems/{problem['number']}", "issue", {})

    return create
