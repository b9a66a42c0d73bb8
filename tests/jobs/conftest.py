"""Fixtures of the jobs tests: a user to act as, applications, a webhook and an SMTP server."""
from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def actor(app, ctx, make_user):
    """A clerk as a User row (services want the object), in an app context."""
    from tracker.extensions import db
    from tracker.models import User

    user_id, _token = make_user("clerk", "watch-clerk")
    return db.session.get(User, user_id)


@pytest.fixture
def new_application(actor, frozen):
    """new_application(accepted_at, flow="211") → the application's number, created at that
    instant through the services (time frozen there and left frozen)."""
    from tracker.services.applications import NewApplication, create_application

    def create(accepted_at, flow: str = "211", **fields) -> str:
        frozen(accepted_at)
        data = NewApplication(flow=flow, customer_name=fields.pop("customer_name", "胶州某公司"),
                              **fields)
        return create_application(data, actor).number

    return create


class WebhookServer:
    """A robot endpoint on 127.0.0.1: answers each POST with the next scripted status."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.requests: list[dict] = []  # every POST, accepted or not
        self.accepted: list[dict] = []  # the POSTs answered 200
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    status = server.statuses.pop(0) if server.statuses else 200
                    server.requests.append(body)
                    if status == 200:
                        server.accepted.append(body)
                answer = json.dumps({"errcode": 0 if status == 200 else 500,
                                     "errmsg": "ok" if status == 200 else "boom"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # keep pytest output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/robot/send?key=test"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def webhook() -> Iterator:
    """webhook(statuses=[]) → a WebhookServer answering 500 for each scripted failure first."""
    servers: list[WebhookServer] = []

    def start(statuses: list[int] | None = None) -> WebhookServer:
        server = WebhookServer(statuses or [])
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


class SmtpServer:
    """Just enough SMTP (RFC 5321) on 127.0.0.1 to receive messages in a test."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())

            def handle(self):
                self.reply("220 test ESMTP")
                envelope: dict = {"to": []}
                while True:
                    line = self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n")
                    if not line:
                        return
                    verb = line.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 test")
                    elif verb == "MAIL":
                        envelope = {"from": line[10:].strip("<>"), "to": []}
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        envelope["to"].append(line[8:].strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        data = []
                        while True:
                            chunk = self.rfile.readline()
                            if chunk in (b".\r\n", b".\n", b""):
                                break
                            data.append(chunk)
                        envelope["data"] = b"".join(data)
                        outer.messages.append(envelope)
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.close()
