"""Users and API tokens."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken, Department, Role, User, now_utc
from ..services import users as service
from ..services.app_clock import now
from ..services.reference import ensure_departments

users_cli = AppGroup("users", help="Manage users (用户).")
tokens_cli = AppGroup("tokens", help="Manage API tokens (接口令牌).")


def _read_password(prompt: bool) -> str:
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("The password must have at least 8 characters.")
    return password


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--department", "department_code", default=None, help="Department code.")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--no-password", is_flag=True, help="Machine account (tokens only).")
def create_user(username: str, role: str, department_code: str | None, display_name: str,
                no_password: bool) -> None:
    """Create a user; the password is read from stdin or prompted for."""

    ensure_departments()
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"User {username!r} already exists.")
    department = None
    if department_code:
        department = db.session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            codes = ", ".join(db.session.scalars(select(Department.code)))
            raise click.ClickException(f"Unknown department {department_code!r} (known: {codes}).")
    user = User(username=username, role=Role(role), department=department,
                display_name=display_name or username)
    if not no_password and Role(role) is not Role.PLATFORM:
        user.set_password(_read_password(True))
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created user {username} ({role}).")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    return user


@users_cli.command("password")
@click.argument("username")
def change_password(username: str) -> None:
    """Set USERNAME's password (read from stdin or prompted for); it signs out every session."""
    service.set_password(_user(username).id, _read_password(True), None)
    click.echo(f"Changed the password of {username}; its sessions have ended.")


@users_cli.command("reset-password")
@click.argument("username")
def reset_password(username: str) -> None:
    """Give USERNAME a one-time password (printed once); every session ends and the next
    log-in asks for a new password."""
    click.echo(service.reset_password(_user(username).id, None))


@users_cli.command("disable")
@click.argument("username")
def disable_user(username: str) -> None:
    """Disable USERNAME: no log-in, no API token, and every session ends at once."""
    service.set_active(_user(username).id, False, None)
    click.echo(f"Disabled {username}.")


@users_cli.command("enable")
@click.argument("username")
def enable_user(username: str) -> None:
    """Enable USERNAME again."""
    service.set_active(_user(username).id, True, None)
    click.echo(f"Enabled {username}.")


@users_cli.command("unlock")
@click.argument("username")
def unlock_user(username: str) -> None:
    """Lift USERNAME's log-in lock-out and forget the failed tries."""
    service.unlock(_user(username).id, None)
    click.echo(f"Unlocked {username}.")


@users_cli.command("list")
def list_users() -> None:
    """Every account: name, role, department, state (disabled, locked)."""
    moment = now()
    for user in service.all_users():
        state = "disabled" if not user.active else (
            "locked" if user.locked_until and user.locked_until > moment else "active")
        department = user.department.code if user.department else "-"
        click.echo(f"{user.username}\t{user.role.value}\t{department}\t{state}")


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", default="", help="What the token is for.")
def create_token(username: str, name: str) -> None:
    """Issue an API token for USERNAME; it is printed once and only its hash is stored."""
    user = _user(username)
    row, plain = ApiToken.issue(user, name)
    db.session.add(row)
    db.session.commit()
    click.echo(plain)


@tokens_cli.command("revoke")
@click.argument("prefix")
def revoke_token(prefix: str) -> None:
    """Revoke the token whose first characters are PREFIX."""

    rows = db.session.scalars(select(ApiToken).where(ApiToken.prefix.startswith(prefix))).all()
    if len(rows) != 1:
        raise click.ClickException(f"{len(rows)} tokens match {prefix!r}; give more characters.")
    rows[0].revoked_at = now_utc()
    db.session.commit()
    click.echo(f"Revoked {rows[0].prefix}…")
