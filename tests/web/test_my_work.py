"""My work (我的待办): every open duty with a deadline of the user's department, from the open
timers (issue 13), as a page and as GET /api/v1/me/work."""
from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from tests.fixtures.app import local
from tests.fixtures.intake import project
from tests.fixtures.web import form_post, page_text, rows_of, step_done


def test_customer_service_sees_the_overdue_callback(client, web_login, water_on, frozen):
    traveller = frozen(local(2026, 10, 12, 9, 0), tick=True)
    number = water_on("GG-2026-0100", address="芜湖市鸠江区江北大道 88 号",
                      contact_phone="139 0553 0000")
    traveller.move_to(local(2026, 10, 19, 10, 0))  # the callback was due in 3 working days
    web_login("clerk", "cs1", department="customer_service")
    rows = rows_of(page_text(client.get("/work")))
    (row,) = [r for r in rows if number in r]
    assert "duty-callback" in row and "超时" in row and "回访" in row
    assert "给客户回电并登记结果" in row
    assert 'href="tel:13905530000"' in row and "芜湖市鸠江区江北大道 88 号" in row
    assert "/callbacks#callback-" in row
    client.get("/language/en")
    row = next(r for r in rows_of(page_text(client.get("/work"))) if number in r)
    assert "Overdue" in row and "Call the customer and record the result" in row


def test_an_engineer_sees_the_meter_install_once_the_survey_is_done(client, web_login, app,
                                                                    new_application, frozen,
                                                                    make_user):
    frozen(local(2026, 10, 13, 9, 0), tick=True)
    make_user("clerk", "clerk1")
    number = new_application("201", address="芜湖市弋江区花津南路 18 号", contact_phone="0553-5841234")
    web_login("engineer", "eng1", department="engineering")
    assert number not in page_text(client.get("/work"))
    step_done(app, number, "survey")
    step_done(app, number, "municipal_approval", skip=True)  # no approval needed
    rows = [r for r in rows_of(page_text(client.get("/work"))) if number in r]
    assert len(rows) == 1 and "挂表通水" in rows[0] and "登记“挂表通水”已完成" in rows[0]
    assert 'href="tel:05535841234"' in rows[0] and "花津南路 18 号" in rows[0]
    assert f"/applications/{number}#step-meter_install" in rows[0]


def test_a_problem_stage_and_a_screening_reach_their_departments(client, web_login, api, push,
                                                                 frozen, api_as):
    frozen(local(2026, 10, 12, 9, 0), tick=True)
    record = push(project("GG-2026-0200"))
    web_login("clerk", "prob1")
    created = form_post(client, "/problems/new", "/problems/new",
                        {"source": "hotline_12345", "department": "engineering",
                         "description": "夜间水压不足", "location": "江北片区"})
    assert created.status_code == 302
    api_as("assessor", "office", department="human_resources").change("/api/v1/problems/P-2026-000001",
                                                      "issue", {})  # 下达 to engineering
    page = page_text(client.get("/work"))  # the connection team: the push to screen
    (screening,) = [r for r in rows_of(page) if "duty-screening" in r]
    assert "芜湖某置业有限公司 江北花园项目" in screening and f"/intake/{record['id']}" in screening
    assert 'href="tel:13905530000"' in screening
    assert not any("P-2026-000001" in row for row in rows_of(page))
    form_post(client, "/work", "/logout", {})
    web_login("engineer", "eng2", department="engineering")
    page = page_text(client.get("/work"))
    (problem,) = [r for r in rows_of(page) if "duty-problem" in r]
    assert "P-2026-000001" in problem and "核查" in problem and "江北片区" in problem
    assert "duty-screening" not in page


def test_the_api_gives_the_rows_of_the_page(client, web_login, api_as, push, new_application,
                                            frozen):
    frozen(local(2026, 10, 12, 9, 0), tick=True)
    numbers = [new_application("201") for _ in range(3)]
    push(project("GG-2026-0300"))
    web_login("clerk", "same1")
    page_rows = rows_of(page_text(client.get("/work")))
    answer = api_as("clerk", "same2").get("/api/v1/me/work?per_page=10")
    assert answer["total"] == len(page_rows) == 4 and answer["pages"] == 1
    kinds = [re.search(r"duty-(\w+)", row).group(1) for row in page_rows]
    assert [item["kind"] for item in answer["items"]] == kinds
    for item, row in zip(answer["items"], page_rows, strict=True):
        assert item["url"] in row and item["next_action"] in row.replace("&#34;", '"')
    assert {item["number"] for item in answer["items"] if item["kind"] == "step"} == set(numbers)
    assert answer["items"][0]["sla"]["state"] in ("on_track", "warning", "overdue")
    second = api_as("clerk", "same3").get("/api/v1/me/work?per_page=3&page=2")
    assert second["total"] == 4 and len(second["items"]) == 1


@contextmanager
def counted(app):
    from tracker.extensions import db

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        statements.append(_args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_number_of_queries_does_not_grow_with_the_list(client, web_login, app, push,
                                                           new_application, frozen):
    frozen(local(2026, 10, 12, 9, 0), tick=True)
    web_login("clerk", "many1")

    def add(applications: int, pushes: int, start: int) -> None:
        for _ in range(applications):
            new_application("201")  # its survey is the connection team's
        for i in range(pushes):
            push(project(f"GG-2026-{start + i:04d}"))  # screening: the connection team's

    def queries() -> list[str]:
        client.get("/work")  # warm caches (flows, departments) alike for both sizes
        with counted(app) as statements:
            assert client.get("/work").status_code == 200
        return statements

    add(3, 2, 1000)
    few = queries()
    add(22, 23, 2000)
    many = queries()
    assert page_text(client.get("/work")).count("duty-") == 50
    assert len(many) == len(few), '\n'.join(few) + '\n-----\n' + '\n'.join(many)


def test_the_statements_kept_per_shape_bind_every_value(app, new_application, make_user, push,
                                                        frozen):
    """services.work keeps its statements per shape (department, mine, due): the person, the
    instant and the page are bound values, so one person's "mine" never shows another's, and
    the rows the features' receivers get carry the documented columns."""
    from tracker.extensions import db
    from tracker.services import work
    from tracker.signals import work_duties

    frozen(local(2026, 10, 12, 9, 0), tick=True)
    first, _token = make_user("clerk", "keep1")
    second, _token = make_user("clerk", "keep2")
    mine_first = {new_application("201", by="keep1") for _ in range(2)}
    mine_second = {new_application("201", by="keep2")}
    push(project("GG-2026-0400"))  # a screening: the connection team's, nobody's own
    seen = []

    def receiver(kind, timers):
        seen.extend(timers)

    work_duties.connect(receiver)
    try:
        with app.test_request_context("/work"):
            for _ in range(2):  # the second round reads the kept statements
                assert {d.number for d in work.my_work(None, person=first)["items"]} \
                    == mine_first
                assert {d.number for d in work.my_work(None, person=second)["items"]} \
                    == mine_second
                team = work.my_work("connection_team")
                assert team["total"] == 4 and {d.kind for d in team["items"]} == {"step",
                                                                                  "screening"}
                assert work.my_work("engineering")["total"] == 0
                assert work.my_work("connection_team", due="overdue")["total"] == 0
                assert [len(work.my_work("connection_team", page, 3)["items"])
                        for page in (1, 2)] == [3, 1]
            db.session.remove()
    finally:
        work_duties.disconnect(receiver)
    assert work._ordered_timers.cache_info().hits >= 6
    timer, application = next((t, a) for t, a in seen if a is not None)
    assert isinstance(timer, work.TimerRow) and isinstance(application, work.ApplicationRow)
    assert application.owner == "keep1" or application.owner == "keep2"
    assert timer.state.value == "running" and timer.subject_type.value == "step"
