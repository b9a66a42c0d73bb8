"""Callbacks (回访), follow-ups (上门回访), 好差评 imports and the monthly rates."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.api import table_counts
from tests.fixtures.app import local

EN = {"Accept-Language": "en"}


def _callback(api, number: str) -> dict:
    return api.get(f"/api/v1/aftercare/applications/{number}")["callback"]


def _result(api, callback_id: int, status: int = 200, headers: dict | None = None,
            **body) -> dict:
    return api.change(f"/api/v1/aftercare/callbacks/{callback_id}", "result", body, status=status,
                      headers=headers)


# --- callbacks ----------------------------------------------------------------------------

def test_water_on_opens_a_callback_due_in_three_working_days(api, water_on, frozen):
    frozen(local(2026, 10, 12, 10, 0))
    number = water_on()
    [item] = api.get("/api/v1/aftercare/callbacks?status=open")["items"]
    assert item["application_number"] == number
    assert item["contact_phone"] == "13905530000"
    assert item["status"] == "open" and item["attempts"] == 0
    assert item["sla"]["due_at"].startswith("2026-10-15T10:00:00+08:00")
    assert item["department_name"] == "客服中心"


def test_an_unanswered_callback_goes_overdue(api, app, water_on, frozen):
    frozen(local(2026, 10, 12, 10, 0))
    number = water_on()
    frozen(local(2026, 10, 15, 9, 59))
    assert _callback(api, number)["sla"]["state"] == "warning"
    frozen(local(2026, 10, 15, 11, 0))
    assert _callback(api, number)["sla"]["state"] == "overdue"
    # the timer itself, as the watcher and the report see it
    from tracker.extensions import db
    from tracker.models import SlaTimer, SubjectType
    from tracker.services.app_clock import app_clock, now
    from tracker.services.timers import describe

    with app.app_context():
        timer = db.session.scalar(sa.select(SlaTimer).where(
            SlaTimer.subject_type == SubjectType.CALLBACK))
        view = describe(timer, now(), app_clock())
        assert view.state == "overdue"
        assert view.over_seconds == 3600
        assert timer.department_code == "customer_service"


def test_not_reached_keeps_the_callback_open_and_logs_the_attempt(api, water_on):
    number = water_on()
    callback = _callback(api, number)
    after = _result(api, callback["id"], reached=False, comment="无人接听")
    assert after["status"] == "open" and after["attempts"] == 1
    after = _result(api, callback["id"], reached=False)
    assert after["attempts"] == 2
    assert after["sla"]["state"] in ("on_track", "warning")


def test_a_satisfied_result_finishes_the_timer(api, water_on, frozen):
    frozen(local(2026, 10, 12, 10, 0))
    number = water_on()
    callback = _callback(api, number)
    frozen(local(2026, 10, 13, 10, 0))
    done = _result(api, callback["id"], reached=True, satisfied=True, comment="很满意",
                   version=callback["version"])
    assert done["status"] == "done" and done["satisfied"] is True
    assert done["done_by"] == "clerk1"
    assert done["sla"]["state"] == "done_on_time"
    again = _result(api, callback["id"], status=409, reached=True, satisfied=True,
                    headers=EN)
    assert again["message"] == "The result of this callback is already recorded."
    assert api.get(f"/api/v1/aftercare/applications/{number}")["follow_ups"] == []


def test_reached_needs_a_verdict_and_dissatisfaction_a_comment(api, app, water_on):
    number = water_on()
    callback = _callback(api, number)
    before = table_counts(app)
    refused = _result(api, callback["id"], status=422, reached=True, headers=EN)
    assert refused["errors"] == {"satisfied": ["Required when the customer was reached."]}
    refused = _result(api, callback["id"], status=422, reached=True, satisfied=False)
    assert refused["errors"] == {"comment": ["客户不满意时必填。"]}
    assert table_counts(app) == before


def test_not_satisfied_opens_a_follow_up_closed_only_with_what_was_done(api, app, water_on,
                                                                        frozen):
    frozen(local(2026, 10, 12, 10, 0))
    number = water_on()
    callback = _callback(api, number)
    _result(api, callback["id"], reached=True, satisfied=False, comment="施工后路面未恢复")
    summary = api.get(f"/api/v1/aftercare/applications/{number}")
    [follow_up] = summary["follow_ups"]
    assert summary["open_follow_ups"] == 1
    assert follow_up["origin"] == "callback" and follow_up["status"] == "open"
    assert follow_up["reason"] == "施工后路面未恢复"
    assert follow_up["application_number"] == number
    # TRACKER_FOLLOWUP_LIMIT_DAYS = 3 working days
    assert follow_up["sla"]["due_at"].startswith("2026-10-15T10:00:00+08:00")
    listed = api.get("/api/v1/aftercare/follow-ups?status=open")
    assert [f["id"] for f in listed["items"]] == [follow_up["id"]]

    before = table_counts(app)
    refused = api.change(f"/api/v1/aftercare/follow-ups/{follow_up['id']}", "close",
                         {"action_taken": " ", "evidence": "照片"}, status=422)
    assert "action_taken" in refused["errors"]
    assert table_counts(app) == before
    frozen(local(2026, 10, 13, 15, 0))
    closed = api.change(f"/api/v1/aftercare/follow-ups/{follow_up['id']}", "close",
                        {"action_taken": "上门恢复路面，客户签字确认", "evidence": "照片 3 张",
                         "version": follow_up["version"]})
    assert closed["status"] == "closed" and closed["sla"]["state"] == "done_on_time"
    assert closed["closed_by"] == "clerk1"
    summary = api.get(f"/api/v1/aftercare/applications/{number}")
    assert summary["open_follow_ups"] == 0
    api.change(f"/api/v1/aftercare/follow-ups/{follow_up['id']}", "close",
               {"action_taken": "again"}, status=409)


def test_auditors_read_callbacks_but_cannot_record(api_as, api, water_on):
    number = water_on()
    auditor = api_as("auditor")
    assert auditor.get("/api/v1/aftercare/callbacks")["total"] == 1
    _result(auditor, _callback(api, number)["id"], status=403, reached=False)


# --- 好差评 import --------------------------------------------------------------------------

HEADER = "external_id,application_number,evaluated_at,satisfied,score,comment\n"


def _run_import(runner, tmp_path, text: str, *, bom: bool = True, name: str = "eval.csv"):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path, runner.invoke(args=["evaluations", "import", str(path)])


def _follow_ups(app):
    from tracker.aftercare.models import FollowUp
    from tracker.extensions import db

    with app.app_context():
        rows = list(db.session.scalars(sa.select(FollowUp).order_by(FollowUp.id)))
        db.session.expunge_all()
        return rows


def test_a_not_satisfied_evaluation_import_opens_a_follow_up(api, app, runner, water_on,
                                                             tmp_path, frozen):
    frozen(local(2026, 10, 14, 9, 0))
    number = water_on()
    frozen(local(2026, 10, 15, 9, 0))
    _, result = _run_import(runner, tmp_path, HEADER
                               + f"HCP-1,{number},2026-10-14 16:20,不满意,1,水压偏低\n"
                               + f"HCP-2,{number},2026/10/14 17:00,满意,5,\n")
    assert result.exit_code == 0, result.output
    assert "导入 2" in result.output
    [follow_up] = _follow_ups(app)
    assert follow_up.origin == "evaluation" and follow_up.status == "open"
    assert follow_up.timer.state.value == "running"
    summary = api.get(f"/api/v1/aftercare/applications/{number}")
    assert [e["external_id"] for e in summary["evaluations"]] == ["HCP-1", "HCP-2"]
    assert summary["evaluations"][0]["evaluated_at"].startswith("2026-10-14T16:20:00+08:00")
    assert summary["follow_ups"][0]["reason"] == "水压偏低"
    # the same file again imports nothing twice
    _, again = _run_import(runner, tmp_path, HEADER
                           + f"HCP-1,{number},2026-10-14 16:20,不满意,1,水压偏低\n"
                           + f"HCP-2,{number},2026/10/14 17:00,满意,5,\n")
    assert again.exit_code == 0, again.output
    assert table_counts(app)["evaluations"] == 2
    assert len(_follow_ups(app)) == 1


def test_a_csv_with_two_bad_rows_imports_the_rest_and_names_the_bad_lines(app, runner,
                                                                           water_on, tmp_path):
    number = water_on()
    text = (HEADER
            + f"E-1,{number},2026-10-09 09:00,yes,5,好\n"            # line 2
            + f"E-2,{number},someday,满意,5,\n"                     # line 3: bad date
            + "E-3,,2026-10-09 10:00,0,,\"多行\n评论\"\n"            # lines 4–5
            + "E-4,101-2099-999999,2026-10-09 10:00,1,,\n"          # line 6: unknown number
            + "E-5,,2026-10-09T11:00:00+08:00,no,2,\n")             # line 7
    path, result = _run_import(runner, tmp_path, text, bom=False)
    assert result.exit_code == 1
    output = result.output
    assert f"{path}:3:" in output and "someday" in output
    assert f"{path}:6:" in output and "101-2099-999999" in output
    assert output.count(f"{path}:") == 2
    assert "导入 3" in output
    from tracker.aftercare.models import Evaluation
    from tracker.extensions import db

    with app.app_context():
        rows = {e.external_id: e for e in db.session.scalars(sa.select(Evaluation))}
        assert set(rows) == {"E-1", "E-3", "E-5"}
        assert rows["E-3"].comment == "多行\n评论" and rows["E-3"].application_id is None
        assert rows["E-5"].satisfied is False and rows["E-5"].score == 2
    assert len(_follow_ups(app)) == 2  # E-3 and E-5


def test_a_file_without_the_required_columns_is_refused_whole(app, runner, tmp_path):
    _, result = _run_import(runner, tmp_path, "id,when\nX,2026-10-12\n")
    assert result.exit_code == 1
    assert "evaluated_at" in result.output and "satisfied" in result.output
    assert table_counts(app)["evaluations"] == 0


def test_evaluations_upload_through_the_api(api, app, water_on):
    import io

    number = water_on()
    data = {"file": (io.BytesIO(("\ufeff" + HEADER + f"U-1,{number},2026-10-12 09:00,差评,1,慢\n"
                                 + "U-2,,2026-10-12 09:00,maybe,,\n").encode()), "e.csv")}
    response = api.client.post("/api/v1/aftercare/evaluations/import", data=data,
                               content_type="multipart/form-data", headers={**api.headers, **EN})
    assert response.status_code == 200, response.get_data(True)
    report = response.get_json()
    assert report["imported"] == 1 and report["follow_ups_opened"] == 1
    assert report["errors"] == [{"line": 3, "message":
                                 "satisfied must be 满意/不满意, 1/0 or yes/no, not maybe"}]


def test_control_characters_in_a_row_are_named(app, runner, tmp_path):
    _, result = _run_import(runner, tmp_path, HEADER + "N-1,,2026-10-12 09:00,1,,ok\n"
                            + "N-2,,2026-10-12 09:00,0,,bad\x00\n")
    assert result.exit_code == 1
    assert ":3:" in result.output and "控制字符" in result.output
    assert table_counts(app)["evaluations"] == 1


def test_duplicate_ids_within_a_file_are_named(app, runner, tmp_path):
    _, result = _run_import(runner, tmp_path, HEADER + "D-1,,2026-10-12 09:00,1,,\n"
                            + "D-1,,2026-10-12 09:00,1,,\n")
    assert result.exit_code == 1
    assert ":3:" in result.output
    assert table_counts(app)["evaluations"] == 1


# --- rates --------------------------------------------------------------------------------

def test_callback_and_satisfaction_rates_of_a_month(api, app, water_on, frozen):
    frozen(local(2026, 10, 12, 10, 0))
    numbers = [water_on(f"GG-R-{i}") for i in range(4)]
    callbacks = [_callback(api, n) for n in numbers]
    _result(api, callbacks[0]["id"], reached=True, satisfied=True)
    _result(api, callbacks[1]["id"], reached=True, satisfied=False, comment="慢")
    _result(api, callbacks[2]["id"], reached=False)
    frozen(local(2026, 11, 2, 10, 0))
    number_nov = water_on("GG-R-NOV", requested_at="2026-11-02T10:00:00+08:00")
    _result(api, _callback(api, number_nov)["id"], reached=True, satisfied=True)

    october = api.get("/api/v1/aftercare/rates?year=2026&month=10")
    assert (october["due"], october["done"], october["rate"]) == (4, 2, 0.5)
    assert (october["satisfied"], october["dissatisfied"]) == (1, 1)
    assert october["satisfaction_rate"] == 0.5
    assert october["follow_ups_opened"] == 1
    november = api.get("/api/v1/aftercare/rates?year=2026&month=11")
    assert (november["due"], november["done"], november["rate"]) == (1, 1, 1.0)
    empty = api.get("/api/v1/aftercare/rates?year=2026&month=9")
    assert empty["due"] == 0 and empty["rate"] is None
    with app.app_context():
        from tracker.aftercare.rates import callback_rates

        assert callback_rates(2026, 10)["rate"] == 0.5


def test_two_clerks_record_the_same_callback_at_once(api, app, auth, water_on, live_server,
                                                     frozen):
    from tests.fixtures.api import fire_at_once

    frozen(local(2026, 10, 12, 10, 0), tick=True)
    number = water_on()
    callback = _callback(api, number)

    def record(session, index):
        return session.post(f"{live_server}/api/v1/aftercare/callbacks/{callback['id']}/result",
                            json={"reached": True, "satisfied": index == 0,
                                  "comment": f"clerk {index}", "version": callback["version"]},
                            headers=auth, timeout=60)

    responses = fire_at_once(2, record)
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    stored = _callback(api, number)
    assert stored["comment"] == winner["comment"]
    # a follow-up only if the winner said "not satisfied"
    assert table_counts(app)["follow_ups"] == (0 if winner["satisfied"] else 1)


def test_a_callback_result_and_a_follow_up_close_need_the_version_just_read(
        api, water_on, needs_read_version):
    number = water_on()
    callback = f"/api/v1/aftercare/callbacks/{_callback(api, number)['id']}"
    read = api.client.get(callback, headers=api.headers)
    assert read.headers["ETag"] == f'"{read.get_json()["version"]}"'
    done = needs_read_version(callback, "result",
                              {"reached": True, "satisfied": False, "comment": "路面未恢复"})
    assert done["status"] == "done"
    [follow_up] = api.get(f"/api/v1/aftercare/applications/{number}")["follow_ups"]
    closed = needs_read_version(f"/api/v1/aftercare/follow-ups/{follow_up['id']}", "close",
                                {"action_taken": "上门恢复路面", "evidence": "照片"})
    assert closed["status"] == "closed"
