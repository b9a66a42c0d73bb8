"""Changes to the assessment (each `@transactional`, each in the event log with who, when,
what and why): the assessor's review of a month's draft (points within each item's range,
items added, back-dated items confirmed or waived), issuing it (a frozen version through the
report's issuance), a department's appeal within the working-day window, the decision.

Issue 11 ("the monthly report becomes the assessment's working document"); action plan
五（六） "营商环境执行情况进行月度绩效考核…（责任部门：人力资源中心）" and 五（七） (督查办). The
seed names no appeal; the issue asks for one "within a configurable number of working days"
(TRACKER_ASSESSMENT_APPEAL_DAYS), counted here from the issue of the version appealed.
"""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..localtime import LOCAL
from ..models import WRITER_ROLES, SlaTimer, SubjectType, User
from ..reports.issuance import issue_monthly_report
from ..services import events, timers
from ..services.app_clock import app_clock
from ..services.app_clock import now as clock_now
from ..services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..services.months import Month
from ..services.reference import departments
from ..services.transaction import check_version, transactional
from ..settings import settings
from ..sla import Limit, LimitKind
from ..text import unstorable
from .models import (
    CONFIRMED,
    COUNTED,
    OPEN,
    REJECTED,
    REMOVED,
    UPHELD,
    WAIVED,
    Appeal,
    AssessmentReview,
    ItemDecision,
    ManualItem,
)
from .outcome import MANUAL_PREFIX, manual_key, rule_range
from .queries import (
    appeal_deadline,
    appeal_timer,
    draft_points,
    get_review,
    issued_points,
    outcome_of,
)

CHANGED = "The assessment was changed meanwhile (now version %(version)s); reload and try again."
STALE = "Someone changed the assessment at the same moment; reload and try again."
SUBJECT = "assessment"


def _assessor(actor: User | None) -> User:
    if actor is None or not getattr(actor, "is_assessor", False):
        raise Forbidden("Only the assessment office may review, issue or decide appeals.")
    return actor


def _reason(reason: str | None, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed("Give the reason.", fields={field: ["Give the reason."]})
    if unstorable(text) or len(text) > 2000:
        raise ValidationFailed("Please correct the marked fields.",
                               fields={field: ["At most 2000 characters, no control characters."]})
    return text


def _points(value: Any, low: float, high: float, field: str = "points") -> float:
    try:
        points = float(value)
    except (TypeError, ValueError):
        points = float("nan")
    if not low <= points <= high:  # NaN fails too
        message = "%(points)s is outside the range of this item: %(min)s to %(max)s."
        shown = str(value) if math.isnan(points) else f"{points:g}"
        params = {"points": shown, "min": f"{low:g}", "max": f"{high:g}"}
        raise ValidationFailed(message, params=params,
                               fields={field: ["Outside the range of this item."]})
    return round(points, 2)


def _review(month: Month, actor: User | None, expected: int | None) -> AssessmentReview:
    """The month's review for a change (created at the first), checked against `expected`."""
    review = get_review(month)
    if review is None:
        if expected not in (None, 0):
            raise Conflict(CHANGED, params={"version": 0})
        review = AssessmentReview(month=month.label, created_by_id=actor.id if actor else None)
        db.session.add(review)
        db.session.flush()
        return review
    check_version(review, expected, CHANGED, version=review.version_id)
    return review


def _touch(review: AssessmentReview, changes_figures: bool = True) -> None:
    """Move the review's version on (every change to its items is a change to it: the
    UPDATE names the version read, so of two concurrent changes one gets a 409)."""
    if changes_figures and review.issued_version is not None:
        review.changed_since_issue = True
    review.updated_at = clock_now()
    db.session.flush()


def _draft_item(month: Month, key: str) -> dict[str, Any]:
    for item in draft_points(month).get("items", []):
        if item["key"] == key:
            return item
    raise NotFound("The draft of %(month)s has no item %(key)s.",
                   params={"month": month.label, "key": key})


def _decision(review: AssessmentReview, key: str) -> ItemDecision | None:
    return db.session.scalar(select(ItemDecision).where(ItemDecision.review_id == review.id,
                                                        ItemDecision.item_key == key))


def _set_decision(review: AssessmentReview, key: str, actor: User | None, *,
                  points: float | None, status: str, reason: str,
                  appeal: Appeal | None = None) -> tuple[dict[str, Any], ItemDecision]:
    """Store the decision on `key` (the earlier one stays in the event log)."""
    row = _decision(review, key)
    before = None if row is None else {"points": row.points, "status": row.status,
                                       "reason": row.reason}
    if row is None:
        row = ItemDecision(review_id=review.id, item_key=key)
        db.session.add(row)
    row.points, row.status, row.reason = points, status, reason
    row.decided_by_id = actor.id if actor else None
    row.decided_at = clock_now()
    row.appeal_id = appeal.id if appeal else row.appeal_id
    return before or {}, row


def _record(action: str, review: AssessmentReview, actor: User | None, **data: Any) -> None:
    events.record(action, actor=actor, subject_type=SUBJECT, subject_id=review.id,
                  month=review.month, **data)


@transactional(stale=STALE)
def set_points(month: Month, key: str, points: Any, reason: str, actor: User | None, *,
               expected_version: int | None = None) -> AssessmentReview:
    """Choose an item's points within its range (a reason for any change from the default)."""
    _assessor(actor)
    review = _review(month, actor, expected_version)
    item = _draft_item(month, key)
    chosen = _points(points, *item["range"])
    text = (reason or "").strip()
    if chosen != item["points"]:
        text = _reason(reason)
    row = _decision(review, key)
    status = row.status if row is not None and row.status == CONFIRMED else COUNTED
    before, _row = _set_decision(review, key, actor, points=chosen, status=status, reason=text)
    _touch(review)
    _record("assessment.points_set", review, actor, key=key, rule=item["rule"],
            department=item["department"], points=chosen, default=item["points"],
            before=before, reason=text)
    return review


@transactional(stale=STALE)
def decide_backdated(month: Month, key: str, confirm: bool, reason: str, actor: User | None, *,
                     expected_version: int | None = None) -> AssessmentReview:
    """Confirm (counted) or waive (not counted) a lateness that rests on a back-dated entry."""
    _assessor(actor)
    review = _review(month, actor, expected_version)
    item = _draft_item(month, key)
    if not item.get("backdated"):
        raise ValidationFailed("Only a back-dated item is confirmed or waived.",
                               fields={"key": ["Not a back-dated item."]})
    text = _reason(reason)
    row = _decision(review, key)
    points = row.points if row is not None else None
    before, _row = _set_decision(review, key, actor, points=points,
                                 status=CONFIRMED if confirm else WAIVED, reason=text)
    _touch(review)
    _record("assessment.backdated_confirmed" if confirm else "assessment.backdated_waived",
            review, actor, key=key, rule=item["rule"], department=item["department"],
            before=before, reason=text)
    return review


@transactional(stale=STALE)
def add_item(month: Month, department: str, rule: str, points: Any, reason: str,
             evidence: str, actor: User | None, *,
             expected_version: int | None = None) -> ManualItem:
    """A discretionary item: department, rule, points within the rule's range, reason and
    evidence (a reference: a file number, a notice, a photo's name)."""
    _assessor(actor)
    rules = draft_points(month).get("rules") or {}
    errors: dict[str, list[str]] = {}
    if department not in departments():
        errors["department"] = ["Unknown department."]
    if rule not in rules:
        errors["rule"] = ["Unknown rule."]
    if not (reason or "").strip():
        errors["reason"] = ["Give the reason."]
    if unstorable(evidence or "") or len(evidence or "") > 2000:
        errors["evidence"] = ["At most 2000 characters, no control characters."]
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    chosen = _points(points, *rule_range(rules, rule))
    text = _reason(reason)
    review = _review(month, actor, expected_version)
    row = ManualItem(review_id=review.id, rule=rule, department_code=department, points=chosen,
                     reason=text, evidence=(evidence or "").strip(),
                     created_by_id=actor.id if actor else None, created_at=clock_now())
    db.session.add(row)
    db.session.flush()
    _touch(review)
    _record("assessment.item_added", review, actor, key=manual_key(row.id), rule=rule,
            department=department, points=chosen, reason=text, evidence=row.evidence)
    return row


@transactional(stale=STALE)
def issue(month: Month, actor: User | None, *, expected_version: int | None = None) -> Any:
    """Issue the reviewed month as a new report version (every back-dated item decided)."""
    _assessor(actor)
    review = _review(month, actor, expected_version)
    pending = outcome_of(draft_points(month), review)["pending_backdated"]
    if pending:
        raise ValidationFailed(
            "Confirm or waive every back-dated item before issuing: %(keys)s.",
            params={"keys": ", ".join(pending)}, fields={"pending": pending})
    return issue_monthly_report(month, actor)


def on_issuing(month_label: str, *, data: dict[str, Any], version: int, actor: User | None,
               at: datetime, **_: Any) -> None:
    """The report's issuing signal: the version carries the review's outcome, and the appeal
    window of the month starts now."""
    review = db.session.scalar(select(AssessmentReview)
                               .where(AssessmentReview.month == month_label))
    if review is None:
        review = AssessmentReview(month=month_label, created_by_id=actor.id if actor else None)
        db.session.add(review)
        db.session.flush()
    points = outcome_of(data.get("points") or {}, review)
    data["points"] = points
    deadline = appeal_deadline(at)
    data["assessment"] = {"version": version, "appeal_deadline": deadline.astimezone(LOCAL)
                          .isoformat(), "pending_backdated": points["pending_backdated"]}
    review.issued_version, review.issued_at = version, at
    review.changed_since_issue = False
    db.session.flush()
    _record("assessment.issued", review, actor, version=version, total=points["total"],
            appeal_deadline=deadline.astimezone(LOCAL).isoformat())


@transactional(stale=STALE)
def file_appeal(month: Month, key: str, reason: str, actor: User | None, *,
                expected_version: int | None = None) -> Appeal:
    """A department's appeal against one item of the latest issued version, within the
    window (N working days after its issue)."""
    if actor is None or actor.role not in WRITER_ROLES or actor.department is None:
        raise Forbidden("Only the staff of the department charged may appeal its items.")
    review = get_review(month)
    issued = issued_points(month)
    if review is None or review.issued_at is None or issued is None:
        raise ValidationFailed("The %(month)s assessment has not been issued yet.",
                               params={"month": month.label})
    version, points = issued
    item = next((i for i in points.get("items", []) if i["key"] == key), None)
    if item is None:
        raise NotFound("Version %(version)s of %(month)s has no item %(key)s.",
                       params={"version": version, "month": month.label, "key": key})
    if item["department"] != actor.department.code:
        raise Forbidden("Only the staff of the department charged may appeal its items.")
    moment = clock_now()
    deadline = appeal_deadline(review.issued_at)
    if moment > deadline:
        raise ValidationFailed(
            "The appeal window closed on %(deadline)s (%(days)s working days after the issue "
            "of version %(version)s).",
            params={"deadline": deadline.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
                    "days": settings().assessment_appeal_days, "version": version},
            fields={"key": ["The appeal window has closed."]})
    if db.session.scalar(select(Appeal.id).where(Appeal.review_id == review.id,
                                                 Appeal.item_key == key, Appeal.state == OPEN)):
        raise Conflict("This item already has an open appeal.")
    text = _reason(reason)
    check_version(review, expected_version, CHANGED, version=review.version_id)
    appeal = Appeal(review_id=review.id, item_key=key, report_version=version,
                    department_code=item["department"], reason=text,
                    filed_by_id=actor.id, filed_at=moment, deadline=deadline)
    db.session.add(appeal)
    db.session.flush()
    db.session.add(_decision_timer(appeal, month, moment))
    _touch(review, changes_figures=False)
    _record("assessment.appealed", review, actor, appeal=appeal.id, key=key,
            department=item["department"], version=version, reason=text)
    return appeal


def _decision_timer(appeal: Appeal, month: Month, at: datetime) -> SlaTimer:
    """The assessment office's duty to decide the appeal, a timer like any other duty's (My
    work, the watcher, the dashboard's department figures read it). Its limit,
    TRACKER_ASSESSMENT_APPEAL_DECISION_DAYS working days from the filing, is our reading: the
    seeds set no deadline for deciding an appeal."""
    return timers.new_timer(
        subject_type=SubjectType.APPEAL, subject_id=appeal.id, start=at,
        limit=Limit(LimitKind.WORKING_DAYS, settings().assessment_appeal_decision_days),
        department=settings().assessment_department, clock=app_clock(),
        label=f"{month.label} 考核申诉 {appeal.department_code}", stage="decide")


@transactional(stale=STALE)
def decide_appeal(month: Month, appeal_id: int, upheld: bool, reason: str, actor: User | None,
                  *, points: Any = None, expected_version: int | None = None) -> Appeal:
    """Upheld: the item carries `points` (within its range) or, with none, is removed;
    rejected: it stays. Either way with the reason; the next issue is version n+1."""
    _assessor(actor)
    review = _review(month, actor, expected_version)
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or appeal.review_id != review.id:
        raise NotFound("There is no appeal %(id)s on %(month)s.",
                       params={"id": appeal_id, "month": month.label})
    if appeal.state != OPEN:
        raise Conflict("This appeal was decided already.")
    text = _reason(reason)
    outcome: float | None = None
    if upheld:
        outcome = _apply_upheld(month, review, appeal, points, text, actor)
    appeal.state = UPHELD if upheld else REJECTED
    appeal.outcome_points, appeal.decision_reason = outcome, text
    appeal.decided_by_id, appeal.decided_at = actor.id, clock_now()
    timer = appeal_timer(appeal.id)
    if timer is not None:  # appeals filed before migration 0016 have none
        timers.finish(timer, appeal.decided_at, app_clock(), ())
    _touch(review, changes_figures=upheld)
    _record("assessment.appeal_upheld" if upheld else "assessment.appeal_rejected", review,
            actor, appeal=appeal.id, key=appeal.item_key, department=appeal.department_code,
            points=outcome, removed=upheld and outcome is None, reason=text)
    return appeal


def _apply_upheld(month: Month, review: AssessmentReview, appeal: Appeal, points: Any,
                  reason: str, actor: User) -> float | None:
    """Change or remove the appealed item; the points it now carries (None: removed)."""
    if appeal.item_key.startswith(MANUAL_PREFIX):
        row = db.session.get(ManualItem, int(appeal.item_key[len(MANUAL_PREFIX):]))
        if row is None:
            raise NotFound("The draft of %(month)s has no item %(key)s.",
                           params={"month": month.label, "key": appeal.item_key})
        rules = draft_points(month).get("rules") or {}
        if points in (None, ""):
            row.status = REMOVED
            return None
        row.points = _points(points, *rule_range(rules, row.rule))
        return row.points
    item = _draft_item(month, appeal.item_key)
    if points in (None, ""):
        _set_decision(review, appeal.item_key, actor, points=None, status=REMOVED,
                      reason=reason, appeal=appeal)
        return None
    chosen = _points(points, *item["range"])
    current = _decision(review, appeal.item_key)
    status = current.status if current is not None and current.status == CONFIRMED else COUNTED
    _set_decision(review, appeal.item_key, actor, points=chosen, status=status, reason=reason,
                  appeal=appeal)
    return chosen
