"""Changes of the escalation feature: issue a 督办单, answer it, choose one's levels."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select

from ..extensions import db
from ..localtime import LOCAL
from ..models import SlaTimer, SubjectType, User
from ..services import events, timers
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.errors import Conflict, ValidationFailed
from ..services.numbering import next_number
from ..services.transaction import check_version, transactional
from ..settings import settings
from ..sla import Limit, LimitKind
from ..text import text_errors
from .models import LEVELS, EscalationOptOut, SupervisionNotice
from .queries import get_notice

SAME_MOMENT = "Someone else answered this supervision notice at the same moment; reload it."
ANSWER_LONGEST = 4000


def issue_notice(duty: SlaTimer, at: datetime, what: str) -> SupervisionNotice:
    """督办单 for a duty that reached supervision at `at` (in the escalation run's transaction),
    `what` naming it (application number and step): the department must answer within
    TRACKER_SUPERVISION_ANSWER_DAYS working days."""
    notice = SupervisionNotice(
        number=next_number("DB", at.astimezone(LOCAL).year), duty_timer_id=duty.id,
        application_id=duty.application_id, department_code=duty.department_code,
        duty_label=(what or duty.label)[:200], duty_due_at=duty.due_at,
        issued_at=at, status="open", answer="")
    db.session.add(notice)
    db.session.flush()
    notice.timer = timers.new_timer(
        subject_type=SubjectType.SUPERVISION, subject_id=notice.id, start=at,
        limit=Limit(LimitKind.WORKING_DAYS, settings().supervision_answer_days),
        department=duty.department_code, clock=app_clock(), application_id=duty.application_id,
        label=f"{notice.number} 督办", stage="answer")
    db.session.add(notice.timer)
    db.session.flush()
    events.record("supervision.issued", actor=None, subject_type="supervision",
                  subject_id=notice.id, application_id=duty.application_id, at=at,
                  number=notice.number, timer_id=duty.id, department=duty.department_code,
                  answer_due_at=notice.timer.due_at)
    return notice


@transactional(stale=SAME_MOMENT)
def answer_notice(number: str, actor: User, text: str,
                  expected_version: int | None = None) -> SupervisionNotice:
    """The department's written answer (书面答复): text, who and when; after the answer
    deadline it is recorded as answered late."""
    notice = get_notice(number)
    check_version(notice, expected_version,
                  "Someone else changed supervision notice %(number)s first; reload and try "
                  "again.", number=notice.number)
    text = (text or "").strip()
    errors = text_errors(answer=text)
    if not text:
        errors["answer"] = ["Required."]
    elif len(text) > ANSWER_LONGEST:
        errors["answer"] = ["Too long."]
    if errors:
        raise ValidationFailed("The answer has errors.", fields=errors)
    if notice.status != "open":
        raise Conflict("Supervision notice %(number)s has been answered already.",
                       params={"number": notice.number})
    now = clock_now()
    notice.answer, notice.answered_by_id, notice.answered_at = text, actor.id, now
    notice.status = "answered"
    if notice.timer is not None:
        timers.finish(notice.timer, now, app_clock(), ())
        notice.late = notice.timer.late
    events.record("supervision.answered", actor=actor, subject_type="supervision",
                  subject_id=notice.id, application_id=notice.application_id, at=now,
                  number=notice.number, late=notice.late,
                  answer_due_at=notice.timer.due_at if notice.timer else None)
    return notice


@transactional
def choose_levels(user: User, wanted: Iterable[str], actor: User) -> list[str]:
    """The levels that reach `user` from now on (the others are opted out); logged."""
    wanted = list(wanted)
    if set(wanted) - set(LEVELS):
        raise ValidationFailed("Unknown level.", fields={"levels": ["Unknown level."]})
    before = set(db.session.scalars(select(EscalationOptOut.level).where(
        EscalationOptOut.user_id == user.id)))
    wanted = [level for level in LEVELS if level in wanted]
    after = {level for level in LEVELS if level not in wanted}
    if before == after:
        return wanted
    db.session.execute(delete(EscalationOptOut).where(EscalationOptOut.user_id == user.id,
                                                      EscalationOptOut.level.in_(before - after)))
    db.session.add_all(EscalationOptOut(user_id=user.id, level=level) for level in after - before)
    events.record("escalation.levels_chosen", actor=actor, subject_type="user",
                  subject_id=user.id, levels=wanted, opted_out=sorted(after))
    return wanted
