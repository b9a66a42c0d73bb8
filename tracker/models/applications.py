"""Applications (报装申请), their step records, pauses, and the event log."""
from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONType, UTCDateTime, now_utc
from .flows import FlowVersion
from .timers import SlaTimer, SubjectType, _enum
from .users import User


class AppStatus(str, enum.Enum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Channel(str, enum.Enum):
    WINDOW = "window"
    ONLINE = "online"
    PHONE = "phone"
    PLATFORM = "platform"


class CustomerType(str, enum.Enum):
    COMPANY = "company"
    PERSON = "person"


class StepStatus(str, enum.Enum):
    WAITING = "waiting"  # its prerequisites are not done
    READY = "ready"  # may be worked on (clock running, or waiting to be started)
    STARTED = "started"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"  # closed with its cancelled application (never worked on again)


# An open application: the predicate of ix_applications_open, written out literally (a bound
# parameter would not let SQLite, nor PostgreSQL's generic plan, use the partial index).
OPEN_APPLICATION_SQL = "status = 'open'"


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_status_flow", "status", "flow_code"),
        Index("ix_applications_accepted", "accepted_at"),
        # The monthly report's completions: one month's rows, whatever the history.
        Index("ix_applications_completed", "completed_at"),
        Index("ix_applications_owner", "owner_id", "id"),
        # The dashboard's open applications per flow and the flow of each open step: the
        # open ones' keys, flow and clock from the index alone, met by hash with the open
        # timers' index (services.dashboard; a pk lookup per open application grew with
        # the open set: 37 and 61 ms at 1M applications, 0027_dashboard2).
        Index("ix_applications_open", "id", "flow_code", "timer_id",
              postgresql_where=text(OPEN_APPLICATION_SQL),
              sqlite_where=text(OPEN_APPLICATION_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    flow_code: Mapped[str] = mapped_column(String(20))
    flow_version_id: Mapped[int] = mapped_column(ForeignKey("flow_versions.id"))
    customer_type: Mapped[CustomerType] = mapped_column(_enum(CustomerType, "customer_type"))
    customer_name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    missing_materials: Mapped[list[str]] = mapped_column(JSONType, default=list)
    materials_promised_on: Mapped[date | None]
    materials_supplied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AppStatus] = mapped_column(_enum(AppStatus, "app_status"), default=AppStatus.OPEN)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    water_on_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # use_alter: these two tables point back at applications (the migration adds these last).
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("sla_timers.id", use_alter=True))
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intake_records.id", use_alter=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 客户代表 / 首问负责人 (the Jiaozhou seed: "公司各相關部門依據部門職責指定相應客戶代表",
    # "嚴格落實首問負責制"): the person who answers for the application from first contact to
    # water on. None only for applications registered before owners existed (0010_owners).
    # Indexed with the id (ix_applications_owner): My work's "mine" meets a person's
    # applications from the newest that can have an open duty on, in id order.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    flow_version: Mapped[FlowVersion] = relationship(lazy="joined")
    timer: Mapped[SlaTimer | None] = relationship(foreign_keys=[timer_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    steps: Mapped[list[StepRecord]] = relationship(
        back_populates="application", order_by="StepRecord.position", lazy="selectin"
    )
    pauses: Mapped[list[Pause]] = relationship(
        back_populates="application", order_by="Pause.started_at", lazy="selectin"
    )

    def step(self, code: str) -> StepRecord | None:
        return next((s for s in self.steps if s.code == code), None)


# Ready or started: the predicate of the open-steps partial index, written out literally so
# that SQLite can match a query to the index (a bound parameter would not match).
OPEN_STEP_SQL = "status IN ('ready', 'started')"


def shared_text(codes: Iterable[str]) -> str:
    """StepRecord.shared_with for a list of department codes (",a,b," or "")."""
    codes = [c for c in codes if c]
    return f",{','.join(codes)}," if codes else ""


def shared_codes(text: str) -> list[str]:
    """The department codes of a StepRecord.shared_with."""
    return [c for c in (text or "").split(",") if c]


class StepRecord(db.Model):
    __tablename__ = "step_records"
    __table_args__ = (
        UniqueConstraint("application_id", "code"),
        # Open steps only (My work, the dashboard): a few rows however long the history.
        Index("ix_step_records_open", "department_code", "application_id",
              postgresql_where=text(OPEN_STEP_SQL), sqlite_where=text(OPEN_STEP_SQL)),
        # My work's steps waiting to be started (open, no clock yet): a few rows, where the
        # open-steps index ANDed with every step that never had a clock grew with the history.
        Index("ix_step_records_waiting", "application_id",
              postgresql_where=text(f"{OPEN_STEP_SQL} AND timer_id IS NULL"),
              sqlite_where=text(f"{OPEN_STEP_SQL} AND timer_id IS NULL")),
        # The dashboard's open steps per flow, step and department (services.dashboard
        # ._open_by_step): what it groups and joins by, from the index alone (the heap's
        # blocks of 4,833 open steps were 748 of them at 1M applications, 0027_dashboard2).
        Index("ix_step_records_open_steps", "application_id", "code", "department_code",
              "position", "timer_id",
              postgresql_where=text(OPEN_STEP_SQL), sqlite_where=text(OPEN_STEP_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int]
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[StepStatus] = mapped_column(_enum(StepStatus, "step_status"),
                                               default=StepStatus.WAITING)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # 补录: the completion was entered after the fact (its time earlier than the entry by more
    # than TRACKER_BACKDATE_MARGIN_MINUTES, or before a lateness the watcher had recorded).
    backdated: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The other departments that may take the step until one of them starts it (the flow
    # file's `shared_with`), as ",code,code,"; "" = the step's department alone, or taken.
    shared_with: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Indexed: the monthly report reads the step records of the month's overdue step timers.
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("sla_timers.id"), index=True)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    application: Mapped[Application] = relationship(back_populates="steps")
    timer: Mapped[SlaTimer | None] = relationship(lazy="joined")
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id], lazy="joined")
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id], lazy="joined")


ALL_STEPS = "*"  # in Pause.stopped_steps: every step of the application


class Pause(db.Model):
    """暂停计时: time that is not the utility's; it stops only the clocks it concerns.

    What it stops is fixed when it is recorded, from its reason (pause_reasons.yaml `stops`):
    the application's clock (`stops_application`) and the steps in `stopped_steps` (the step
    it is recorded on, the steps waiting on the same outside party, or "*" for all of them,
    which is what every pause recorded before scopes existed stops).
    """

    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    reason_code: Mapped[str] = mapped_column(String(40))
    step_code: Mapped[str | None] = mapped_column(String(40))  # recorded on this step, if any
    stops_application: Mapped[bool] = mapped_column(default=True)
    stopped_steps: Mapped[list[str]] = mapped_column(JSONType, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    # Indexed: the assessment reads the pauses begun in a month (materials out of stock).
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    application: Mapped[Application] = relationship(back_populates="pauses")
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id], lazy="joined")
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id], lazy="joined")

    @property
    def interval(self) -> tuple[datetime, datetime | None]:
        return (self.started_at, self.ended_at)

    def concerns(self, subject_type: SubjectType, step_code: str | None) -> bool:
        """Whether this pause stops the clock of a duty (a timer's subject and step)."""
        return pause_concerns(self.stops_application, self.stopped_steps, subject_type,
                              step_code)


def pause_concerns(stops_application: bool, stopped_steps: list[str] | None,
                   subject_type: SubjectType, step_code: str | None) -> bool:
    """The one rule of which clocks a pause stops (also used on plain query rows)."""
    if subject_type is SubjectType.APPLICATION:
        return bool(stops_application)
    if subject_type is SubjectType.STEP:
        steps = stopped_steps or ()
        return ALL_STEPS in steps or step_code in steps
    return False  # after-care, screening, 容缺 materials: not the application's clocks


class Event(db.Model):
    """Append-only log of every change: who, when, what, from what."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(40), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    actor: Mapped[User | None] = relationship(lazy="joined")


OPEN_STEP = text(f"step_records.{OPEN_STEP_SQL}")  # a WHERE clause that uses that index
