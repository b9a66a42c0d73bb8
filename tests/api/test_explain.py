"""GET /api/v1/applications/<number>/explain (issue 12): every deadline explained, as data and
as the sentence, in the caller's language."""
from __future__ import annotations

import random

from tests.fixtures.app import local

NOTICE_2026 = "国务院办公厅关于2026年部分节假日安排的通知"
EN = {"Accept-Language": "en"}


def _explain(api, number: str, **kwargs) -> dict:
    return api.get(f"/api/v1/applications/{number}/explain", **kwargs)


def _adds_up(explanation: dict) -> None:
    assert sum(s["counted_seconds"] for s in explanation["segments"]) == \
        explanation["counted_seconds"]


def test_accepted_on_the_eve_of_national_day_explains_its_one_working_day(api, frozen):
    frozen(local(2026, 9, 30, 16, 0))  # a Wednesday
    number = api.create("201")["number"]
    body = _explain(api, number)
    whole = body["application"]
    assert whole["due_at"] == "2026-10-08T16:00:00+08:00"
    assert whole["budget_seconds"] == whole["counted_seconds"] == 27000
    kinds = [(s["kind"], s["counted_seconds"]) for s in whole["segments"]]
    assert kinds == [("counted", 5400), ("holiday", 0), ("counted", 21600)]
    holiday = whole["segments"][1]
    assert (holiday["reason"], holiday["days"]) == ("国庆节", 7)
    assert holiday["source"].startswith(NOTICE_2026)
    assert holiday["from"] == "2026-10-01T00:00:00+08:00"
    assert whole["segments"][0]["office_hours"] == [
        {"from": "2026-09-30T16:00:00+08:00", "to": "2026-09-30T17:30:00+08:00"}]
    sentence = whole["sentence"]
    for words in ("1 个工作日，按时钟计算（7.5 工作小时）", "9月30日 16:00–17:30 计 1.5 小时",
                  "10月1日–7日 国庆节", NOTICE_2026, "10月8日 08:30–12:00、13:30–16:00 计 6 小时",
                  "截止 2026-10-08 16:00"):
        assert words in sentence, (words, sentence)
    assert whole["summary"] == "含国庆节假期 7 天"
    for step in body["steps"]:
        if step["explanation"] is not None:
            _adds_up(step["explanation"])

    english = _explain(api, number, headers=EN)["application"]
    for words in ("1 working day, counted on the clock (7.5 working hours)",
                  "30 Sep 16:00–17:30: 1.5 h", "1–7 Oct 国庆节", "not counted",
                  "due 2026-10-08 16:00"):
        assert words in english["sentence"], (words, english["sentence"])


def test_a_pause_of_two_working_hours_shows_with_reason_who_and_both_ends(api, frozen):
    clock = frozen(local(2026, 9, 30, 16, 0))
    number = api.create("201")["number"]
    clock.move_to(local(2026, 10, 8, 9, 0))
    pause = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                                     {"reason": "municipal_approval"}, status=201)["pauses"][0]
    clock.move_to(local(2026, 10, 8, 11, 0))
    api.as_read(number).post(f"/api/v1/applications/{number}/pauses/{pause['id']}/end")
    whole = _explain(api, number)["application"]
    (shown,) = [s for s in whole["segments"] if s["kind"] == "pause"]
    assert shown["paused_seconds"] == 7200
    assert shown["pause"]["id"] == pause["id"]
    assert shown["pause"]["from"] == "2026-10-08T09:00:00+08:00"
    assert shown["pause"]["to"] == "2026-10-08T11:00:00+08:00"
    assert shown["pause"]["by"]
    assert whole["counted_seconds"] == whole["budget_seconds"] == 27000
    _adds_up(whole)
    assert whole["due_at"] == api.application(number)["sla"]["due_at"] == \
        "2026-10-09T09:00:00+08:00"
    assert "扣除 2 工作小时" in whole["sentence"]
    assert shown["pause"]["reason_name"] in whole["sentence"]


def test_a_provisional_2027_deadline_is_marked_provisional(api, frozen):
    frozen(local(2027, 9, 30, 16, 0))
    whole = _explain(api, api.create("201")["number"])["application"]
    assert whole["provisional"] is True
    assert any(s["provisional"] for s in whole["segments"] if s["kind"] == "holiday")
    assert "暂定" in whole["sentence"]


def test_counted_seconds_add_up_over_random_applications(api, frozen):
    generator = random.Random(12)
    for _ in range(4):
        start = local(2026, generator.randint(1, 11), generator.randint(1, 28),
                      generator.randint(0, 23), generator.choice((0, 15, 30, 45)))
        clock = frozen(start)
        number = api.create("201")["number"]
        clock.move_to(start.replace(hour=min(start.hour + 1, 23)))
        pause = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                                         {"reason": "municipal_approval"},
                                         status=201)["pauses"][0]
        clock.move_to(start.replace(hour=min(start.hour + 1, 23), minute=59))
        api.as_read(number).post(f"/api/v1/applications/{number}/pauses/{pause['id']}/end")
        body = _explain(api, number)
        whole = body["application"]
        _adds_up(whole)
        assert whole["counted_seconds"] == whole["budget_seconds"]
        assert whole["due_at"] == api.application(number)["sla"]["due_at"]
        for step in body["steps"]:
            if step["explanation"] is not None:
                _adds_up(step["explanation"])


def test_an_unknown_application_is_404_in_the_callers_language(api):
    body = api.get("/api/v1/applications/NOPE/explain", status=404, headers=EN)
    assert "application" in body["message"].lower()


def test_the_endpoint_is_in_the_openapi_schema(api):
    spec = api.get("/api/v1/openapi.json")
    assert "/api/v1/applications/{number}/explain" in spec["paths"]
    assert "ExplanationOut" in spec["components"]["schemas"]


def test_a_finished_step_says_when_it_was_done_and_how_late(api, frozen):
    clock = frozen(local(2026, 9, 30, 16, 0))
    number = api.create("201")["number"]
    clock.move_to(local(2026, 10, 8, 9, 0))
    api.step(number, "survey")
    body = _explain(api, number)
    survey = next(s for s in body["steps"] if s["code"] == "survey")["explanation"]
    assert survey["done"]["at"] == "2026-10-08T09:00:00+08:00"
    assert survey["due_at"] == "2026-09-30T17:30:00+08:00"
    # 17:30 on 30 Sep, then 国庆节, then 08:30-09:00 on 8 Oct: half an hour late
    assert survey["done"]["over_seconds"] == 1800 and survey["done"]["late"] is True
    assert "2026-10-08 09:00 完成，超时 0.5 工作小时" in survey["sentence"]
