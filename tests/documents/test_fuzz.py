"""The documents operations never answer 500, whatever they are sent (schemathesis)."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.fixtures.app import local
from tests.fixtures.documents import png_bytes

EXAMPLES = 15


def test_no_documents_operation_answers_500(app, doc_api, frozen, clerk):
    frozen(local(2026, 10, 12, 9, 0), tick=True)
    numbers = [doc_api.create("201"), doc_api.create("211", missing_materials=["产权证明"],
                                                     materials_promised_on="2026-10-14")]
    doc_api.upload(numbers[0], png_bytes(), "a.png", kind="施工图")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations
                  if op.path.endswith(("/documents", "/documents/waivers", "/attachments",
                                       "/attachments/{attachment_id}", ".pdf"))
                  and op.method.upper() in ("GET", "POST") and "multipart" not in str(
                      (op.definition.raw.get("requestBody") or {}).get("content", {}))]
    assert len(operations) >= 7
    headers = {"Authorization": f"Bearer {clerk[1]}"}
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode), real=st.integers(0, 3))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            def run(case, real):
                parameters = case.path_parameters or {}
                if "number" in parameters and real < len(numbers):
                    parameters["number"] = numbers[real]
                if "attachment_id" in parameters and real < 2:
                    parameters["attachment_id"] = 1
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                run()
            except Exception as exc:  # noqa: BLE001  (one run shows every broken operation)
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
