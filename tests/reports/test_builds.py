"""A long download built by the job (issue 15): the same file as the direct download, its
progress as another session sees it, failures recorded, a 409 before it is done, one build
for the same request, the redirect of a big month, the build page in both languages."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.fixtures.jobs import all_at_once
from tests.fixtures.web import csrf_token, login, page_text
from tracker.extensions import db
from tracker.models.base import now_utc
from tracker.reports import builds
from tracker.reports.models import BuildState, ReportBuild, ReportBuildChunk
from tracker.settings import reconfigure

MONTH = "2026-10"


def _bearer(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def _run_job(app) -> builds.BuildRun:
    with app.app_context():
        result = builds.run_builds()
        db.session.remove()
    return result


def _prepare(client, what: str, lang: str = "zh", **fields):
    """The report page's "Prepare the download" form, as a person sends it."""
    page = client.get(f"/reports/monthly?month={MONTH}&lang={lang}")
    return client.post(f"/reports/monthly/{MONTH}/builds?lang={lang}",
                       data={"what": what, "csrf_token": csrf_token(page.get_data(as_text=True)),
                             **fields})


def _build_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


CASES = [  # (what the form asks for, the direct download, the language)
    ("xlsx", f"/reports/monthly/{MONTH}.xlsx", "zh"),
    ("xlsx", f"/reports/monthly/{MONTH}.xlsx", "en"),
    ("csv:overdue", f"/reports/monthly/{MONTH}.csv?table=overdue", "zh"),
    ("csv:points", f"/reports/monthly/{MONTH}.csv?table=points", "en"),
]


def test_the_job_builds_the_same_file_as_the_direct_download(app, client, make_user, october):
    """Byte for byte, with the same name and type; the JSON build holds what the API answers
    (one generated month for every case)."""
    make_user("clerk", "build-clerk")
    assert login(client, "build-clerk").status_code == 302
    for what, direct, lang in CASES:
        joiner = "&" if "?" in direct else "?"
        inline = client.get(f"{direct}{joiner}lang={lang}")
        assert inline.status_code == 200
        build_id = _build_of(_prepare(client, what, lang))
        assert _run_job(app).done == 1
        built = client.get(f"/reports/monthly/{MONTH}/builds/{build_id}/file")
        assert built.status_code == 200
        assert built.get_data() == inline.get_data(), (what, lang)
        assert built.headers["Content-Disposition"] == inline.headers["Content-Disposition"]
        assert built.mimetype == inline.mimetype
        assert int(built.headers["Content-Length"]) == len(inline.get_data())
    _json_build_is_the_api_answer(app, client, make_user("clerk", "json-clerk")[1])


def _json_build_is_the_api_answer(app, client, token: str) -> None:
    direct = client.get(f"/api/v1/reports/monthly/{MONTH}", headers=_bearer(token))
    queued = client.post(f"/api/v1/reports/{MONTH}/builds", json={"kind": "json"},
                         headers=_bearer(token))
    assert queued.status_code == 202, queued.get_json()
    body = queued.get_json()
    assert queued.headers["Location"] == body["url"] == \
        f"/api/v1/reports/{MONTH}/builds/{body['id']}"
    assert body["state"] == "queued" and body["file_url"] is None and body["live"] is True
    _run_job(app)
    done = client.get(body["url"], headers=_bearer(token)).get_json()
    assert done["state"] == "done" and done["progress"] == 100
    assert done["file_url"] == body["url"] + "/file"
    built = client.get(done["file_url"], headers=_bearer(token))
    assert built.status_code == 200 and built.mimetype == "application/json"
    assert json.loads(built.get_data()) == direct.get_json()
    assert direct.get_json()["overdue"]  # the month has rows to compare


def test_progress_advances_as_another_session_sees_it_and_reaches_100(
        app, client, make_user, october, other_app, monkeypatch):
    """A poller on another connection sees each stage and the rows advance, then 100."""
    monkeypatch.setattr(builds, "ROWS_PER_TICK", 3)
    _uid, token = make_user("clerk", "progress-clerk")
    build_id = client.post(f"/api/v1/reports/{MONTH}/builds", json={"kind": "xlsx"},
                           headers=_bearer(token)).get_json()["id"]
    watcher = other_app()
    seen: list[tuple[str, str, int, int]] = []
    write = builds._Progress.write

    def watched(self, **values):
        write(self, **values)
        with watcher.app_context():  # what the build page's poll would read now
            row = db.session.get(ReportBuild, build_id)
            seen.append((row.state.value, row.stage, row.progress, row.rows_done))
            db.session.remove()

    monkeypatch.setattr(builds._Progress, "write", watched)
    _run_job(app)
    stages = [stage for _state, stage, _p, _r in seen]
    assert stages[0] == "computing" and stages[-1] == "storing"
    assert {"computing", "writing", "storing"} <= set(stages)
    progress = [p for _s, _st, p, _r in seen]
    assert progress == sorted(progress) and len(set(progress)) >= 4
    rows = [r for _s, stage, _p, r in seen if stage == "writing"]
    assert len(set(rows)) >= 3 and rows == sorted(rows)  # every 3 rows, not only per stage
    with app.app_context():
        row = db.session.get(ReportBuild, build_id)
        assert (row.state, row.stage, row.progress) == (BuildState.DONE, "done", 100)
        assert row.rows_done == row.rows_total > 6
        assert row.size == sum(len(c) for c in db.session.scalars(
            select(ReportBuildChunk.data).where(ReportBuildChunk.build_id == build_id)))


def test_a_failure_is_recorded_and_shown(app, client, make_user, monkeypatch):
    _uid, token = make_user("clerk", "fail-clerk")
    assert login(client, "fail-clerk").status_code == 302

    def broken(*_args, **_kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(builds, "report_data", broken)
    build_id = _build_of(_prepare(client, "csv:overdue"))
    assert _run_job(app).failed == 1
    api_url = f"/api/v1/reports/{MONTH}/builds/{build_id}"
    body = client.get(api_url, headers=_bearer(token)).get_json()
    assert body["state"] == "failed" and body["stage"] == "failed"
    assert body["error"] == "RuntimeError: the disk is full" and body["finished_at"]
    refused = client.get(api_url + "/file", headers=_bearer(token, **{"Accept-Language": "en"}))
    assert refused.status_code == 409
    assert refused.get_json()["message"] == ("This download could not be prepared "
                                             "(RuntimeError: the disk is full); prepare it again.")
    page = client.get(f"/reports/monthly/{MONTH}/builds/{build_id}")
    text = page_text(page)
    assert "该下载文件未能生成（RuntimeError: the disk is full），请重新准备。" in text
    assert "重新准备" in text
    # Prepared again: a new build (a failed one is never reused), which now succeeds.
    monkeypatch.undo()
    html = page.get_data(as_text=True)
    again = client.post(f"/reports/monthly/{MONTH}/builds",
                        data={"what": "csv:overdue", "live": "1", "csrf_token": csrf_token(html)})
    assert _build_of(again) != build_id
    assert _run_job(app).done == 1


def test_before_it_is_done_the_file_is_a_409_in_the_users_language(app, client, make_user):
    _uid, token = make_user("clerk", "wait-clerk")
    body = client.post(f"/api/v1/reports/{MONTH}/builds", json={"kind": "csv"},
                       headers=_bearer(token)).get_json()
    file_url = body["url"] + "/file"
    zh = client.get(file_url, headers=_bearer(token))
    assert zh.status_code == 409
    assert zh.get_json()["message"] == "文件尚未生成：已完成 0%（等待后台任务开始）。请稍候再试。"
    en = client.get(file_url, headers=_bearer(token, **{"Accept-Language": "en"}))
    assert en.get_json()["message"] == ("The file is not ready yet: 0% done (Waiting for the "
                                        "job to start). Wait a moment and try again.")
    assert login(client, "wait-clerk").status_code == 302
    page = client.get(f"/reports/monthly/{MONTH}/builds/{body['id']}/file")
    assert page.status_code == 409
    assert "文件尚未生成：已完成 0%（等待后台任务开始）。请稍候再试。" in page_text(page)
    assert client.get(f"/reports/monthly/2026-09/builds/{body['id']}").status_code == 404


def test_the_same_request_shares_one_build(app, client, make_user):
    _a, first = make_user("clerk", "share-one")
    _b, second = make_user("team_lead", "share-two")
    url = f"/api/v1/reports/{MONTH}/builds"
    one = client.post(url, json={"kind": "xlsx"}, headers=_bearer(first))
    two = client.post(url, json={"kind": "xlsx"}, headers=_bearer(second))
    assert one.status_code == two.status_code == 202
    assert one.get_json()["id"] == two.get_json()["id"]
    keyed = _bearer(first, **{"Idempotency-Key": "build-1"})
    fresh = client.post(url, json={"kind": "csv", "table": "flows"}, headers=keyed)
    replay = client.post(url, json={"kind": "csv", "table": "flows"}, headers=keyed)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == fresh.get_json()
    assert replay.headers["Location"] == fresh.headers["Location"] == fresh.get_json()["url"]
    assert login(client, "share-one").status_code == 302
    assert _build_of(_prepare(client, "xlsx")) == one.get_json()["id"]  # the page too
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportBuild)) == 2
    assert _run_job(app).done == 2
    # Done, and nothing recorded since: the same file is handed out again.
    again = client.post(url, json={"kind": "xlsx"}, headers=_bearer(second)).get_json()
    assert again["id"] == one.get_json()["id"] and again["state"] == "done"
    # A change recorded since the figures were read: a new build.
    with app.app_context():
        from tracker.services import events
        events.record("application.updated", actor=None, subject_type="application",
                      subject_id=1)
        db.session.commit()
    newer = client.post(url, json={"kind": "xlsx"}, headers=_bearer(second)).get_json()
    assert newer["id"] != one.get_json()["id"] and newer["state"] == "queued"


def test_two_clerks_at_the_same_moment_start_one_build(app, make_user):
    tokens = [make_user("clerk", f"moment-{i}")[1] for i in range(2)]
    clients = [app.test_client() for _ in tokens]

    def ask(index: int):
        return clients[index].post(f"/api/v1/reports/{MONTH}/builds", json={"kind": "json"},
                                   headers=_bearer(tokens[index]))

    answers = all_at_once(lambda: ask(0), lambda: ask(1))
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportBuild)) == 1


def test_a_big_month_goes_through_the_job_a_small_one_stays_inline(app, client, make_user,
                                                                   october):
    _uid, token = make_user("clerk", "limit-clerk")
    assert login(client, "limit-clerk").status_code == 302
    with app.app_context():
        accepted = builds.applications_in(builds.parse_month(MONTH))
    assert accepted > 10
    reconfigure(app, TRACKER_REPORT_INLINE_LIMIT=accepted)  # not above: inline
    assert client.get(f"/reports/monthly/{MONTH}.xlsx").status_code == 200
    assert client.get(f"/reports/monthly/{MONTH}.csv").status_code == 200
    reconfigure(app, TRACKER_REPORT_INLINE_LIMIT=accepted - 1)
    workbook = client.get(f"/reports/monthly/{MONTH}.xlsx")
    assert workbook.status_code == 303
    assert f"/reports/monthly/{MONTH}/builds/" in workbook.headers["Location"]
    table = client.get(f"/reports/monthly/{MONTH}.csv?table=steps")
    assert _build_of(table) != _build_of(workbook)
    assert _build_of(client.get(f"/reports/monthly/{MONTH}.xlsx")) == _build_of(workbook)
    api = client.get(f"/api/v1/reports/monthly/{MONTH}.xlsx", headers=_bearer(token))
    assert api.status_code == 303
    assert api.headers["Location"].startswith(f"/api/v1/reports/{MONTH}/builds/")
    # An issued month in Chinese is the stored workbook: sent at once, whatever the size.
    _lid, lead = make_user("team_lead", "limit-lead")
    assert client.post(f"/api/v1/reports/monthly/{MONTH}/issue",
                       headers=_bearer(lead)).status_code == 201
    assert client.get(f"/reports/monthly/{MONTH}.xlsx").status_code == 200


def test_the_build_page_in_both_languages(app, client, make_user):
    make_user("auditor", "page-auditor")  # a read-only role may prepare a download too
    assert login(client, "page-auditor").status_code == 302
    report = page_text(client.get(f"/reports/monthly?month={MONTH}"))
    assert "准备下载文件" in report
    build_id = _build_of(_prepare(client, "csv:overdue"))
    page = client.get(f"/reports/monthly/{MONTH}/builds/{build_id}")
    html, text = page.get_data(as_text=True), page_text(page)
    assert page.status_code == 200
    assert "正在准备下载文件" in text and "等待后台任务开始" in text and "0%" in text
    assert '<progress id="build-progress"' in html and "reports/static/build.js" in html
    assert "build-download" not in html
    status = client.get(f"/reports/monthly/{MONTH}/builds/{build_id}.json").get_json()
    assert status["state"] == "queued" and status["stage_text"] == "等待后台任务开始"
    _run_job(app)
    done = client.get(f"/reports/monthly/{MONTH}/builds/{build_id}?lang=en")
    html, text = done.get_data(as_text=True), page_text(done)
    assert "Preparing the download" in text and "Ready to download" in text and "100%" in text
    assert f'href="/reports/monthly/{MONTH}/builds/{build_id}/file"' in html
    assert f"monthly-report-{MONTH}-overdue.csv" in text
    status = client.get(f"/reports/monthly/{MONTH}/builds/{build_id}.json?lang=en").get_json()
    assert status["state"] == "done" and status["stage_text"] == "Ready to download"


def test_a_build_whose_job_died_is_taken_again_then_given_up(app, ctx, frozen):
    from tracker.reports.builds import Wanted, request_build

    traveller = frozen(now_utc())
    row, _new = request_build(builds.wanted(MONTH, "json"), None)
    claimed = builds.claim_next()
    assert claimed is not None and claimed[0] == row.id
    assert builds.claim_next() is None  # running, and alive
    traveller.shift(builds.STALE + timedelta(seconds=1))  # the job died mid-way
    assert builds.run_builds().done == 1
    db.session.expire_all()
    row = db.session.get(ReportBuild, row.id)
    assert (row.state, row.attempts) == (BuildState.DONE, 2)
    # One lost every time: after MAX_ATTEMPTS it is failed, not tried for ever.
    lost, _new = request_build(Wanted(builds.parse_month(MONTH), builds.BuildKind.CSV,
                                      "flows", "zh", None), None)
    db.session.execute(update(ReportBuild).where(ReportBuild.id == lost.id).values(
        state=BuildState.RUNNING, attempts=builds.MAX_ATTEMPTS, heartbeat_at=now_utc()))
    db.session.commit()
    traveller.shift(builds.STALE + timedelta(seconds=1))
    assert builds.run_builds().failed == 1
    db.session.expire_all()
    lost = db.session.get(ReportBuild, lost.id)
    assert lost.state is BuildState.FAILED and "stopped 3 times" in lost.error


def test_finished_builds_are_pruned_after_a_week(app, ctx, frozen):
    traveller = frozen(now_utc())
    old_id = builds.request_build(builds.wanted(MONTH, "csv", table="flows"), None)[0].id
    assert builds.run_builds().done == 1
    kept_id = builds.request_build(builds.wanted(MONTH, "json"), None)[0].id
    traveller.shift(builds.KEEP - timedelta(minutes=1))
    assert builds.run_builds() == builds.BuildRun(done=1)  # the first is not a week old yet
    traveller.shift(timedelta(minutes=2))
    assert builds.run_builds().pruned == 1
    db.session.expire_all()
    assert db.session.get(ReportBuild, old_id) is None
    assert db.session.get(ReportBuild, kept_id).state is BuildState.DONE
    assert set(db.session.scalars(select(ReportBuildChunk.build_id))) == {kept_id}


@pytest.fixture
def pg_only(backend):
    if backend != "postgresql":
        pytest.skip("two schedulers on one database is the PostgreSQL deployment")


@pytest.mark.postgres
def test_two_schedulers_never_build_the_same_one(app, ctx, other_app, pg_only, monkeypatch):
    """Two hosts run the job at the same moment over eight queued builds: SKIP LOCKED hands
    each build to one of them; every build is made once, by one claim."""
    months = [f"2026-{m:02d}" for m in range(1, 5)]
    for month in months:
        for kind in ("xlsx", "csv"):
            builds.request_build(builds.wanted(month, kind), None)
    db.session.remove()
    made: list[int] = []
    build_one = builds.build_one

    def counted(build_id, token):
        made.append(build_id)
        return build_one(build_id, token)

    monkeypatch.setattr(builds, "build_one", counted)
    other = other_app()

    def host(flask_app):
        with flask_app.app_context():
            done = builds.run_builds().done
            db.session.remove()
        return done

    results = all_at_once(lambda: host(app), lambda: host(other))
    assert sum(results) == 8
    assert sorted(made) == sorted(set(made)) and len(made) == 8
    rows = list(db.session.scalars(select(ReportBuild)))
    assert {(r.state, r.attempts, r.progress) for r in rows} == {(BuildState.DONE, 1, 100)}
    assert len({r.claimed_by for r in rows}) == 8


@pytest.mark.postgres
def test_a_build_another_scheduler_is_claiming_is_skipped_not_waited_for(app, ctx, other_app,
                                                                         pg_only):
    """While another host holds the first queued build's row (mid-claim), a claim takes the
    next one at once (FOR UPDATE SKIP LOCKED); without SKIP LOCKED it would wait on the lock."""
    first, _new = builds.request_build(builds.wanted("2026-01", "xlsx"), None)
    second, _new = builds.request_build(builds.wanted("2026-02", "xlsx"), None)
    ids = (first.id, second.id)
    db.session.remove()
    other = other_app()

    def claim():
        with app.app_context():
            taken = builds.claim_next()
            db.session.remove()
        return taken

    with other.app_context():
        held = db.session.scalar(select(ReportBuild.id).where(ReportBuild.id == ids[0])
                                 .with_for_update())
        assert held == ids[0]
        [taken] = all_at_once(claim, timeout=30)
        db.session.rollback()
        db.session.remove()
    assert taken is not None and taken[0] == ids[1]
    row = db.session.get(ReportBuild, ids[0])
    assert row.state is BuildState.QUEUED  # left to whoever holds it
