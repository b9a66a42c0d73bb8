"""Owners and assignees: who answers for an application, and who has a duty.

- **Owner** (客户代表 / 首问负责人): the Jiaozhou seed describes "客戶代表制" ("公司各相關部門
  依據部門職責指定相應客戶代表 … 全業務、全流程幫辦代辦") and "嚴格落實首問負責制"; its
  example has the 客戶代表 "於當日上午十點三十分確認受理". We read that as: the person who
  registers (confirms the acceptance of) an application is its owner unless another person is
  named at registration, and a team lead (or an administrator) may hand it to someone else.
  Every change of owner is in the event log.
- **Assignee**: a duty (an open `SlaTimer`) belongs to its department (`department_code`)
  until a person of that department picks it up (我来办) or a team lead gives it to one. A
  person of another department is refused: the separation of duties lets only a department's
  staff complete its steps, so a duty given outside it could never be done by its assignee.
"""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm.attributes import flag_modified

from ..extensions import db
from ..i18n import current_language
from ..models import (
    WRITER_ROLES,
    Application,
    Department,
    SlaTimer,
    SubjectType,
    TimerState,
    User,
)
from . import events
from .app_clock import now
from .applications import APPLICATION_SAME_MOMENT, get_application
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .plain_reads import plain_rows
from .sla_fields import department_name
from .staff import staff_member
from .transaction import check_version, transactional

DUTY_SAME_MOMENT = "Someone else changed this duty at the same moment; reload and try again."
OPEN_STATES = (TimerState.RUNNING, TimerState.PAUSED)


@transactional(stale=APPLICATION_SAME_MOMENT)
def set_owner(number: str, username: str, actor: User, *,
              expected_version: int | None = None) -> Application:
    """Hand an application to another owner (team lead or administrator only), logged."""
    if not actor.is_manager:
        raise Forbidden("Only a team lead or an administrator can change an application's "
                        "owner.")
    app = get_application(number, for_update=True)
    check_version(app, expected_version,
                  "Someone else changed application %(number)s first; reload and try again.",
                  number=app.number)
    owner = staff_member(username, "owner")
    if owner.id == app.owner_id:
        raise ValidationFailed("%(username)s already owns this application.",
                               params={"username": owner.username},
                               fields={"owner": ["Already the owner."]})
    before = app.owner.username if app.owner else None
    app.owner = owner
    # The row's version moves (as every change to an application does), also in a frozen second.
    app.updated_at = now()
    flag_modified(app, "updated_at")
    events.record("application.owner_changed", actor=actor, subject_type="application",
                  subject_id=app.id, application_id=app.id, number=app.number,
                  before=before, after=owner.username)
    return app


def get_duty(duty_id: int) -> SlaTimer:
    """A duty by its id (404 for none, or for a whole-application clock: no duty of its own)."""
    timer = db.session.get(SlaTimer, duty_id)
    if timer is None or timer.subject_type == SubjectType.APPLICATION:
        raise NotFound("No duty %(id)s.", params={"id": duty_id})
    return timer


def _may_assign(timer: SlaTimer, person: User | None, actor: User) -> None:
    """Anyone of the duty's department takes it for themselves or gives it back; only a team
    lead or an administrator gives it to someone else or takes it from someone."""
    if actor.is_manager:
        return
    if not actor.can_write:
        raise Forbidden("You cannot take work.")
    giving_back = person is None and timer.assignee_id == actor.id
    taking = person is not None and person.id == actor.id and timer.assignee_id is None
    if not (giving_back or taking):
        raise Forbidden("Only a team lead or an administrator can give a duty to someone else "
                        "or take it from its assignee.")


@transactional(stale=DUTY_SAME_MOMENT)
def assign_duty(duty_id: int, username: str | None, actor: User, *,
                expected_version: int | None = None) -> SlaTimer:
    """Give a duty to a person of its department (None or "": back to the department), logged."""
    timer = get_duty(duty_id)
    check_version(timer, expected_version,
                  "Someone else changed this duty first; reload and try again.")
    if timer.state not in OPEN_STATES:
        raise Conflict("This duty is closed already; nobody can take it.")
    person = None
    if username:
        person = staff_member(username, "assignee")
        mine = person.department.code if person.department else None
        if mine != timer.department_code:
            name = department_name(timer.department_code, current_language())
            raise ValidationFailed(
                "%(username)s is not of %(department)s, the department this duty belongs to.",
                params={"username": person.username, "department": name},
                fields={"assignee": ["Not of the duty's department."]})
    _may_assign(timer, person, actor)
    if (person.id if person else None) == timer.assignee_id:
        raise ValidationFailed("The duty is already there.",
                               fields={"assignee": ["Already assigned so."]})
    before = db.session.get(User, timer.assignee_id) if timer.assignee_id else None
    timer.assignee_id = person.id if person else None
    events.record("duty.assigned", actor=actor, subject_type="timer", subject_id=timer.id,
                  application_id=timer.application_id, kind=timer.subject_type.value,
                  step=timer.step_code, department=timer.department_code,
                  before=before.username if before else None,
                  after=person.username if person else None)
    return timer


class Person(NamedTuple):
    """Whom a duty can be given to, as My work shows them (the user name and label)."""

    username: str
    label: str


# Built once (building it cost more than running it); the departments are bound.
_PEOPLE = (select(Department.code, User.username, User.display_name)
           .join(Department, Department.id == User.department_id)
           .where(Department.code.in_(bindparam("codes", expanding=True)),
                  User.active.is_(True),
                  User.role.in_(sorted(WRITER_ROLES, key=lambda r: r.value)))
           .order_by(User.username))


def department_people(codes: set[str]) -> dict[str, list[Person]]:
    """The active staff of each department (whom a duty can be given to), by name: plain
    columns, not User objects (each came with its department joined; a team lead's My work
    asks for every department on the page)."""
    if not codes:
        return {}
    rows = plain_rows(_PEOPLE, {"codes": sorted(codes)})
    result: dict[str, list[Person]] = {}
    for code, username, display_name in rows:
        result.setdefault(code, []).append(Person(username, display_name or username))
    return result


def assignee_of(timer: SlaTimer) -> str | None:
    """The user name of whoever has the duty, or None (the department's)."""
    person = db.session.get(User, timer.assignee_id) if timer.assignee_id else None
    return person.username if person else None
