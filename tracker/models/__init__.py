"""All models, importable from one place (and known to Alembic)."""
from .applications import (AppStatus, Application, Channel, CustomerType, Event, Pause,
                           StepRecord, StepStatus)
from .base import UTCDateTime, now_utc
from .flows import FlowVersion, NumberSequence
from .operations import JobLock, LocalClosure, MonthlyReport, Notification
from .service import Callback, Evaluation, FollowUp, IntakeRecord, Problem, RejectedIntake
from .timers import SlaTimer, SubjectType, TimerState
from .users import ApiToken, Department, MANAGER_ROLES, Role, User, WRITER_ROLES

__all__ = [
    "AppStatus", "Application", "Channel", "CustomerType", "Event", "Pause", "StepRecord",
    "StepStatus", "UTCDateTime", "now_utc", "FlowVersion", "NumberSequence", "JobLock",
    "LocalClosure", "MonthlyReport", "Notification", "Callback", "Evaluation", "FollowUp",
    "IntakeRecord", "Problem", "RejectedIntake", "SlaTimer", "SubjectType", "TimerState",
    "ApiToken", "Department", "MANAGER_ROLES", "Role", "User", "WRITER_ROLES",
]
