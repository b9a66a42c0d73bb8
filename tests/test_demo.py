"""The demo log-ins `make run` prints: every demo user, with the role."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tracker.demo import DEMO_USERS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli(tmp_path):
    from tests.fixtures.app import make_app
    from tracker.extensions import db

    app = make_app(f"sqlite:///{tmp_path / 'unused.db'}")
    yield app.test_cli_runner()
    with app.app_context():
        db.engine.dispose()


def test_the_printed_log_ins_are_the_demo_users_with_their_roles(cli):
    result = cli.invoke(args=["demo", "logins"])
    assert result.exit_code == 0, result.output
    printed = [line.split() for line in result.output.splitlines()]
    assert [(words[0], words[1]) for words in printed] == [
        (username, password) for username, _role, _dept, _name, password in DEMO_USERS]
    roles = dict(zip([u for u, *_ in DEMO_USERS], result.output.splitlines(), strict=True))
    assert "专班负责人 / Team lead" in roles["lead"]
    assert "审计（只读） / Auditor (read-only)" in roles["auditor"]
    assert "管理员 / Administrator" in roles["admin"]
    assert "受理员 / Clerk, 营业厅" in roles["hall"]


def test_make_run_prints_them_from_the_command():
    """The Makefile names no password of its own: the list cannot go stale."""
    recipe = subprocess.run(["make", "-n", "run"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    assert "flask --app tracker demo logins" in recipe
    assert "demo-" not in recipe.replace("demo load", "").replace("demo logins", "")
