"""Who a level reaches: the kinds of recipient resolved to people, minus those who opted out.

Kinds (TRACKER_ESCALATION_LEVELS "notify"):
- "owner": the application's owner (客户代表 / 首问负责人, the Jiaozhou customer-representative
  system); nobody while applications have no owner column (it comes with the owners work);
- "team_lead": the active team leads of the duty's department;
- "department_head": the user TRACKER_DEPARTMENT_HEADS names for the duty's department;
- "inspection": the active users of 督查办 (TRACKER_INSPECTION_DEPARTMENT; the Wuhu action
  plan 五（七） "督查办及时跟进检查").
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from ..models import Application, Department, Role, User
from ..settings import settings
from .models import EscalationOptOut


def owner_id(application: Application | None) -> int | None:
    """The application's owner, where applications have one."""
    return getattr(application, "owner_id", None) if application is not None else None


def resolve(kinds: Iterable[str], department: str, application: Application | None,
            level: str) -> list[User]:
    """The active users the kinds name for one duty, each once, without those who chose not
    to receive `level`; in a stable order (by id)."""
    kinds = set(kinds)
    found: dict[int, User] = {}

    def add(users: Iterable[User]) -> None:
        for user in users:
            if user.active and user.role != Role.PLATFORM:
                found.setdefault(user.id, user)

    if "owner" in kinds and (owner := owner_id(application)) is not None:
        add(filter(None, [db.session.get(User, owner)]))
    if "team_lead" in kinds:
        add(db.session.scalars(select(User).join(Department, User.department_id == Department.id)
                               .where(Department.code == department,
                                      User.role == Role.TEAM_LEAD)))
    if "department_head" in kinds and (head := settings().department_heads.get(department)):
        add(db.session.scalars(select(User).where(User.username == head)))
    if "inspection" in kinds:
        add(db.session.scalars(select(User).join(Department, User.department_id == Department.id)
                               .where(Department.code == settings().inspection_department)))
    if not found:
        return []
    opted_out = set(db.session.scalars(select(EscalationOptOut.user_id).where(
        EscalationOptOut.level == level, EscalationOptOut.user_id.in_(list(found)))))
    return [found[i] for i in sorted(found) if i not in opted_out]
