"""After water is on: the customer callback (回访), 好差评 evaluations and home-visit follow-ups
(上门回访), each with its own timer, and the monthly callback and satisfaction rates."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Application, Callback, Evaluation, Event, FollowUp, SlaTimer, SubjectType, User
from ..sla import Limit, LimitKind, WorkingClock
from . import events, timers
from .clock import app_clock
from .clock import now as clock_now
from .errors import Conflict, NotFound, ValidationFailed
from .guards import stale_is_conflict, text_errors, unstorable

LOCAL = ZoneInfo("Asia/Shanghai")
SAME_MOMENT = "Someone else changed this record at the same moment; reload and try again."
FUTURE_TOLERANCE = timedelta(seconds=60)


# --- callbacks ----------------------------------------------------------------------------

def open_callback(app: Application, at: datetime, clock: WorkingClock) -> Callback:
    """Queue the callback of a completed application, due within the configured limit."""
    callback = Callback(application_id=app.id, status="open")
    db.session.add(callback)
    db.session.flush()
    days = float(current_app.config.get("TRACKER_CALLBACK_LIMIT_DAYS", 3.0))
    callback.timer = timers.new_timer(
        subject_type=SubjectType.CALLBACK, subject_id=callback.id, start=at,
        limit=Limit(LimitKind.WORKING_DAYS, days),
        department=current_app.config.get("TRACKER_CALLBACK_DEPARTMENT", "customer_service"),
        clock=clock, application_id=app.id, flow_code=app.flow_code,
        label=f"{app.number} 回访", stage="callback")
    return callback


def get_callback(callback_id: int) -> Callback:
    callback = db.session.get(Callback, callback_id)
    if callback is None:
        raise NotFound("No callback with id %(id)s.", params={"id": callback_id})
    return callback


@stale_is_conflict(SAME_MOMENT)
def record_callback_result(callback_id: int, actor: User, *, reached: bool,
                           satisfied: bool | None = None, comment: str = "",
                           expected_version: int | None = None) -> Callback:
    """Log a call: not reached keeps the callback open (the attempt is logged); reached closes it,
    and "not satisfied" opens a home-visit follow-up."""
    callback = get_callback(callback_id)
    _check_version(callback.version_id, expected_version)
    if callback.status != "open":
        raise Conflict("The result of this callback is already recorded.")
    comment = (comment or "").strip()
    if text_errors(comment=comment):
        raise ValidationFailed("The result has errors.", fields=text_errors(comment=comment))
    now = clock_now()
    if not reached:
        events.record("callback.attempt", actor=actor, subject_type="callback",
                      subject_id=callback.id, application_id=callback.application_id,
                      reached=False, comment=comment)
        db.session.commit()
        return callback
    if satisfied is None:
        raise ValidationFailed("Say whether the customer is satisfied.",
                               fields={"satisfied": ["Required when the customer was reached."]})
    if not satisfied and not comment:
        raise ValidationFailed("Say what the customer is not satisfied with.",
                               fields={"comment": ["Required when the customer is not satisfied."]})
    clock = app_clock()
    callback.status = "done"
    callback.reached = True
    callback.satisfied = satisfied
    callback.comment = comment
    callback.done_by_id = actor.id
    callback.done_at = now
    if callback.timer is not None:
        timers.finish(callback.timer, now, clock, ())
    db.session.flush()
    events.record("callback.done", actor=actor, subject_type="callback", subject_id=callback.id,
                  application_id=callback.application_id, satisfied=satisfied, comment=comment,
                  late=bool(callback.timer and callback.timer.late))
    if not satisfied:
        _open_follow_up(callback.application_id, "callback", now, clock, actor,
                        callback_id=callback.id)
    db.session.commit()
    return callback


def list_callbacks(*, status: str | None = None, page: int = 1,
                   per_page: int = 50) -> tuple[list[Callback], int]:
    """Callbacks, the open ones by deadline first."""
    query = select(Callback).join(SlaTimer, SlaTimer.id == Callback.timer_id, isouter=True)
    if status:
        query = query.where(Callback.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(case((Callback.status == "open", 0), else_=1), SlaTimer.due_at,
                           Callback.id.desc())
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return items, total


def attempts_of(callback_ids: Iterable[int]) -> dict[int, int]:
    """How many unanswered calls were logged per callback."""
    ids = list(callback_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Event.subject_id, func.count()).where(
            Event.subject_type == "callback", Event.action == "callback.attempt",
            Event.subject_id.in_(ids)).group_by(Event.subject_id)).all()
    return {subject_id: count for subject_id, count in rows}


# --- follow-ups (上门回访) -----------------------------------------------------------------

def _open_follow_up(application_id: int | None, origin: str, at: datetime, clock: WorkingClock,
                    actor: User | None, *, callback_id: int | None = None,
                    evaluation_id: int | None = None, label: str = "") -> FollowUp:
    follow_up = FollowUp(application_id=application_id, origin=origin, callback_id=callback_id,
                         evaluation_id=evaluation_id, status="open", created_at=at)
    db.session.add(follow_up)
    db.session.flush()
    days = float(current_app.config.get("TRACKER_FOLLOWUP_LIMIT_DAYS", 3.0))
    number = label or (db.session.scalar(select(Application.number)
                                         .where(Application.id == application_id))
                       if application_id else "") or ""
    follow_up.timer = timers.new_timer(
        subject_type=SubjectType.FOLLOWUP, subject_id=follow_up.id, start=at,
        limit=Limit(LimitKind.WORKING_DAYS, days),
        department=current_app.config.get("TRACKER_CALLBACK_DEPARTMENT", "customer_service"),
        clock=clock, application_id=application_id, label=f"{number} 上门回访".strip(),
        stage="followup")
    events.record("followup.opened", actor=actor, subject_type="followup",
                  subject_id=follow_up.id, application_id=application_id, origin=origin,
                  callback_id=callback_id, evaluation_id=evaluation_id)
    return follow_up


def get_follow_up(follow_up_id: int) -> FollowUp:
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound("No follow-up with id %(id)s.", params={"id": follow_up_id})
    return follow_up


@stale_is_conflict(SAME_MOMENT)
def close_follow_up(follow_up_id: int, actor: User, *, action_taken: str, evidence: str = "",
                    expected_version: int | None = None) -> FollowUp:
    """Close the loop of a home visit: only with what was done (and the evidence)."""
    follow_up = get_follow_up(follow_up_id)
    _check_version(follow_up.version_id, expected_version)
    if follow_up.status != "open":
        raise Conflict("This follow-up is already closed.")
    action_taken = (action_taken or "").strip()
    bad = text_errors(action_taken=action_taken, evidence=evidence)
    if bad:
        raise ValidationFailed("The follow-up has errors.", fields=bad)
    if not action_taken:
        raise ValidationFailed("Say what was done for the customer.",
                               fields={"action_taken": ["Required."]})
    now = clock_now()
    follow_up.status = "closed"
    follow_up.action_taken = action_taken
    follow_up.evidence = (evidence or "").strip()
    follow_up.closed_by_id = actor.id
    follow_up.closed_at = now
    if follow_up.timer is not None:
        timers.finish(follow_up.timer, now, app_clock(), ())
    events.record("followup.closed", actor=actor, subject_type="followup",
                  subject_id=follow_up.id, application_id=follow_up.application_id,
                  action_taken=action_taken, evidence=follow_up.evidence,
                  late=bool(follow_up.timer and follow_up.timer.late))
    db.session.commit()
    return follow_up


def list_follow_ups(*, status: str | None = None, page: int = 1,
                    per_page: int = 50) -> tuple[list[FollowUp], int]:
    query = select(FollowUp).join(SlaTimer, SlaTimer.id == FollowUp.timer_id, isouter=True)
    if status:
        query = query.where(FollowUp.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(case((FollowUp.status == "open", 0), else_=1), SlaTimer.due_at,
                           FollowUp.id.desc())
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return items, total


# --- 好差评 import -------------------------------------------------------------------------

# Column names as the evaluation system exports them, in English or Chinese.
COLUMN_ALIASES = {
    "external_id": ("external_id", "id", "评价编号", "评价id"),
    "application_number": ("application_number", "number", "办件编号", "申请编号", "报装编号"),
    "evaluated_at": ("evaluated_at", "评价时间"),
    "satisfied": ("satisfied", "是否满意", "评价结果", "满意度"),
    "score": ("score", "评分", "分数"),
    "comment": ("comment", "评价内容", "意见", "备注"),
}
REQUIRED_COLUMNS = ("external_id", "evaluated_at", "satisfied")
SATISFIED_WORDS = {
    True: {"满意", "非常满意", "基本满意", "好评", "是", "1", "yes", "y", "true", "satisfied"},
    False: {"不满意", "非常不满意", "差评", "否", "0", "no", "n", "false", "dissatisfied",
            "not satisfied"},
}
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                    "%Y-%m-%d", "%Y/%m/%d")


@dataclass(frozen=True)
class RowError:
    """A refused row: its line in the file (the header is line 1) and why (msgid + params)."""

    line: int
    message: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    imported: int = 0
    already_imported: int = 0
    follow_ups_opened: int = 0
    errors: list[RowError] = field(default_factory=list)


def decode_csv(data: bytes | str) -> str:
    """UTF-8 with or without a BOM; GB18030 as a fallback (what Excel saves on Chinese Windows)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationFailed("The file is not UTF-8 text.",
                                   fields={"file": ["Save the file as CSV UTF-8."]}) from None


def _header_map(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    mapping: dict[str, int] = {}
    for column, aliases in COLUMN_ALIASES.items():
        for index, name in enumerate(names):
            if name in aliases:
                mapping[column] = index
                break
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping]
    if missing:
        raise ValidationFailed("The file lacks the columns: %(columns)s.",
                               params={"columns": ", ".join(missing)},
                               fields={"file": ["Missing columns."]})
    return mapping


def _parse_instant(text: str) -> datetime | None:
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
        for pattern in DATETIME_FORMATS:
            try:
                value = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if value is None:
        return None
    if value.tzinfo is None:  # the evaluation system exports Beijing time
        value = value.replace(tzinfo=LOCAL)
    return value


def _parse_satisfied(text: str) -> bool | None:
    word = text.strip().lower()
    for verdict, words in SATISFIED_WORDS.items():
        if word in words:
            return verdict
    return None


@dataclass
class _Row:
    line: int
    external_id: str
    application_id: int | None
    application_number: str
    evaluated_at: datetime
    satisfied: bool
    score: int | None
    comment: str


def _check_row(values: list[str], line: int, mapping: dict[str, int], width: int,
               numbers: dict[str, int | None], now: datetime) -> _Row | RowError:
    if len(values) != width:
        return RowError(line, "The row has %(found)s fields; the header has %(expected)s.",
                        {"found": len(values), "expected": width})
    if any(unstorable(v) for v in values):
        return RowError(line, "The row contains control characters.")

    def cell(name: str) -> str:
        index = mapping.get(name)
        return values[index].strip() if index is not None else ""

    external_id = cell("external_id")
    if not external_id:
        return RowError(line, "external_id is empty.")
    if len(external_id) > 100:
        return RowError(line, "external_id is longer than 100 characters.")
    evaluated_at = _parse_instant(cell("evaluated_at"))
    if evaluated_at is None or not 2000 <= evaluated_at.year <= 2099:
        return RowError(line, "evaluated_at is not a date and time: %(value)s",
                        {"value": cell("evaluated_at")[:40]})
    if evaluated_at > now + FUTURE_TOLERANCE:
        return RowError(line, "evaluated_at is in the future: %(value)s",
                        {"value": cell("evaluated_at")[:40]})
    satisfied = _parse_satisfied(cell("satisfied"))
    if satisfied is None:
        return RowError(line, "satisfied must be 满意/不满意, 1/0 or yes/no, not %(value)s",
                        {"value": cell("satisfied")[:40]})
    score_text = cell("score")
    score = None
    if score_text:
        try:
            score = int(float(score_text)) if float(score_text).is_integer() else None
        except ValueError:
            score = None
        if score is None or not 0 <= score <= 100:
            return RowError(line, "score must be a whole number from 0 to 100, not %(value)s",
                            {"value": score_text[:40]})
    comment = cell("comment")
    if len(comment) > 2000:
        return RowError(line, "comment is longer than 2000 characters.")
    number = cell("application_number")
    application_id = None
    if number:
        application_id = numbers.get(number)
        if application_id is None:
            return RowError(line, "No application numbered %(number)s.", {"number": number[:40]})
    return _Row(line, external_id, application_id, number, evaluated_at, satisfied, score,
                comment)


def import_evaluations(data: bytes | str, actor: User | None = None, *,
                       source: str = "haochaping") -> ImportReport:
    """Import 好差评 rows from CSV: bad rows are reported by line and skipped, good rows are
    imported once (by external_id), and each "not satisfied" opens a follow-up. Commits once."""
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed("The file is empty.", fields={"file": ["Empty."]}) from None
    except csv.Error as exc:
        raise ValidationFailed("The file is not valid CSV: %(error)s", params={"error": str(exc)},
                               fields={"file": ["Not CSV."]}) from None
    mapping = _header_map(header)
    raw_rows: list[tuple[int, list[str]]] = []
    report = ImportReport()
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.errors.append(RowError(line, "The row is not valid CSV: %(error)s",
                                          {"error": str(exc)}))
            line = reader.line_num + 1
            continue
        if any(v.strip() for v in values):  # blank lines are not rows
            raw_rows.append((line, values))
        line = reader.line_num + 1

    wanted = {values[mapping["application_number"]].strip()
              for _, values in raw_rows
              if "application_number" in mapping and len(values) > mapping["application_number"]}
    numbers: dict[str, int | None] = dict(db.session.execute(
        select(Application.number, Application.id).where(Application.number.in_(wanted))).all()) \
        if wanted else {}
    now, clock = clock_now(), app_clock()
    seen: dict[str, int] = {}
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    for line_no, values in raw_rows:
        checked = _check_row(values, line_no, mapping, len(header), numbers, now)
        if isinstance(checked, RowError):
            report.errors.append(checked)
            continue
        if checked.external_id in seen:
            report.errors.append(RowError(line_no, "external_id %(id)s already appears on line "
                                          "%(line)s.", {"id": checked.external_id,
                                                        "line": seen[checked.external_id]}))
            continue
        seen[checked.external_id] = line_no
        # Insert-or-nothing keeps a re-import (or two imports at once) from doubling a row.
        new_id = db.session.execute(
            insert(Evaluation).values(
                source=source, external_id=checked.external_id,
                application_id=checked.application_id,
                application_number=checked.application_number, satisfied=checked.satisfied,
                score=checked.score, comment=checked.comment, evaluated_at=checked.evaluated_at,
                imported_at=now)
            .on_conflict_do_nothing(index_elements=["source", "external_id"])
            .returning(Evaluation.id)).scalar_one_or_none()
        if new_id is None:
            report.already_imported += 1
            continue
        report.imported += 1
        events.record("evaluation.imported", actor=actor, subject_type="evaluation",
                      subject_id=new_id, application_id=checked.application_id,
                      external_id=checked.external_id, satisfied=checked.satisfied)
        if not checked.satisfied:
            _open_follow_up(checked.application_id, "evaluation", now, clock, actor,
                            evaluation_id=new_id,
                            label=checked.application_number or f"好差评 {checked.external_id}")
            report.follow_ups_opened += 1
    db.session.commit()
    return report


# --- rates and the summary the application page shows --------------------------------------

def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month in Beijing time as a UTC-comparable [start, end)."""
    if not 1 <= month <= 12:
        raise ValidationFailed("Not a month: %(month)s", params={"month": month})
    start = datetime.combine(date(year, month, 1), time(0), tzinfo=LOCAL)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return start, datetime.combine(following, time(0), tzinfo=LOCAL)


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def callback_rates(year: int, month: int) -> dict[str, Any]:
    """回访率 and 满意率 of the applications whose water went on in the month (Beijing time).

    due: callbacks of those applications; done: answered (reached, result recorded), whenever;
    rate = done / due (target 1.0; None when nothing was due); satisfied / dissatisfied among
    the done ones, satisfaction_rate = satisfied / done. Evaluations (好差评) evaluated in the
    month are counted apart, as are the follow-ups opened in the month.
    """
    start, end = month_bounds(year, month)
    row = db.session.execute(
        select(func.count(Callback.id),
               func.count(case((Callback.status == "done", 1))),
               func.count(case(((Callback.status == "done") & Callback.satisfied.is_(True), 1))),
               func.count(case(((Callback.status == "done") & Callback.satisfied.is_(False), 1))),
               func.count(case(((Callback.status == "done") & SlaTimer.late.is_(False), 1))))
        .join(Application, Application.id == Callback.application_id)
        .join(SlaTimer, SlaTimer.id == Callback.timer_id, isouter=True)
        .where(Application.completed_at >= start, Application.completed_at < end)).one()
    due, done, satisfied, dissatisfied, on_time = (int(v or 0) for v in row)
    evaluations = db.session.execute(
        select(func.count(Evaluation.id), func.count(case((Evaluation.satisfied.is_(False), 1))))
        .where(Evaluation.evaluated_at >= start, Evaluation.evaluated_at < end)).one()
    follow_ups = db.session.execute(
        select(func.count(FollowUp.id), func.count(case((FollowUp.status == "closed", 1))))
        .where(FollowUp.created_at >= start, FollowUp.created_at < end)).one()
    return {
        "year": year, "month": month,
        "due": due, "done": done, "rate": _ratio(done, due), "done_on_time": on_time,
        "satisfied": satisfied, "dissatisfied": dissatisfied,
        "satisfaction_rate": _ratio(satisfied, done),
        "evaluations": int(evaluations[0] or 0),
        "evaluations_dissatisfied": int(evaluations[1] or 0),
        "follow_ups_opened": int(follow_ups[0] or 0),
        "follow_ups_closed": int(follow_ups[1] or 0),
    }


def aftercare_summary(application_id: int, lang: str | None = None) -> dict[str, Any]:
    """What happened after water went on, for the application page: the callback, the
    follow-ups and the evaluations, each timer described now (times in Beijing time)."""
    from ..i18n import current_language
    from .presenters import timer_fields

    lang = lang or current_language()
    now, clock = clock_now(), app_clock()
    callback = db.session.scalar(select(Callback).where(Callback.application_id == application_id))
    result: dict[str, Any] = {"callback": None, "follow_ups": [], "evaluations": [],
                              "open_follow_ups": 0}
    if callback is not None:
        result["callback"] = {
            "id": callback.id, "status": callback.status, "reached": callback.reached,
            "satisfied": callback.satisfied, "comment": callback.comment,
            "done_at": _local(callback.done_at),
            "done_by": callback.done_by.label if callback.done_by else None,
            "attempts": attempts_of([callback.id]).get(callback.id, 0),
            "version": callback.version_id,
            "sla": timer_fields(callback.timer, now, clock, []),
        }
    result["follow_ups"] = present_follow_ups(list(db.session.scalars(
        select(FollowUp).where(FollowUp.application_id == application_id)
        .order_by(FollowUp.id)).unique()), lang)
    result["open_follow_ups"] = sum(1 for f in result["follow_ups"] if f["status"] == "open")
    for evaluation in db.session.scalars(select(Evaluation).where(
            Evaluation.application_id == application_id).order_by(Evaluation.evaluated_at)):
        result["evaluations"].append({
            "external_id": evaluation.external_id, "satisfied": evaluation.satisfied,
            "score": evaluation.score, "comment": evaluation.comment,
            "evaluated_at": _local(evaluation.evaluated_at)})
    return result


def present_follow_up(follow_up: FollowUp, now: datetime, clock: WorkingClock) -> dict[str, Any]:
    from .presenters import timer_fields

    closed_by = db.session.get(User, follow_up.closed_by_id) if follow_up.closed_by_id else None
    return {
        "id": follow_up.id, "origin": follow_up.origin, "status": follow_up.status,
        "application_id": follow_up.application_id, "callback_id": follow_up.callback_id,
        "evaluation_id": follow_up.evaluation_id, "action_taken": follow_up.action_taken,
        "evidence": follow_up.evidence, "created_at": _local(follow_up.created_at),
        "closed_at": _local(follow_up.closed_at),
        "closed_by": closed_by.label if closed_by else None, "version": follow_up.version_id,
        "sla": timer_fields(follow_up.timer, now, clock, []),
    }


# --- presenting (API and pages) ---------------------------------------------------------

def present_callback(callback: Callback, app: Application, attempts: int,
                     lang: str) -> dict[str, Any]:
    from .presenters import department_name, local, timer_fields

    timer = callback.timer
    return {
        "id": callback.id, "application_number": app.number, "customer_name": app.customer_name,
        "contact_name": app.contact_name, "contact_phone": app.contact_phone,
        "completed_at": local(app.completed_at), "status": callback.status,
        "reached": callback.reached, "satisfied": callback.satisfied,
        "comment": callback.comment, "done_at": local(callback.done_at),
        "done_by": callback.done_by.label if callback.done_by else None, "attempts": attempts,
        "department_name": department_name(timer.department_code, lang) if timer else "",
        "version": callback.version_id,
        "sla": timer_fields(timer, clock_now(), app_clock(), []),
    }


def present_callbacks(callbacks: list[Callback], lang: str) -> list[dict[str, Any]]:
    apps = {a.id: a for a in db.session.scalars(
        select(Application).where(Application.id.in_([c.application_id for c in callbacks])))}
    attempts = attempts_of(c.id for c in callbacks)
    return [present_callback(c, apps[c.application_id], attempts.get(c.id, 0), lang)
            for c in callbacks]


def present_follow_ups(items: list[FollowUp], lang: str) -> list[dict[str, Any]]:
    """Follow-ups with their application and what the customer was not satisfied with."""
    apps = {a.id: a for a in db.session.scalars(
        select(Application).where(Application.id.in_(
            [f.application_id for f in items if f.application_id])))}
    callbacks = {c.id: c for c in db.session.scalars(select(Callback).where(
        Callback.id.in_([f.callback_id for f in items if f.callback_id])))}
    evaluations = {e.id: e for e in db.session.scalars(select(Evaluation).where(
        Evaluation.id.in_([f.evaluation_id for f in items if f.evaluation_id])))}
    moment, clock = clock_now(), app_clock()
    result = []
    for follow_up in items:
        data = present_follow_up(follow_up, moment, clock)
        app = apps.get(follow_up.application_id)
        evaluation = evaluations.get(follow_up.evaluation_id)
        data["application_number"] = app.number if app else (
            evaluation.application_number if evaluation else None) or None
        data["customer_name"] = app.customer_name if app else None
        source = callbacks.get(follow_up.callback_id) or evaluation
        data["reason"] = source.comment if source is not None else ""
        result.append(data)
    return result


# --- helpers ------------------------------------------------------------------------------

def _local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(LOCAL)


def _check_version(current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise Conflict("Someone else changed this record first; reload and try again.")
