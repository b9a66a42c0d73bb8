"""Deadlines through the API: the 201 example, pauses moving deadlines by exactly the paused
working time, and the state, remaining and overdue working time of applications and steps."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.fixtures.app import local
from tracker.settings import reconfigure


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _step(body: dict, code: str) -> dict:
    return next(s for s in body["steps"] if s["code"] == code)


def test_201_accepted_before_national_day_is_due_after_it(api, frozen):
    # 1.5 h on 30 Sep, 1–7 Oct holidays, 6 h more on 8 Oct (shared/domain.md)
    frozen(local(2026, 9, 30, 16, 0))
    body = api.create("201")
    assert body["accepted_at"] == "2026-09-30T16:00:00+08:00"
    assert body["sla"]["due_at"] == "2026-10-08T16:00:00+08:00"
    assert body["sla"]["limit"]["kind"] == "working_days"
    assert body["sla"]["remaining_hours"] == 7.5
    assert body["sla"]["remaining_days"] == 1.0
    # and read back the same
    assert api.application(body["number"])["sla"]["due_at"] == "2026-10-08T16:00:00+08:00"


def test_201_back_dated_acceptance_counts_from_the_given_instant(api, frozen):
    frozen(local(2026, 10, 8, 9, 0))
    body = api.create("201", accepted_at="2026-09-30T16:00:00+08:00")
    assert body["sla"]["due_at"] == "2026-10-08T16:00:00+08:00"


def test_201_is_one_working_day_whatever_the_external_works(api, frozen):
    """003 三（二）1 "办结时长 1 个工作日": no attribute chooses another limit for 201."""
    frozen(local(2026, 10, 12, 9, 0))
    body = api.create("201")
    assert body["sla"]["limit"]["amount"] == 1.0
    assert body["sla"]["due_at"] == "2026-10-13T09:00:00+08:00"
    refused = api.post("/api/v1/applications", {
        "flow": "201", "customer_name": "某公司", "attributes": {"external_works": "small"}},
        status=422, headers={"Accept-Language": "en"})
    assert refused["errors"] == {"attributes.external_works": ["This flow has no such attribute."]}


def test_a_pause_of_two_working_hours_moves_deadlines_by_two_working_hours(api, app, frozen):
    from tracker.services.app_clock import app_clock

    traveller = frozen(local(2026, 10, 12, 9, 0))
    created = api.create("201")
    number = created["number"]
    whole_before = _at(created["sla"]["due_at"])
    survey_before = _at(_step(created, "survey")["sla"]["due_at"])
    assert whole_before == local(2026, 10, 13, 9, 0)
    assert survey_before == local(2026, 10, 12, 17, 30)

    traveller.move_to(local(2026, 10, 12, 11, 0))
    paused = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                      {"reason": "missing_documents", "step": "survey", "note": "缺产权证明"},
                      status=201)
    assert paused["paused"] is True
    assert paused["sla"]["state"] == "paused"
    assert paused["sla"]["due_at"] is None  # open-ended: no deadline while paused
    assert _step(paused, "survey")["sla"]["state"] == "paused"
    assert paused["pauses"][0]["step"] == "survey"
    assert paused["pauses"][0]["stops_application"] is True
    assert paused["pauses"][0]["stopped_steps"] == ["survey"]
    pause_id = paused["pauses"][0]["id"]
    assert paused["pauses"][0]["reason_name"] == "补正材料"

    # 11:00–12:00 and 13:30–14:30: two working hours across the lunch break
    traveller.move_to(local(2026, 10, 12, 14, 30))
    resumed = api.as_read(number).post(f"/api/v1/applications/{number}/pauses/{pause_id}/end")
    assert resumed["paused"] is False
    assert resumed["pauses"][0]["ended_at"] == "2026-10-12T14:30:00+08:00"
    whole_after = _at(resumed["sla"]["due_at"])
    survey_after = _at(_step(resumed, "survey")["sla"]["due_at"])

    with app.app_context():
        clock = app_clock()
        assert clock.working_time_between(whole_before, whole_after) == timedelta(hours=2)
        assert clock.add_working_time(whole_before, timedelta(hours=2)) == whole_after
    assert whole_after == local(2026, 10, 13, 11, 0)
    # 当天 is anchored: the pause ended at 14:30 on Monday, so it is due at Monday's close.
    assert survey_after == local(2026, 10, 12, 17, 30)
    # the paused time is not used: 4 working hours to 14:30, less 2 paused, leaves 5.5 of 7.5
    assert resumed["sla"]["remaining_hours"] == 5.5
    assert resumed["sla"]["state"] == "on_track"


def test_a_pause_cannot_double(api, frozen):
    traveller = frozen(local(2026, 10, 12, 9, 0))
    number = api.create("201")["number"]
    traveller.move_to(local(2026, 10, 12, 10, 0))
    pause = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                     {"reason": "customer_deferral", "step": "survey"}, status=201)["pauses"][0]
    body = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                    {"reason": "customer_deferral", "step": "survey"},
                    status=409, headers={"Accept-Language": "en"})
    assert body["message"] == "The clock is already paused for this reason; resume it first."
    api.as_read(number).post(f"/api/v1/applications/{number}/pauses/{pause['id']}/end")
    body = api.as_read(number).post(f"/api/v1/applications/{number}/pauses/{pause['id']}/end", status=409,
                    headers={"Accept-Language": "en"})
    assert body["message"] == "This pause has already ended."
    body = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                    {"reason": "other", "step": "survey"}, status=422,
                    headers={"Accept-Language": "en"})
    assert body["errors"] == {"note": ["Required."]}
    body = api.as_read(number).post(f"/api/v1/applications/{number}/pauses", {"reason": "lunch"}, status=422,
                    headers={"Accept-Language": "en"})
    assert body["errors"] == {"reason": ["Unknown pause reason."]}
    # 201 follows its seed: external works are not a pause reason of this flow.
    body = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                    {"reason": "external_works", "step": "survey"}, status=422,
                    headers={"Accept-Language": "en"})
    assert body["errors"] == {"reason": ["Unknown pause reason."]}
    # A reason that stops a step needs the step; one that does not refuses it.
    body = api.as_read(number).post(f"/api/v1/applications/{number}/pauses", {"reason": "customer_deferral"},
                    status=422, headers={"Accept-Language": "en"})
    assert body["errors"] == {"step": ["Required."]}
    body = api.as_read(number).post(f"/api/v1/applications/{number}/pauses",
                    {"reason": "municipal_approval", "step": "survey"}, status=422,
                    headers={"Accept-Language": "en"})
    assert body["errors"] == {"step": ["This reason does not stop a single step."]}


# --- states: on track, warning, overdue, done on time, done late ---------------------------

@pytest.fixture
def accepted_211(api, frozen):
    """A 211 application accepted Monday 2026-10-12 09:00: due Tuesday 09:00 (7.5 h)."""
    traveller = frozen(local(2026, 10, 12, 9, 0))
    body = api.create("211")
    assert body["sla"]["due_at"] == "2026-10-13T09:00:00+08:00"
    return body["number"], traveller


def test_on_track_shows_remaining_working_time(api, accepted_211):
    number, traveller = accepted_211
    traveller.move_to(local(2026, 10, 12, 10, 0))
    body = api.application(number)
    assert body["sla"]["state"] == "on_track"
    assert body["sla"]["remaining_hours"] == 6.5
    assert body["sla"]["remaining_days"] == round(6.5 / 7.5, 2)
    assert body["sla"]["over_hours"] == 0.0
    plan = _step(body, "supply_plan")
    assert plan["sla"]["due_at"] == "2026-10-12T17:30:00+08:00"
    assert plan["sla"]["state"] == "on_track"
    assert plan["sla"]["remaining_hours"] == 6.0  # 10:00–12:00, 13:30–17:30
    # acceptance is the registration itself: done, no clock of its own
    assert _step(body, "accept")["status"] == "done"
    assert _step(body, "accept")["sla"]["state"] == "done_on_time"
    assert _step(body, "accept")["sla"]["due_at"] is None
    # the waiting step has no clock yet
    assert _step(body, "water_on")["status"] == "waiting"


def test_warning_at_75_percent_of_the_limit(api, accepted_211):
    number, traveller = accepted_211
    # 75 % of 7.5 h = 5 h 37.5 min of working time: 16:07:30
    traveller.move_to(local(2026, 10, 12, 16, 7))
    assert api.application(number)["sla"]["state"] == "on_track"
    traveller.move_to(local(2026, 10, 12, 16, 8))
    body = api.application(number)
    assert body["sla"]["state"] == "warning"
    assert body["sla"]["used_ratio"] >= 0.75
    assert body["sla"]["remaining_hours"] == round((7.5 * 3600 - 5 * 3600 - 38 * 60) / 3600, 2)
    # the same-day supply plan (8.5 h budget to 17:30) is also past 75 %
    assert _step(body, "supply_plan")["sla"]["state"] == "warning"


def test_the_warning_ratio_is_configurable(api, app, accepted_211):
    number, traveller = accepted_211
    traveller.move_to(local(2026, 10, 12, 14, 0))  # 4 of 7.5 h used: 53 %
    assert api.application(number)["sla"]["state"] == "on_track"
    reconfigure(app, TRACKER_WARNING_RATIO=0.5)
    # the warning instant is stored with the timer when its deadline is (re)computed
    created = api.create("211")["number"]
    # half of 7.5 h from 14:00: 3.5 h to 17:30, then 15 minutes on Tuesday
    traveller.move_to(local(2026, 10, 13, 8, 44))
    assert api.application(created)["sla"]["state"] == "on_track"
    traveller.move_to(local(2026, 10, 13, 8, 46))
    assert api.application(created)["sla"]["state"] == "warning"


def test_overdue_shows_working_time_over(api, accepted_211):
    number, traveller = accepted_211
    traveller.move_to(local(2026, 10, 13, 10, 0))
    body = api.application(number)
    assert body["sla"]["state"] == "overdue"
    assert body["sla"]["remaining_hours"] == 0.0
    assert body["sla"]["over_hours"] == 1.0
    assert body["sla"]["over_days"] == round(1 / 7.5, 2)
    plan = _step(body, "supply_plan")
    assert plan["sla"]["state"] == "overdue"
    assert plan["sla"]["over_hours"] == 1.5  # 17:30 → 08:30–10:00
    # over a weekend the overdue time counts working time only
    traveller.move_to(local(2026, 10, 19, 9, 0))  # Monday: Tue–Fri + 0.5 h
    assert api.application(number)["sla"]["over_hours"] == 7.5 * 4 - 0.5 + 0.5


def test_done_on_time_and_done_late_stay_visible(api, frozen):
    traveller = frozen(local(2026, 10, 12, 9, 0))
    on_time = api.create("211")["number"]
    late = api.create("211")["number"]
    traveller.move_to(local(2026, 10, 12, 10, 0))
    for number in (on_time, late):
        api.step(number, "supply_plan")
    done = api.step(on_time, "water_on")
    assert done["sla"]["state"] == "done_on_time"
    assert done["sla"]["over_hours"] == 0.0
    traveller.move_to(local(2026, 10, 13, 11, 0))
    done = api.step(late, "water_on")
    assert done["status"] == "completed"
    assert done["sla"]["state"] == "done_late"
    assert done["sla"]["over_hours"] == 2.0
    assert _step(done, "water_on")["sla"]["state"] == "done_late"
    # a month later both still say how they finished
    traveller.move_to(local(2026, 11, 20, 9, 0))
    assert api.application(on_time)["sla"]["state"] == "done_on_time"
    late_now = api.application(late)
    assert late_now["sla"]["state"] == "done_late"
    assert late_now["sla"]["over_hours"] == 2.0
    assert late_now["sla"]["over_days"] == round(2 / 7.5, 2)
