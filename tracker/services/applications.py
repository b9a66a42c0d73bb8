"""Applications and their steps: create, start, complete, skip, pause, resume, cancel, edit."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, inspect, select, text
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from ..extensions import db
from ..localtime import LOCAL
from ..models import (
    ALL_STEPS,
    Application,
    AppStatus,
    Channel,
    CustomerType,
    FlowVersion,
    Pause,
    SlaTimer,
    StepRecord,
    StepStatus,
    SubjectType,
    TimerState,
    User,
)
from ..models.applications import shared_codes, shared_text
from ..settings import settings
from ..signals import (
    application_cancelled,
    application_completed,
    application_created,
    step_completed,
    step_completing,
)
from ..sla import ClockPause, Limit, LimitKind, WorkingClock
from ..steps import FlowDefinition, StepDefinition
from ..steps.definitions import (
    REQUESTED_AT_TIME,
    STOPS_ALL_STEPS,
    STOPS_APPLICATION,
    STOPS_PARTY,
    STOPS_STEP,
)
from ..text import unstorable
from . import duties, events, timers
from .app_clock import app_clock
from .app_clock import now as clock_now
from .errors import Conflict, NotFound, ValidationFailed
from .flows import current_version, definition_of
from .numbering import next_number
from .pause_scope import intervals_for
from .reference import pause_reasons
from .staff import owner_at_registration, staff_error
from .transaction import check_version, transactional

APPLICATION_SAME_MOMENT = ("Someone else changed this application at the same moment; "
                           "reload and try again.")
# Clocks of field tablets drift; a completion a minute "in the future" is not an error.
FUTURE_TOLERANCE = timedelta(seconds=60)
# A customer's requested time further ahead than this is a typing mistake.
REQUESTED_AHEAD_MAX = timedelta(days=366)


@dataclass
class NewApplication:
    flow: str
    customer_name: str
    customer_type: str = CustomerType.COMPANY.value
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    channel: str = Channel.WINDOW.value
    accepted_at: datetime | None = None
    requested_at: datetime | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    missing_materials: list[str] = field(default_factory=list)
    materials_promised_on: date | None = None
    note: str = ""
    owner: str = ""  # the 客户代表's user name; "" = the registering member of staff


def timer_pauses(app: Application, timer: SlaTimer | None) -> list[ClockPause]:
    """The application's pauses that stop this timer's clock (none for a timer of no clock)."""
    if timer is None:
        return []
    return intervals_for(app.pauses, timer.subject_type, timer.step_code)


def step_pauses(app: Application, code: str) -> list[ClockPause]:
    """The pauses that stop one step's clock."""
    return intervals_for(app.pauses, SubjectType.STEP, code)


def application_pauses(app: Application) -> list[ClockPause]:
    """The pauses that stop the whole application's clock."""
    return intervals_for(app.pauses, SubjectType.APPLICATION, None)


def get_application(number: str, *, for_update: bool = False) -> Application:
    """The application numbered `number` (404 if none).

    With `for_update` the caller is about to change it: its row is locked until the commit,
    so a second writer waits and then sees the first one's result (a clear 409 from the
    state checks, never a lost update). PostgreSQL locks the row; SQLite has no row locks,
    so the transaction takes the database's write lock (waiting up to busy_timeout) before
    it reads anything.
    """
    if unstorable(number):  # PostgreSQL refuses NUL in text; no number contains one
        raise NotFound("No application numbered %(number)s.", params={"number": number})
    query = _READ_BY_NUMBER
    if for_update:
        query = _BY_NUMBER
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(text("UPDATE applications SET id = id WHERE number = :number"),
                               {"number": number})
        else:
            query = query.with_for_update(of=Application)
        query = query.execution_options(populate_existing=True)
    app = db.session.scalar(query, {"number": number})
    if app is None:
        raise NotFound("No application numbered %(number)s.", params={"number": number})
    if not for_update:
        _load_steps_and_pauses(app)
    return app


# Every page of an application reads it first: built once (issue 15).
_BY_NUMBER = select(Application).where(Application.number == bindparam("number"))
# A read takes the steps and pauses by two plain statements instead of the relationships'
# selectin loaders: the same rows in the same order with the same joined loads (timers,
# users), for a third of the CPU (a selectin load builds an aliased entity, its loader
# paths and a lambda statement every time: ~1 ms each on the application page; issue 15).
# A change (for_update) keeps the selectin loads, which populate_existing refreshes.
# A read joins neither the owner's nor the steps' and pauses' people's departments (a page
# shows their names; `.department` is still there, read when asked) nor the flow version's
# stored definition (parsed once per process, flows.definition_of): each join was planned by
# PostgreSQL on every request (~0.3 ms of planning for the three statements) and hydrated
# (issue 15).
_NO_DEPARTMENT = lazyload(User.department)
_READ_BY_NUMBER = _BY_NUMBER.options(
    lazyload(Application.steps), lazyload(Application.pauses),
    joinedload(Application.owner).options(_NO_DEPARTMENT),
    joinedload(Application.flow_version).defer(FlowVersion.definition))
_CHILDREN = (
    ("steps", select(StepRecord).where(StepRecord.application_id == bindparam("id"))
     .order_by(StepRecord.position).options(
         joinedload(StepRecord.started_by).options(_NO_DEPARTMENT),
         joinedload(StepRecord.completed_by).options(_NO_DEPARTMENT))),
    ("pauses", select(Pause).where(Pause.application_id == bindparam("id"))
     .order_by(Pause.started_at).options(
         joinedload(Pause.started_by).options(_NO_DEPARTMENT),
         joinedload(Pause.ended_by).options(_NO_DEPARTMENT))),
)


def _load_steps_and_pauses(app: Application) -> None:
    """app.steps and app.pauses as their selectin loaders would set them, unless already
    loaded (an application the session held with its steps keeps them, as a query does)."""
    unloaded = inspect(app).unloaded
    for name, statement in _CHILDREN:
        if name in unloaded:
            set_committed_value(app, name, list(db.session.scalars(statement, {"id": app.id})))


def _for_change(number: str, expected_version: int | None) -> Application:
    """Lock the application for a change and check the version the client last saw."""
    app = get_application(number, for_update=True)
    check_version(app, expected_version,
                  "Someone else changed application %(number)s first; reload and try again.",
                  number=app.number)
    return app


def flow_of(app: Application) -> FlowDefinition:
    return definition_of(app.flow_version)


# --- creation -----------------------------------------------------------------------------

@dataclass
class _Checked:
    """A new application's values once every check has passed."""

    version: Any
    flow: FlowDefinition
    accepted_at: datetime
    attributes: dict[str, str]
    channel: Channel
    customer_type: CustomerType


def _check_new(data: NewApplication, now: datetime, clock: WorkingClock, *,
               from_platform: bool) -> tuple[_Checked | None, dict[str, list[str]]]:
    """Every check of a new application, each field's errors collected at once (the flow's
    own checks are skipped when the flow is unknown; the others still run)."""
    errors: dict[str, list[str]] = {}
    try:
        version = current_version(data.flow)
    except NotFound:
        version = flow = None
        errors["flow"] = ["Unknown flow."]
    else:
        flow = definition_of(version)
    accepted_at = data.accepted_at or now
    _check_past_instant(accepted_at, now, clock, "accepted_at", errors)
    attributes: dict[str, str] = {}
    if flow is not None:
        needs_requested = flow.whole_clock_starts == "requested" or any(
            s.clock_starts == "requested" for s in flow.steps)
        if needs_requested and data.requested_at is None:
            errors.setdefault("requested_at", []).append(
                "This flow counts from the customer's requested time: give it.")
        attributes = _checked_attributes(flow, data.attributes, errors)
    if data.requested_at is not None:
        # A platform push's requested time is the customer's: kept however late the screening
        # (the screening duty carries that lateness), never reset (003 三（二）2).
        _check_requested(data.requested_at, now, clock, errors, back_dating=not from_platform)
    if data.missing_materials and data.materials_promised_on is None:
        errors.setdefault("materials_promised_on", []).append(
            "Accepted with missing materials: give the date the customer promised them.")
    if data.materials_promised_on and data.materials_promised_on < accepted_at.astimezone(LOCAL).date():
        errors.setdefault("materials_promised_on", []).append(
            "The promised date cannot be before acceptance.")
    channel = customer_type = None
    try:
        channel = Channel(data.channel)
    except ValueError:
        errors.setdefault("channel", []).append("Unknown channel.")
    try:
        customer_type = CustomerType(data.customer_type)
    except ValueError:
        errors.setdefault("customer_type", []).append("Unknown customer type.")
    if not data.customer_name.strip():
        errors.setdefault("customer_name", []).append("Required.")
    if data.owner.strip():
        problem = staff_error(data.owner)[1]
        if problem:
            errors.setdefault("owner", []).append(problem)
    if errors or flow is None or channel is None or customer_type is None:
        return None, errors
    return _Checked(version, flow, accepted_at, attributes, channel, customer_type), errors


def new_application_errors(data: NewApplication, *,
                           from_platform: bool = False) -> dict[str, list[str]]:
    """What create_application would refuse, field by field, changing nothing: a form or
    schema that found its own errors adds these, so that every mistake shows in one round."""
    return _check_new(data, clock_now(), app_clock(), from_platform=from_platform)[1]


@transactional(stale=APPLICATION_SAME_MOMENT)
def create_application(data: NewApplication, actor: User | None, *,
                       intake_id: int | None = None) -> Application:
    """Register an application, start its clocks, log it, commit."""
    now = clock_now()
    clock = app_clock()
    checked, errors = _check_new(data, now, clock, from_platform=intake_id is not None)
    if checked is None:
        if list(errors) == ["flow"]:
            raise ValidationFailed("Unknown flow: %(flow)s", params={"flow": data.flow},
                                   fields=errors)
        raise ValidationFailed("The application has errors.", fields=errors)
    version, flow, accepted_at = checked.version, checked.flow, checked.accepted_at
    attributes, channel, customer_type = checked.attributes, checked.channel, checked.customer_type

    year = accepted_at.astimezone(LOCAL).year
    app = Application(
        number=next_number(flow.code, year), flow_code=flow.code, flow_version=version,
        customer_type=customer_type, customer_name=data.customer_name.strip(),
        contact_name=data.contact_name.strip(), contact_phone=data.contact_phone.strip(),
        address=data.address.strip(), channel=channel, attributes=attributes,
        accepted_at=accepted_at, requested_at=data.requested_at,
        missing_materials=[m.strip() for m in data.missing_materials if m.strip()],
        materials_promised_on=data.materials_promised_on, note=data.note.strip(),
        created_by_id=actor.id if actor else None, intake_id=intake_id,
        owner=owner_at_registration(data.owner, actor)[0],
        # A new application has no pauses: known, so the step clocks below never load them
        # (that load flushed half the create early, and each step then took two UPDATEs).
        pauses=[],
    )
    db.session.add(app)
    for position, step in enumerate(flow.steps):
        record = StepRecord(code=step.code, position=position, department_code=step.department,
                            shared_with=shared_text(step.shared_with), status=StepStatus.WAITING)
        # 申请受理 is registering the application: one fact, recorded once (no second entry),
        # and inserted done rather than updated after.
        if step.done_at_acceptance:
            record.status = StepStatus.DONE
            record.completed_at = accepted_at
            record.completed_by_id = actor.id if actor else None
        app.steps.append(record)
    # The ids the clocks name; everything after goes out in one flush at the commit (the
    # clocks in one INSERT, then the application's and the ready step's UPDATE, the event).
    db.session.flush()
    whole_start = app.requested_at if flow.whole_clock_starts == "requested" else accepted_at
    whole_limit = flow.whole_limit.resolve(attributes)
    if flow.whole_clock_starts == "requested" and flow.requested_due == REQUESTED_AT_TIME:
        whole_limit = Limit(LimitKind.AT_START)  # due at the requested time itself
    app.timer = timers.new_timer(
        subject_type=SubjectType.APPLICATION, subject_id=app.id, start=whole_start or accepted_at,
        limit=whole_limit, department=flow.steps[0].department,
        clock=clock, application_id=app.id, flow_code=flow.code, label=app.number)
    if app.missing_materials:
        _materials_timer(app, flow, clock)
    _advance(app, flow, clock, accepted_at)
    events.record("application.created", actor=actor, subject_type="application",
                  subject_id=app.id, application_id=app.id, flow=flow.code,
                  flow_version=version.version, number=app.number,
                  owner=app.owner.username if app.owner else None)
    application_created.send(app, at=accepted_at, actor=actor)
    return app


def _check_requested(requested: datetime, now: datetime, clock: WorkingClock,
                     errors: dict[str, list[str]], *, back_dating: bool = True) -> None:
    """The customer's requested time may lie ahead (their date), but not beyond a year (a typing
    mistake, and past the working-time calendar). One already passed and typed by a clerk is
    held to the back-dating window like any logged instant; one from a platform push is the
    customer's and is kept (only the calendar's range bounds it)."""
    if requested > now + REQUESTED_AHEAD_MAX:
        errors.setdefault("requested_at", []).append("Cannot be more than a year ahead.")
    elif requested < now and back_dating:
        _check_past_instant(requested, now, clock, "requested_at", errors)
    elif requested < now - REQUESTED_AHEAD_MAX:
        errors.setdefault("requested_at", []).append("Cannot be more than a year ago.")


def _materials_timer(app: Application, flow: FlowDefinition, clock: WorkingClock) -> None:
    """容缺受理: the customer's promised date is a duty of its own, with the watcher's reminder;
    it stops no clock. Due by the close of the promised day (the next working day's if that
    is a day off); the reminder comes at the warning share of that day."""
    promised = app.materials_promised_on
    if promised is None:
        return
    start = datetime.combine(promised, datetime.min.time(), tzinfo=LOCAL)
    db.session.add(timers.new_timer(
        subject_type=SubjectType.MATERIALS, subject_id=app.id, start=start,
        limit=Limit(LimitKind.SAME_WORKING_DAY), department=flow.steps[0].department,
        clock=clock, application_id=app.id, flow_code=flow.code, stage="materials",
        label=f"{app.number} 容缺材料补交（承诺 {promised.isoformat()}）"))


def materials_timer(app: Application) -> SlaTimer | None:
    """The open 容缺 materials duty of an application, if any."""
    return db.session.scalar(
        select(SlaTimer).where(SlaTimer.subject_type == SubjectType.MATERIALS,
                               SlaTimer.subject_id == app.id,
                               SlaTimer.state.in_((TimerState.RUNNING, TimerState.PAUSED))))


def _checked_attributes(flow: FlowDefinition, given: dict[str, str],
                        errors: dict[str, list[str]]) -> dict[str, str]:
    declared = {a.code: a for a in flow.attributes}
    result: dict[str, str] = {}
    for key in given:
        if key not in declared:
            errors.setdefault(f"attributes.{key}", []).append("This flow has no such attribute.")
    for code, attribute in declared.items():
        value = given.get(code, attribute.default)
        allowed = [choice[0] for choice in attribute.choices]
        if value is None:
            errors.setdefault(f"attributes.{code}", []).append("Required.")
        elif allowed and value not in allowed:
            errors.setdefault(f"attributes.{code}", []).append("Not one of the allowed values.")
        else:
            result[code] = value
    return result


# --- steps --------------------------------------------------------------------------------

def _advance(app: Application, flow: FlowDefinition, clock: WorkingClock, at: datetime) -> None:
    """Make waiting steps ready once their prerequisites are done, starting their clocks."""
    by_code = {s.code: s for s in app.steps}
    for definition in flow.steps:
        record = by_code[definition.code]
        if record.status is not StepStatus.WAITING:
            continue
        prerequisites = [by_code[c] for c in definition.after]
        if any(p.status not in (StepStatus.DONE, StepStatus.SKIPPED) for p in prerequisites):
            continue
        record.status = StepStatus.READY
        start = _clock_start(app, definition, prerequisites)
        if start is not None:
            record.timer = _step_timer(app, record, flow, definition, start, clock)


def _clock_start(app: Application, step: StepDefinition,
                 prerequisites: list[StepRecord]) -> datetime | None:
    if step.clock_starts == "started":
        return None
    if step.clock_starts == "requested":
        # The task reaches engineering at the requested time, or at acceptance (the screening)
        # if that came later: a late screening is the screening's lateness, not engineering's.
        if app.requested_at is None:
            return app.accepted_at
        return max(app.requested_at, app.accepted_at)
    if step.clock_starts == "previous" and prerequisites:
        return max(p.completed_at or app.accepted_at for p in prerequisites)
    return app.accepted_at


def _step_timer(app: Application, record: StepRecord, flow: FlowDefinition,
                step: StepDefinition, start: datetime, clock: WorkingClock):
    return timers.new_timer(
        subject_type=SubjectType.STEP, subject_id=record.id, start=start,
        limit=step.limit.resolve(app.attributes), department=record.department_code, clock=clock,
        pauses=step_pauses(app, step.code), application_id=app.id, flow_code=flow.code,
        step_code=step.code, label=f"{app.number} {step.name_zh}", stage=step.code)


def _step_for_action(app: Application, code: str) -> tuple[StepRecord, StepDefinition]:
    if app.status is AppStatus.CANCELLED:
        raise Conflict("Application %(number)s is cancelled.", params={"number": app.number})
    flow = flow_of(app)
    record = app.step(code)
    if record is None:
        raise NotFound("Flow %(flow)s has no step %(step)s.",
                       params={"flow": flow.code, "step": code})
    definition = flow.step(code)
    if record.status is StepStatus.DONE:
        raise Conflict("Step %(step)s is already completed.", params={"step": code})
    if record.status is StepStatus.SKIPPED:
        raise Conflict("Step %(step)s was skipped.", params={"step": code})
    if record.status is StepStatus.WAITING:
        pending = [c for c in definition.after
                   if app.step(c).status not in (StepStatus.DONE, StepStatus.SKIPPED)]
        raise Conflict("Step %(step)s cannot be done before %(pending)s.",
                       params={"step": code, "pending": ", ".join(pending)})
    return record, definition


def _earliest(app: Application, record: StepRecord, definition: StepDefinition) -> datetime:
    prerequisites = [app.step(c) for c in definition.after]
    times = [p.completed_at for p in prerequisites if p.completed_at] + [app.accepted_at]
    if record.started_at:
        times.append(record.started_at)
    return max(times)


def _check_past_instant(at: datetime, now: datetime, clock: WorkingClock, name: str,
                        errors: dict[str, list[str]], earliest: datetime | None = None) -> None:
    """Refuse an instant in the future, before `earliest`, or beyond the back-dating window."""
    if at > now + FUTURE_TOLERANCE:
        errors.setdefault(name, []).append("Cannot be in the future.")
        return
    if earliest is not None and at < earliest:
        errors.setdefault(name, []).append("Cannot be before the step could start.")
        return
    window_days = settings().backdate_working_days
    window = clock.working_day_length * window_days
    if at < now and clock.working_time_between(at, now) > window:
        errors.setdefault(name, []).append("Beyond the back-dating window.")


def _checked_instant(at: datetime | None, now: datetime, clock: WorkingClock, name: str,
                     earliest: datetime | None = None) -> datetime:
    at = at or now
    errors: dict[str, list[str]] = {}
    _check_past_instant(at, now, clock, name, errors, earliest)
    if errors:
        raise ValidationFailed("The time given is not accepted.", fields=errors)
    return min(at, now)


@transactional(stale=APPLICATION_SAME_MOMENT)
def start_step(number: str, code: str, actor: User, *, at: datetime | None = None,
               note: str = "", expected_version: int | None = None,
               proxy_reason: str | None = None) -> Application:
    """Record that work on a step began (e.g. engineering received the task); starts its clock."""
    app = _for_change(number, expected_version)
    record, definition = _step_for_action(app, code)
    if record.status is StepStatus.STARTED:
        raise Conflict("Step %(step)s is already started.", params={"step": code})
    _take_shared(record, actor)
    _step_duty(app, record, actor, proxy_reason, "step.started")
    now, clock = clock_now(), app_clock()
    at = _checked_instant(at, now, clock, "at", _earliest(app, record, definition))
    record.status = StepStatus.STARTED
    record.started_at = at
    record.started_by_id = actor.id
    if record.timer is None:
        record.timer = _step_timer(app, record, flow_of(app), definition, at, clock)
    _touch(app)
    events.record("step.started", actor=actor, subject_type="step", subject_id=record.id,
                  application_id=app.id, step=code, started_at=at, note=note)
    return app


@transactional(stale=APPLICATION_SAME_MOMENT)
def complete_step(number: str, code: str, actor: User, *, at: datetime | None = None,
                  note: str = "", expected_version: int | None = None,
                  proxy_reason: str | None = None) -> Application:
    """Log a step as done (now, or earlier within the back-dating window)."""
    app = _for_change(number, expected_version)
    record, definition = _step_for_action(app, code)
    _step_duty(app, record, actor, proxy_reason, "step.completed")
    if definition.needs_start and record.status is not StepStatus.STARTED:
        raise Conflict("Step %(step)s must be started before it is completed.",
                       params={"step": code})
    if definition.closes_file and app.missing_materials and app.materials_supplied_at is None:
        raise Conflict("The file cannot be archived while documents accepted as missing are "
                       "outstanding: %(materials)s.",
                       params={"materials": "、".join(app.missing_materials)})
    now, clock = clock_now(), app_clock()
    at = _checked_instant(at, now, clock, "at", _earliest(app, record, definition))
    # Extension point: a feature may refuse (documents: a required document is missing).
    step_completing.send(app, at=at, actor=actor, record=record, definition=definition)
    backdated = is_backdated(record.timer, at, now)
    _finish_step(app, record, definition, StepStatus.DONE, at, actor, note, clock)
    record.backdated = backdated
    events.record("step.completed", actor=actor, subject_type="step", subject_id=record.id,
                  application_id=app.id, step=code, completed_at=at, note=note,
                  late=bool(record.timer and record.timer.late), backdated=backdated,
                  entered_at=now if backdated else None)
    step_completed.send(app, at=at, actor=actor, record=record)
    return app


def is_backdated(timer: SlaTimer | None, at: datetime, now: datetime) -> bool:
    """补录: the completion time is earlier than its entry by more than the configured margin,
    or earlier than a lateness the watcher already recorded (the timer flagged overdue while
    running, and `at` puts the completion on or before its deadline)."""
    if timer is not None and timer.overdue_at is not None and timer.due_at is not None \
            and at <= timer.due_at:
        return True
    return now - at > timedelta(minutes=settings().backdate_margin_minutes)


@transactional(stale=APPLICATION_SAME_MOMENT)
def skip_step(number: str, code: str, actor: User, *, note: str,
              expected_version: int | None = None,
              proxy_reason: str | None = None) -> Application:
    """Skip a step the flow marks skippable (e.g. no municipal approval needed)."""
    app = _for_change(number, expected_version)
    record, definition = _step_for_action(app, code)
    _step_duty(app, record, actor, proxy_reason, "step.skipped")
    if not definition.skippable:
        raise Conflict("Step %(step)s cannot be skipped.", params={"step": code})
    if not note.strip():
        raise ValidationFailed("Say why the step is skipped.", fields={"note": ["Required."]})
    now, clock = clock_now(), app_clock()
    _finish_step(app, record, definition, StepStatus.SKIPPED, now, actor, note, clock)
    events.record("step.skipped", actor=actor, subject_type="step", subject_id=record.id,
                  application_id=app.id, step=code, note=note)
    return app


def _take_shared(record: StepRecord, actor: User) -> None:
    """A step shared with other departments (the flow file's `shared_with`) belongs, once
    started, to the one of them whose staff started it: its clock and My work follow it."""
    own = duties.department_of(actor)
    if own and own in shared_codes(record.shared_with):
        record.department_code = own
    record.shared_with = ""


def _step_duty(app: Application, record: StepRecord, actor: User, proxy_reason: str | None,
               action: str) -> None:
    """Separation of duties: the step's department does it, or a team lead or administrator
    on its behalf (代办, recorded with the reason); anyone else is refused (services.duties)."""
    duties.act_for(actor, record.department_code, proxy_reason, subject_type="step",
                   subject_id=record.id, stage=record.code, action=action,
                   application_id=app.id)


def _finish_step(app: Application, record: StepRecord, definition: StepDefinition,
                 status: StepStatus, at: datetime, actor: User, note: str,
                 clock: WorkingClock) -> None:
    flow = flow_of(app)
    record.status = status
    record.completed_at = at
    record.completed_by_id = actor.id
    record.note = note.strip()
    if record.timer is not None:
        if status is StepStatus.SKIPPED:
            timers.cancel(record.timer, at)
        else:
            timers.finish(record.timer, at, clock, step_pauses(app, record.code))
    # A pause recorded on this step ends with it.
    _close_open_pause(app, at, actor, lambda p: p.step_code == record.code)
    if definition.code == flow.completes_with and status is StepStatus.DONE:
        app.water_on_at = at
        if app.timer is not None:
            timers.finish(app.timer, at, clock, application_pauses(app))
        _close_open_pause(app, at, actor)
        app.status = AppStatus.COMPLETED
        app.completed_at = at
        application_completed.send(app, at=at, actor=actor, clock=clock)
    _advance(app, flow, clock, at)
    _touch(app)


def _close_open_pause(app: Application, at: datetime, actor: User,
                      which: Callable[[Pause], bool] = lambda pause: True) -> None:
    for pause in app.pauses:
        if pause.ended_at is None and which(pause):
            pause.ended_at = max(at, pause.started_at)
            pause.ended_by_id = actor.id


# --- pauses -------------------------------------------------------------------------------

@transactional(stale=APPLICATION_SAME_MOMENT)
def add_pause(number: str, reason_code: str, actor: User, *, note: str = "",
              at: datetime | None = None, step: str | None = None,
              expected_version: int | None = None) -> Pause:
    """Stop the clocks a reason concerns, for time that is not the utility's.

    The reason says what stops (pause_reasons.yaml `stops`): the application's clock, the step
    the pause is recorded on (`step`, required then), the steps waiting on the reason's outside
    party, or all steps. What it stops is stored with the pause.
    """
    app = _for_change(number, expected_version)
    if app.status is not AppStatus.OPEN:
        raise Conflict("Only an open application can be paused.")
    flow = flow_of(app)
    reasons = pause_reasons()
    reason = reasons.get(reason_code)
    if reason is None or not flow.offers_pause_reason(reason_code):
        raise ValidationFailed("Unknown pause reason.", fields={"reason": ["Unknown pause reason."]})
    if reason.requires_note and not note.strip():
        raise ValidationFailed("Say why the clock stops.", fields={"note": ["Required."]})
    step = (step or "").strip() or None
    if reason.needs_step:
        if step is None:
            raise ValidationFailed("Choose the step whose clock stops.",
                                   fields={"step": ["Required."]})
        record = app.step(step)
        if record is None:
            raise ValidationFailed("This flow has no such step.",
                                   fields={"step": ["This flow has no such step."]})
        if record.status in (StepStatus.DONE, StepStatus.SKIPPED):
            raise ValidationFailed("That step is already finished.",
                                   fields={"step": ["That step is already finished."]})
    elif step is not None:
        raise ValidationFailed("This reason does not stop a single step.",
                               fields={"step": ["This reason does not stop a single step."]})
    if any(p.ended_at is None and p.reason_code == reason_code and p.step_code == step
           for p in app.pauses):
        raise Conflict("The clock is already paused for this reason; resume it first.")
    stopped: list[str] = []
    if STOPS_ALL_STEPS in reason.stops:
        stopped = [ALL_STEPS]
    else:
        if STOPS_STEP in reason.stops and step is not None:
            stopped.append(step)
        if STOPS_PARTY in reason.stops:
            stopped += [c for c in flow.steps_waiting_on(reason.party) if c not in stopped]
    now, clock = clock_now(), app_clock()
    at = _checked_instant(at, now, clock, "at", app.accepted_at)
    pause = Pause(application=app, reason_code=reason_code, note=note.strip(), started_at=at,
                  started_by_id=actor.id, step_code=step,
                  stops_application=STOPS_APPLICATION in reason.stops, stopped_steps=stopped)
    db.session.add(pause)
    db.session.flush()  # loads started_by for the pause's label
    moved = _recompute_all(app, clock, now)
    _touch(app)
    events.record("pause.started", actor=actor, subject_type="pause", subject_id=pause.id,
                  application_id=app.id, reason=reason_code, started_at=at, note=note,
                  step=step, stops_application=pause.stops_application, stopped_steps=stopped,
                  moved=moved)
    return pause


@transactional(stale=APPLICATION_SAME_MOMENT)
def end_pause(number: str, pause_id: int, actor: User, *, at: datetime | None = None,
              expected_version: int | None = None) -> Pause:
    """Restart the clocks; the paused span stays excluded."""
    app = _for_change(number, expected_version)
    pause = next((p for p in app.pauses if p.id == pause_id), None)
    if pause is None:
        raise NotFound("No such pause.")
    if pause.ended_at is not None:
        raise Conflict("This pause has already ended.")
    now, clock = clock_now(), app_clock()
    at = _checked_instant(at, now, clock, "at", pause.started_at)
    pause.ended_at = at
    pause.ended_by_id = actor.id
    moved = _recompute_all(app, clock, now)
    _touch(app)
    events.record("pause.ended", actor=actor, subject_type="pause", subject_id=pause.id,
                  application_id=app.id, reason=pause.reason_code, ended_at=at, moved=moved)
    return pause


def _recompute_all(app: Application, clock: WorkingClock, now: datetime) -> list[dict[str, Any]]:
    """Recompute the application's open timers after a pause; the deadlines that moved, from
    what to what (kept on the pause's event: the event log says why a deadline moved)."""
    moved = []
    for timer in _open_timers(app):
        old_due = timer.due_at
        if timers.recompute(timer, clock, timer_pauses(app, timer), at=now):
            moved.append({"subject": timer.subject_type, "step": timer.step_code,
                          "from": old_due, "to": timer.due_at})
    return moved


def _open_timers(app: Application) -> list[SlaTimer]:
    candidates = [app.timer] + [s.timer for s in app.steps]
    return [t for t in candidates
            if t is not None and t.state in (TimerState.RUNNING, TimerState.PAUSED)]


# --- cancel and edit ----------------------------------------------------------------------

@transactional(stale=APPLICATION_SAME_MOMENT)
def cancel_application(number: str, reason: str, actor: User, *,
                       expected_version: int | None = None) -> Application:
    app = _for_change(number, expected_version)
    if not reason.strip():
        raise ValidationFailed("Say why the application is cancelled.",
                               fields={"reason": ["Required."]})
    if app.status is not AppStatus.OPEN:
        raise Conflict("Only an open application can be cancelled.")
    now = clock_now()
    for timer in _open_timers(app) + [t for t in [materials_timer(app)] if t is not None]:
        timers.cancel(timer, now)
    _close_open_pause(app, now, actor)
    # Its unfinished steps close with it: left "ready" they stayed in the open-steps index
    # (and on every open-steps count) for ever.
    closed = _close_steps(app)
    app.status = AppStatus.CANCELLED
    app.cancel_reason = reason.strip()
    app.cancelled_at = now
    _touch(app)
    events.record("application.cancelled", actor=actor, subject_type="application",
                  subject_id=app.id, application_id=app.id, reason=reason.strip(),
                  closed_steps=closed)
    application_cancelled.send(app, at=now, actor=actor)
    return app


UNFINISHED_STEPS = (StepStatus.WAITING, StepStatus.READY, StepStatus.STARTED)


def _close_steps(app: Application) -> list[str]:
    """Mark the application's unfinished steps cancelled; the codes closed (for the log)."""
    closed = []
    for record in app.steps:
        if record.status in UNFINISHED_STEPS:
            record.status = StepStatus.CANCELLED
            closed.append(record.code)
    return closed


EDITABLE = ("customer_name", "contact_name", "contact_phone", "address", "note",
            "materials_promised_on")


def _check_update(app: Application, changes: dict[str, Any]
                  ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The changes trimmed, and every field's errors at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            errors.setdefault(name, []).append("Read-only.")
            continue
        cleaned[name] = value.strip() if isinstance(value, str) else value
    if "customer_name" in cleaned and not cleaned["customer_name"]:
        errors.setdefault("customer_name", []).append("Required.")
    promised = cleaned.get("materials_promised_on")
    if promised is not None and promised < app.accepted_at.astimezone(LOCAL).date():
        errors.setdefault("materials_promised_on", []).append(
            "The promised date cannot be before acceptance.")
    return cleaned, errors


def update_errors(number: str, changes: dict[str, Any]) -> dict[str, list[str]]:
    """What update_application would refuse, field by field, changing nothing (for a form or
    schema that found errors of its own: every mistake in one round)."""
    return _check_update(get_application(number), changes)[1]


@transactional(stale=APPLICATION_SAME_MOMENT)
def update_application(number: str, changes: dict[str, Any], actor: User, *,
                       expected_version: int | None = None) -> Application:
    """Correct customer details; each change is logged with its old value."""
    app = _for_change(number, expected_version)
    if app.status is AppStatus.CANCELLED:
        raise Conflict("Application %(number)s is cancelled.", params={"number": app.number})
    cleaned, errors = _check_update(app, changes)
    if errors:  # every bad field named at once, nothing changed
        raise ValidationFailed("The application has errors.", fields=errors)
    diff = {}
    for name, new in cleaned.items():
        old = getattr(app, name)
        if old != new:
            diff[name] = {"from": old, "to": new}
            setattr(app, name, new)
    if "materials_promised_on" in diff and app.materials_supplied_at is None:
        # The promised date moved: its duty restarts from the new date (the old one is kept,
        # cancelled, in the history).
        old = materials_timer(app)
        if old is not None:
            timers.cancel(old, clock_now())
        if app.missing_materials:
            _materials_timer(app, flow_of(app), app_clock())
    if diff:
        _touch(app)
        events.record("application.updated", actor=actor, subject_type="application",
                      subject_id=app.id, application_id=app.id, changes=diff)
        return app


@transactional(stale=APPLICATION_SAME_MOMENT)
def supply_materials(number: str, actor: User, *, at: datetime | None = None,
                     expected_version: int | None = None) -> Application:
    """容缺受理: the customer supplied what was missing."""
    app = _for_change(number, expected_version)
    if not app.missing_materials:
        raise Conflict("No materials were missing.")
    if app.materials_supplied_at is not None:
        raise Conflict("The missing materials were already recorded as supplied.")
    now, clock = clock_now(), app_clock()
    app.materials_supplied_at = _checked_instant(at, now, clock, "at", app.accepted_at)
    duty = materials_timer(app)
    if duty is not None:
        timers.finish(duty, app.materials_supplied_at, clock, ())
    _touch(app)
    events.record("materials.supplied", actor=actor, subject_type="application",
                  subject_id=app.id, application_id=app.id, materials=app.missing_materials)
    return app


def _touch(app: Application) -> None:
    # Bumps the row version, so two clerks changing one application cannot both win; flagged
    # so the UPDATE happens even when the clock has not moved (same second, frozen in tests).
    app.updated_at = clock_now()
    flag_modified(app, "updated_at")


