"""All models, importable from one place (and known to Alembic)."""
from .applications import (
                           ALL_STEPS,
                           Application,
                           AppStatus,
                           Channel,
                           CustomerType,
                           Event,
                           Pause,
                           StepRecord,
                           StepStatus,
                           pause_concerns,
)
from .base import UTCDateTime, now_utc
from .flows import FlowVersion, NumberSequence
from .operations import JobLock, LocalClosure, MonthlyReport, Notification
from .service import Callback, Evaluation, FollowUp, IntakeRecord, Problem, RejectedIntake
from .timers import SlaTimer, SubjectType, TimerState
from .users import MANAGER_ROLES, WRITER_ROLES, ApiToken, Department, Role, User

__all__ = [
                           "ALL_STEPS",
                           "MANAGER_ROLES",
                           "WRITER_ROLES",
                           "ApiToken",
                           "AppStatus",
                           "Application",
                           "Callback",
                           "Channel",
                           "CustomerType",
                           "Department",
                           "Evaluation",
                           "Event",
                           "FlowVersion",
                           "FollowUp",
                           "IntakeRecord",
                           "JobLock",
                           "LocalClosure",
                           "MonthlyReport",
                           "Notification",
                           "NumberSequence",
                           "Pause",
                           "Problem",
                           "RejectedIntake",
                           "Role",
                           "SlaTimer",
                           "StepRecord",
                           "StepStatus",
                           "SubjectType",
                           "TimerState",
                           "UTCDateTime",
                           "User",
                           "now_utc",
                           "pause_concerns",
]
