"""SLA timers (计时): one row per duty with a time limit, watched by one indexed query."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, UTCDateTime, now_utc


class TimerState(str, enum.Enum):
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class SubjectType(str, enum.Enum):
    """What a timer measures."""

    APPLICATION = "application"
    STEP = "step"
    SCREENING = "screening"
    CALLBACK = "callback"
    FOLLOWUP = "followup"
    PROBLEM = "problem"
    MATERIALS = "materials"  # 容缺受理: the customer's promised date for the missing documents
    APPOINTMENT = "appointment"  # 网上预约: answered by the connection team (tracker.customer)
    SUPERVISION = "supervision"  # 督办单: answered in writing by the department (tracker.escalation)
    APPEAL = "appeal"  # an assessment appeal, decided by the assessment office (tracker.assessment)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=20,
                values_callable=lambda e: [m.value for m in e])


# A callback's timer: the predicate of ix_sla_timers_callback_of (figures.callback_counts).
CALLBACK_TIMER_SQL = "subject_type = 'callback'"
# Running: the predicate of ix_sla_timers_running (services.dashboard.RUNNING).
RUNNING_TIMER_SQL = "state = 'running'"
# Running or paused: the predicate of ix_sla_timers_open (services.work.OPEN_TIMER).
OPEN_TIMER_SQL = "state IN ('running', 'paused')"
# An open duty (the whole-application clock is none), and one nobody has taken: the predicates
# of My work's "mine" indexes (services.work.OPEN_DUTY, written out literally as above).
OPEN_DUTY_SQL = f"{OPEN_TIMER_SQL} AND subject_type <> 'application'"
UNASSIGNED_DUTY_SQL = f"{OPEN_DUTY_SQL} AND assignee_id IS NULL"


class SlaTimer(db.Model):
    __tablename__ = "sla_timers"
    __table_args__ = (
        # The watcher's two questions, each answered from a small partial index.
        Index("ix_sla_timers_pending_warning", "warn_at",
              postgresql_where=text("state = 'running' AND warned_at IS NULL"),
              sqlite_where=text("state = 'running' AND warned_at IS NULL")),
        Index("ix_sla_timers_pending_overdue", "due_at",
              postgresql_where=text("state = 'running' AND overdue_at IS NULL"),
              sqlite_where=text("state = 'running' AND overdue_at IS NULL")),
        Index("ix_sla_timers_subject", "subject_type", "subject_id", "stage"),
        Index("ix_sla_timers_state_due", "state", "due_at"),
        Index("ix_sla_timers_completed", "completed_at"),
        # The dashboard: one kind of duty at a time (stale callbacks never slow the overdue list).
        Index("ix_sla_timers_kind_state_due", "subject_type", "state", "due_at"),
        # The overdue application list: running (maybe past due) or finished late; the
        # page's keys (application, timer) and what filters them read from the index alone.
        Index("ix_sla_timers_running_or_late", "subject_type", "due_at", "application_id",
              "state", "late", "id",
              postgresql_where=text("state = 'running' OR late IS true"),
              sqlite_where=text("state = 'running' OR late IS 1")),
        # Completions of one kind in a month; the rest covers the monthly report's step
        # figures (grouped by flow, step and department, late counted) from the index alone.
        Index("ix_sla_timers_kind_completed", "subject_type", "completed_at", "state",
              "flow_code", "step_code", "department_code", "late"),
        # The monthly report's overdue list: the duties of some kinds due within one month
        # (the state is not asked, so the kind-state-due index above cannot serve it).
        Index("ix_sla_timers_kind_due", "subject_type", "due_at"),
        # My work and the department figures: a department's open duties, a few rows however
        # many finished callbacks the department has (OPEN_TIMER_SQL, written out literally so
        # that SQLite matches a query to the index).
        # The state, kind and id too: My work's page keys and count of a department from
        # the index alone (0025_mywork; the heap's blocks of 690 open callbacks were 1.4 ms).
        Index("ix_sla_timers_open", "department_code", "due_at", "state", "subject_type", "id",
              postgresql_where=text(OPEN_TIMER_SQL), sqlite_where=text(OPEN_TIMER_SQL)),
        # My work's "mine" (services.work._ordered_timers), its two halves: the open duties
        # given to a person (a few rows however many finished duties the person had: a third
        # of every callback at 1M applications went through ix_sla_timers_assignee_id), and
        # the open duties nobody has, by application (met with the owner's applications);
        # each page's keys (due_at, state, id) read from the index alone.
        Index("ix_sla_timers_assigned_open", "assignee_id", "due_at", "state", "id",
              postgresql_where=text(OPEN_DUTY_SQL), sqlite_where=text(OPEN_DUTY_SQL)),
        Index("ix_sla_timers_unassigned_open", "application_id", "due_at", "state", "id",
              postgresql_where=text(UNASSIGNED_DUTY_SQL),
              sqlite_where=text(UNASSIGNED_DUTY_SQL)),
        # The dashboard's applications with an overdue duty: the running duties of one kind
        # due by now, from the index alone (ix_sla_timers_running_or_late also holds every
        # late timer of the history: at 1M applications its step part read 64 ms of them).
        Index("ix_sla_timers_running", "subject_type", "due_at", "application_id",
              postgresql_where=text(RUNNING_TIMER_SQL), sqlite_where=text(RUNNING_TIMER_SQL)),
        # The month's callback figures (services.figures.callback_counts): the callback of
        # each application finished in the month, met by its application from the index
        # alone (by application id, PostgreSQL read all of the application's timers, eight
        # each, to keep the callback one: 11 ms of the callbacks page at 1M applications).
        Index("ix_sla_timers_callback_of", "application_id", "state", "late", "id",
              postgresql_where=text(CALLBACK_TIMER_SQL),
              sqlite_where=text(CALLBACK_TIMER_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[SubjectType] = mapped_column(_enum(SubjectType, "timer_subject"))
    subject_id: Mapped[int]
    stage: Mapped[str] = mapped_column(String(40), default="")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    # The person of that department who has the duty (picked up, or given by a team lead);
    # None: the department's, nobody's yet (services.owners).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    flow_code: Mapped[str | None] = mapped_column(String(20))
    step_code: Mapped[str | None] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200), default="")
    limit: Mapped[dict[str, Any]] = mapped_column(JSONType)
    round_the_clock: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    budget_seconds: Mapped[int]
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provisional: Mapped[bool] = mapped_column(default=False)
    state: Mapped[TimerState] = mapped_column(_enum(TimerState, "timer_state"),
                                              default=TimerState.RUNNING)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(default=False)
    # Transitions the watcher has recorded (the instant they happened, not when noticed).
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}
