"""Separation of duties (职责分离): who may do a duty, and 代办 (acting on another's behalf).

Seed 003 四 and 五 give every duty a responsible department (受理 and 勘察 to the 营商报装专班,
挂表通水 to 工程管理部, the callback to the 热线中心, the 好差评 home visit to 市场发展部); seed 000
六 has the responsible department verify (核查) and rectify (整改) a problem and the office that
issued it re-check it (“对整改提升情况组织专项体验，进一步核实”). So a duty is done by staff of
its department; a team lead or administrator may act on that department's behalf (代办), which
is recorded with the reason; anyone else is refused. A department never re-checks its own
problem, not even through a 代办.

`authorise` is the one rule: the core's step commands, the after-care and problem commands
call it before they change anything, whether the request came from a page, the API or a CLI.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from ..extensions import db
from ..i18n import current_language
from ..models import ASSESSOR_ROLES, MANAGER_ROLES, WRITER_ROLES, ProxyAct, User
from ..settings import settings
from ..text import text_errors
from .errors import Forbidden, ValidationFailed
from .events import record as record_event
from .plain_reads import plain_rows
from .sla_fields import department_name

PROXY_REASON_LIMIT = 500


class DepartmentName:
    """A department's name in the language of whoever reads the message (formatted at the
    edge, where the error is translated)."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __str__(self) -> str:
        return department_name(self.code, current_language())


def department_of(user: User | None) -> str | None:
    """The code of the user's department, or None."""
    return user.department.code if user is not None and user.department is not None else None


def is_assessment_office(user: User | None) -> bool:
    """The assessment office (考核办: 人力资源中心/督查办, role `assessor`): who issues (下达) the
    problem list, re-assigns and adjusts problems and records sanctions, as seed 000 六 has the
    营商办 do. Not an administrator: every administrator belongs to an assessed department."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    return user.role in ASSESSOR_ROLES


@dataclass(frozen=True)
class OnBehalf:
    """A 代办: the department whose duty it is and the reason the actor gave."""

    department: str
    reason: str

    def event_data(self) -> dict[str, Any]:
        """What the event of the act carries, so the log says it was done on behalf."""
        return {"on_behalf_of": self.department, "proxy_reason": self.reason}


def authorise(actor: User, department: str, *, proxy_reason: str | None = None,
              not_department: str | None = None) -> OnBehalf | None:
    """May `actor` do a duty of `department`? None: it is their own department's duty; an
    OnBehalf: a team lead or administrator acting for it (the reason is required); otherwise
    Forbidden (403). `not_department` is a department that may never do this duty, even
    through a 代办 (a department's own re-check)."""
    own = department_of(actor)
    if not_department is not None and own == not_department:
        raise Forbidden("%(department)s cannot re-check its own problem.",
                        params={"department": DepartmentName(not_department)})
    if actor.role not in WRITER_ROLES:  # auditors, assessors, machines complete no duty
        raise Forbidden("Your role may not do this.")
    if own == department:
        return None
    if not settings().separate_duties:
        # Off (TRACKER_SEPARATE_DUTIES): anyone may act, but a 代办 given is still recorded.
        given = (proxy_reason or "").strip()
        return OnBehalf(department, given) if given and actor.role in MANAGER_ROLES \
            and not text_errors(proxy_reason=given) and len(given) <= PROXY_REASON_LIMIT \
            else None
    if actor.role not in MANAGER_ROLES:
        raise Forbidden("Only staff of %(department)s may do this; a team lead or "
                        "administrator may do it on their behalf (代办) with a reason.",
                        params={"department": DepartmentName(department)})
    reason = (proxy_reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why you act on behalf of %(department)s (代办).",
                               params={"department": DepartmentName(department)},
                               fields={"proxy_reason": ["Required."]})
    errors = text_errors(proxy_reason=reason)
    if len(reason) > PROXY_REASON_LIMIT:
        errors.setdefault("proxy_reason", []).append("Too long.")
    if errors:
        raise ValidationFailed("The reason for the 代办 is not accepted.", fields=errors)
    return OnBehalf(department, reason)


def record(on_behalf: OnBehalf | None, actor: User, *, subject_type: str, subject_id: int,
           action: str, stage: str = "", at: datetime | None = None) -> dict[str, Any]:
    """Store a 代办 (nothing for an own-department act); the event data to add to the act's
    event, so the log shows it too."""
    if on_behalf is None:
        return {}
    db.session.add(ProxyAct(actor_id=actor.id, department_code=on_behalf.department,
                            reason=on_behalf.reason, subject_type=subject_type,
                            subject_id=subject_id, stage=stage, action=action,
                            **({"at": at} if at is not None else {})))
    return on_behalf.event_data()


@dataclass(frozen=True)
class Actor:
    """Who did a 代办, as its presentation shows them (User.label)."""

    label: str


@dataclass(frozen=True)
class ProxyRow:
    """A 代办 act as proxies_of reads it: ProxyAct's fields that present_proxy and the
    presenters read, its actor's label."""

    subject_id: int
    stage: str
    at: datetime
    department_code: str
    reason: str
    action: str
    actor: Actor | None


# Every application page asks (its steps' 代办), and the callback lists: built once, read as
# plain rows (no ProxyAct and User objects; issue 15).
_PROXIES = select(
    ProxyAct.subject_id, ProxyAct.stage, ProxyAct.at, ProxyAct.department_code,
    ProxyAct.reason, ProxyAct.action, User.username, User.display_name,
).outerjoin(User, User.id == ProxyAct.actor_id).where(
    ProxyAct.subject_type == bindparam("subject_type"),
    ProxyAct.subject_id.in_(bindparam("subject_ids", expanding=True))).order_by(ProxyAct.at,
                                                                                ProxyAct.id)


def proxies_of(subject_type: str, subject_ids: list[int]) -> dict[tuple[int, str], list[ProxyRow]]:
    """The 代办 acts on these duties, by (subject id, stage), oldest first (one query)."""
    if not subject_ids:
        return {}
    found: dict[tuple[int, str], list[ProxyRow]] = {}
    for row in plain_rows(_PROXIES, {"subject_type": subject_type,
                                     "subject_ids": list(subject_ids)}):
        actor = None if row.username is None else Actor(row.display_name or row.username)
        found.setdefault((row.subject_id, row.stage), []).append(ProxyRow(
            row.subject_id, row.stage, row.at, row.department_code, row.reason, row.action,
            actor))
    return found


def present_proxy(act: ProxyAct | ProxyRow, lang: str) -> dict[str, Any]:
    """A 代办 as plain data for pages and the API."""
    return {"by": act.actor.label if act.actor else None, "at": act.at,
            "department": act.department_code,
            "department_name": department_name(act.department_code, lang),
            "reason": act.reason, "action": act.action}


def act_for(actor: User, department: str, proxy_reason: str | None, *, subject_type: str,
            subject_id: int, stage: str, action: str,
            application_id: int | None = None) -> OnBehalf | None:
    """`authorise`, then record a 代办 (its row, and a `duty.on_behalf` event beside the act's
    own): what a command calls first, before it changes anything; its transaction keeps or
    drops both with the act."""
    on_behalf = authorise(actor, department, proxy_reason=proxy_reason)
    if on_behalf is not None:
        record(on_behalf, actor, subject_type=subject_type, subject_id=subject_id,
               action=action, stage=stage)
        record_event("duty.on_behalf", actor=actor, subject_type=subject_type,
                     subject_id=subject_id, application_id=application_id, stage=stage,
                     act=action, **on_behalf.event_data())
    return on_behalf


def present_proxies(acts: list[ProxyAct] | list[ProxyRow], lang: str) -> list[dict[str, Any]]:
    """Several 代办 as plain data, oldest first."""
    return [present_proxy(act, lang) for act in acts]
