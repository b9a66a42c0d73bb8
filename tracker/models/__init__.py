"""All models, importable from one place (and known to Alembic)."""
from .applications import (
                           Application,
                           AppStatus,
                           Channel,
                           CustomerType,
                           Event,
                           Pause,
                           StepRecord,
                           StepStatus,
)
from .base import UTCDateTime, now_utc
from .flows import FlowVersion, NumberSequence
from .operations import JobLock, LocalClosure, MonthlyReport, Notification
from .service import Callback, Evaluation, FollowUp, IntakeRecord, Problem, RejectedIntake
from .timers import SlaTimer, SubjectType, TimerState
from .users import MANAGER_ROLES, WRITER_ROLES, ApiToken, Department, Role, User

__all__ = [
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
]
