"""Fuzz every operation of the OpenAPI document (/api/v1/openapi.json) with schemathesis, as a
clerk: whatever it sends, valid or not, the API answers without a 500, with JSON that matches
the document.

Path parameters are often swapped for real application numbers, step codes and pause ids, so
generated bodies reach the services instead of stopping at a 404. (schemathesis's own pytest
integration, `from_fixture(...).parametrize()`, does not run under pytest 9, so each operation
is driven here through its Hypothesis strategy.)
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fixtures.app import local

STEP_CODES = ["accept", "survey", "municipal_approval", "meter_install", "meter_stock_entry",
              "system_entry", "archive", "supply_plan", "water_on", "nope"]
REASONS = ["missing_documents", "external_works", "municipal_approval", "other"]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = 20  # per operation and mode: the whole document in well under a minute
# The operations of this feature; other features' blueprints fuzz their own paths.
PATHS = ("/api/v1/applications", "/api/v1/flows", "/api/v1/pause-reasons", "/api/v1/me/",
         "/api/v1/duties/")
# tracker.documents' operations under /applications (fuzzed in tests/documents).
DOCUMENTS = ("/attachments", "/attachments/{attachment_id}", "/documents", "/documents/waivers",
             ".pdf")


@pytest.fixture
def fuzz_world(api, frozen):
    """make() → numbers of fresh applications in several states for the fuzzer to act on (made
    anew for each operation, so that one operation cancelling them leaves the next its own)."""
    traveller = frozen(local(2026, 10, 12, 9, 0), tick=True)

    def make() -> list[str]:
        traveller.move_to(local(2026, 10, 12, 9, 0))
        numbers = [api.create(flow)["number"] for flow in ("201", "211", "211")]
        numbers.append(api.create("101", requested_at="2026-10-12T10:00:00+08:00")["number"])
        numbers.append(api.create("211", missing_materials=["产权证明"],
                                  materials_promised_on="2026-10-14")["number"])
        api.as_read(numbers[1]).post(f"/api/v1/applications/{numbers[1]}/pauses",
                 {"reason": "missing_documents", "step": "supply_plan"}, status=201)
        for code in ("supply_plan", "water_on"):
            api.step(numbers[2], code)
        traveller.move_to(local(2026, 10, 13, 10, 0))
        return numbers

    return make


def _operations(app) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith(PATHS)
                  and not op.path.endswith(DOCUMENTS)]
    # With GET …/explain (issue 12), GET /me/work, POST …/owner and POST /duties/…/assignee
    # (issue 13).
    assert len(operations) == 18
    return operations


def _fuzz(operation, mode: GenerationMode, numbers: list[str], headers: dict[str, str],
          checks: list = CHECKS, examples: int = EXAMPLES) -> None:
    @given(case=operation.as_strategy(generation_mode=mode), real=st.integers(0, 6),
           step=st.sampled_from(STEP_CODES), pause=st.integers(0, 3),
           flow=st.sampled_from(["201", "211", "101"]), reason=st.sampled_from(REASONS))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case, real, step, pause, flow, reason):
        parameters = case.path_parameters or {}
        if "number" in parameters and real < len(numbers):
            parameters["number"] = numbers[real]
            if "code" in parameters:
                parameters["code"] = step
        if "pause_id" in parameters and pause:
            parameters["pause_id"] = pause
        if isinstance(case.body, dict) and "flow" in case.body and real < 3:
            case.body["flow"] = flow  # a known flow, so creation gets past the lookup
        if isinstance(case.body, dict) and "reason" in case.body and real < 3 \
                and operation.path.endswith("/pauses"):
            case.body["reason"] = reason
        case.call_and_validate(headers=headers, checks=checks)

    run()


def test_no_operation_answers_500(app, fuzz_world, auth):
    failures = []
    for operation in _operations(app):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, fuzz_world(), auth)
            except Exception as exc:  # noqa: BLE001  (one run shows every broken operation)
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)


# Every operation of the document, every feature's too, with the status each answer has
# checked against the ones documented: a few examples each keeps it quick.
TRUTH_CHECKS = [*CHECKS, status_code_conformance]
TRUTH_EXAMPLES = 3


def test_every_operation_answers_only_what_the_document_says(app, fuzz_world, auth):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 48
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, fuzz_world(), auth, TRUTH_CHECKS, TRUTH_EXAMPLES)
            except Exception as exc:  # noqa: BLE001  (one run shows every broken operation)
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
