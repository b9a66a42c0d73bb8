"""Delivery of the outbox: webhook robots and e-mail, retries with back-off, failures kept."""
from __future__ import annotations

import email
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, select

from tests.fixtures.app import local
from tests.fixtures.jobs import all_at_once, wait_for
from tracker.extensions import db
from tracker.jobs.delivery import deliver_pending
from tracker.jobs.watcher import run_watcher
from tracker.models import Notification
from tracker.settings import reconfigure


def _overdue_application(app, actor, application_at, frozen) -> str:
    """A 211 application whose two running timers (whole, "supply_plan") are past due on Fri 9 Oct."""
    number = application_at(local(2026, 10, 8, 9, 0))
    frozen(local(2026, 10, 9, 10, 0))
    return number


def _rows() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def test_a_robot_that_fails_twice_receives_the_message_once(app, actor, application_at, frozen,
                                                           webhook):
    from tracker.services.applications import complete_step

    robot = webhook([500, 500])  # two failures, then 200
    number = application_at(local(2026, 10, 8, 9, 0))
    frozen(local(2026, 10, 8, 9, 30))
    complete_step(number, "supply_plan", actor)
    run_watcher(local(2026, 10, 8, 17, 0))  # the warnings, while no robot is configured
    assert _rows() == []
    # Engineering's robot: one message, the water_on step going overdue at Fri 09:00.
    reconfigure(app, TRACKER_WEBHOOKS={"engineering": robot.url})
    t0 = local(2026, 10, 9, 10, 0)
    assert run_watcher(t0).queued == 1

    first = deliver_pending(t0)
    assert (first.sent, first.retrying, first.failed) == (0, 1, 0)
    [row] = _rows()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, t0 + timedelta(seconds=30))
    assert "HTTP 500" in row.last_error

    assert deliver_pending(t0 + timedelta(seconds=29)).sent == 0  # not due yet: untouched
    assert len(robot.requests) == 1
    second = deliver_pending(t0 + timedelta(seconds=30))
    assert second.retrying == 1
    [row] = _rows()
    assert (row.attempts, row.next_attempt_at) == (2, t0 + timedelta(seconds=90))  # 30 s, then 60 s
    third = deliver_pending(t0 + timedelta(seconds=90))
    assert third.sent == 1
    [row] = _rows()
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")
    assert row.sent_at == t0 + timedelta(seconds=90)

    assert len(robot.requests) == 3
    [message] = robot.accepted  # received exactly once
    assert message["msgtype"] == "text"
    content = message["text"]["content"]
    assert content.startswith("【用水报装超时提醒】")
    assert f"申请编号：{number}" in content and "环节：开栓通水" in content
    assert "责任部门：工程部" in content and "办理期限：2026-10-09 09:00（北京时间）" in content
    assert "已超时：1.0 个工作小时（0.13 个工作日）" in content
    assert message["tracker"]["event"] == "sla.overdue"
    # Later runs never send it again.
    assert deliver_pending(t0 + timedelta(days=1)).sent == 0
    assert len(robot.requests) == 3


def test_failing_for_good_is_kept_visible_and_never_blocks_the_watcher(
        app, actor, application_at, frozen, webhook, runner):
    robot = webhook([500] * 100)
    reconfigure(app, TRACKER_WEBHOOKS={"*": robot.url}, TRACKER_NOTIFY_MAX_ATTEMPTS=3)
    _overdue_application(app, actor, application_at, frozen)
    t = local(2026, 10, 9, 10, 0)
    run_watcher(t)
    for _attempt in range(3):
        deliver_pending(t)
        t += timedelta(hours=2)
    rows = _rows()
    assert {r.status for r in rows} == {"failed"}
    assert {r.attempts for r in rows} == {3}
    assert all("HTTP 500" in r.last_error and "boom" in r.last_error for r in rows)
    assert deliver_pending(t + timedelta(days=3)).sent == 0  # failed rows are not retried
    assert len(robot.requests) == 3 * 4

    # The watcher goes on regardless: a new application's transitions are found and queued.
    frozen(local(2026, 10, 12, 9, 0))
    application_at(local(2026, 10, 12, 9, 0))
    result = run_watcher(local(2026, 10, 14, 9, 0))
    assert result.overdue == 2 and result.queued == 4

    # An administrator sees the failures …
    listing = runner.invoke(args=["jobs", "outbox", "--status", "failed"])
    assert listing.exit_code == 0, listing.output
    assert "failed: 4" in listing.output
    assert "HTTP 500" in listing.output and robot.url in listing.output
    # … and can send one again: it starts over and goes out when the robot recovers.
    failed_id = next(r.id for r in rows)
    retried = runner.invoke(args=["jobs", "retry", str(failed_id)])
    assert retried.exit_code == 0, retried.output
    robot.statuses.clear()
    again = deliver_pending(local(2026, 10, 14, 9, 0))
    assert again.sent == 5  # the retried one and the 4 new ones
    assert db.session.get(Notification, failed_id).status == "sent"
    refused = runner.invoke(args=["jobs", "retry", str(failed_id)])
    assert refused.exit_code != 0
    assert "只有发送失败的通知可以重新发送" in refused.output


def test_an_unreachable_robot_is_an_error_not_a_crash(app, actor, application_at, frozen):
    reconfigure(app, TRACKER_WEBHOOKS={"*": "http://127.0.0.1:9/nothing-listens-here"})
    _overdue_application(app, actor, application_at, frozen)
    run_watcher(local(2026, 10, 9, 10, 0))
    result = deliver_pending(local(2026, 10, 9, 10, 0))
    assert result.retrying == 4
    assert all("cannot reach" in r.last_error for r in _rows())


def test_a_robot_answering_an_errcode_is_a_failure(app, actor, application_at, frozen,
                                                    monkeypatch):
    """WeCom and DingTalk answer HTTP 200 with {"errcode": 93000, …} for a bad key."""
    from tracker.jobs import delivery

    class Answer:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, _n):
            return b'{"errcode": 93000, "errmsg": "invalid webhook url"}'

    monkeypatch.setattr(delivery.urllib.request, "urlopen", lambda *a, **k: Answer())
    reconfigure(app, TRACKER_WEBHOOKS={"*": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"})
    _overdue_application(app, actor, application_at, frozen)
    run_watcher(local(2026, 10, 9, 10, 0))
    deliver_pending(local(2026, 10, 9, 10, 0))
    assert all("errcode 93000" in r.last_error and r.status == "pending" for r in _rows())


def test_email_goes_out_in_chinese(app, actor, application_at, frozen, smtp_server):
    reconfigure(app, TRACKER_EMAILS={"business_hall": ["hall@example.cn"]},
                TRACKER_SMTP_HOST="127.0.0.1", TRACKER_SMTP_PORT=smtp_server.port,
                TRACKER_SMTP_SENDER="tracker@example.cn")
    number = _overdue_application(app, actor, application_at, frozen)
    run_watcher(local(2026, 10, 9, 10, 0))
    result = deliver_pending(local(2026, 10, 9, 10, 0))
    assert result.sent == 4
    assert len(smtp_server.messages) == 4
    assert {tuple(m["to"]) for m in smtp_server.messages} == {("hall@example.cn",)}
    message = email.message_from_bytes(smtp_server.messages[-1]["data"])
    subject = str(make_header(decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    assert number in subject
    assert number in body and "营业厅" in body and "（北京时间）" in body


def test_email_without_an_smtp_server_fails_with_the_reason(app, actor, application_at, frozen):
    reconfigure(app, TRACKER_EMAILS={"*": "a@example.cn, b@example.cn"}, TRACKER_SMTP_HOST="")
    _overdue_application(app, actor, application_at, frozen)
    run_watcher(local(2026, 10, 9, 10, 0))
    assert {r.target for r in _rows()} == {"a@example.cn", "b@example.cn"}
    deliver_pending(local(2026, 10, 9, 10, 0))
    assert all("TRACKER_SMTP_HOST is not set" in r.last_error for r in _rows())


def test_two_deliverers_at_once_send_each_message_once(app, actor, application_at, frozen,
                                                      webhook, other_app, backend):
    """Two hosts deliver at the same moment: each message is claimed by one of them."""
    if backend != "postgresql":
        pytest.skip("two hosts sharing one database is the PostgreSQL deployment")
    robot = webhook()
    reconfigure(app, TRACKER_WEBHOOKS={"*": robot.url})
    for _ in range(5):
        _overdue_application(app, actor, application_at, frozen)
    run_watcher(local(2026, 10, 9, 10, 0))
    db.session.remove()
    other = other_app()

    def deliver(host) -> None:
        # Round after round until nothing is left to send, within a deadline: a round that
        # finds the other host holding the lock sends nothing, so a fixed number of rounds
        # fails on a busy machine.
        def all_sent() -> bool:
            deliver_pending(local(2026, 10, 9, 10, 0), limit=3)
            return not db.session.scalar(select(func.count()).select_from(Notification)
                                         .where(Notification.status != "sent"))

        with host.app_context():
            wait_for(all_sent, timeout=60)

    all_at_once(lambda: deliver(app), lambda: deliver(other))
    assert len(robot.accepted) == 20
    assert len({(b["tracker"]["timer_id"], b["tracker"]["event"]) for b in robot.accepted}) == 20
