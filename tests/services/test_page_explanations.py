"""explanations.page_explanations (what the application page shows: each explanation's lines)
gives the lines present_explanations gives (the API's …/explain), for the application and
every step, in both languages: on the golden pages' data set (open, overdue, paused, cancelled,
completed) and on an application paused on a step, with the pause ended and one still open."""
from __future__ import annotations

import pytest

from tests.fixtures.app import local
from tests.web.test_pages_same_html import generated  # noqa: F401  (the data set, a fixture)


def _compare(app, numbers: list[str], lang: str) -> tuple[int, str]:
    from tracker.services.app_clock import app_clock
    from tracker.services.applications import get_application
    from tracker.services.explanations import page_explanations, present_explanations
    from tracker.web.formatting import limit_text

    explained, lines = 0, []
    with app.test_request_context(f"/?lang={lang}"):
        clock = app_clock()
        for number in numbers:
            application = get_application(number)
            whole = present_explanations(application, clock, lang, limit_text)
            why, why_steps = page_explanations(application, clock, lang, limit_text)
            expected = whole["application"]
            assert (why and why["lines"]) == (expected and expected["lines"]), number
            assert list(why_steps) == [s["code"] for s in whole["steps"]]
            for step in whole["steps"]:
                shown = why_steps[step["code"]]
                assert (shown and shown["lines"]) == (step["explanation"]
                                                      and step["explanation"]["lines"])
                explained += shown is not None
                lines += shown["lines"] if shown else []
    return explained, "\n".join(lines)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pages_lines_are_the_explanations(app, generated, lang):  # noqa: F811
    assert _compare(app, generated, lang)[0] > len(generated)


def test_pauses_and_completions_are_worded_the_same(app, api, frozen):
    clock = frozen(local(2026, 10, 12, 9, 0))
    number = api.create("201")["number"]
    clock.move_to(local(2026, 10, 12, 10, 0))
    api.step(number, "survey")
    paused = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                                      {"reason": "customer_deferral",
                                       "step": "municipal_approval"}, status=201)["pauses"][0]
    clock.move_to(local(2026, 10, 13, 11, 0))
    api.as_read(number).post(f"/api/v1/applications/{number}/pauses/{paused['id']}/end")
    api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                             {"reason": "municipal_approval"}, status=201)
    clock.move_to(local(2026, 10, 14, 15, 0))
    for lang in ("zh", "en"):
        explained, lines = _compare(app, [number], lang)
        assert explained >= 2 and ("paused (" in lines or "暂停" in lines), lines
