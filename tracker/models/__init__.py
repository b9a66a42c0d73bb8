"""The core models, importable from one place. Each feature package keeps its own
(`tracker/<feature>/models.py`); the factory imports them all, so Alembic knows every table."""
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
from .duties import ProxyAct
from .flows import FlowVersion, NumberSequence
from .operations import (
                           DashboardSnapshot,
                           IdempotencyKey,
                           JobLock,
                           LocalClosure,
                           MonthlyReport,
                           Notification,
                           RowTally,
)
from .timers import SlaTimer, SubjectType, TimerState
from .users import ASSESSOR_ROLES, MANAGER_ROLES, WRITER_ROLES, ApiToken, Department, Role, User

__all__ = [
                           "ALL_STEPS",
                           "ASSESSOR_ROLES",
                           "MANAGER_ROLES",
                           "WRITER_ROLES",
                           "ApiToken",
                           "AppStatus",
                           "Application",
                           "Channel",
                           "CustomerType",
                           "DashboardSnapshot",
                           "Department",
                           "Event",
                           "FlowVersion",
                           "IdempotencyKey",
                           "JobLock",
                           "LocalClosure",
                           "MonthlyReport",
                           "Notification",
                           "NumberSequence",
                           "Pause",
                           "ProxyAct",
                           "Role",
                           "RowTally",
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
