"""Flows as configuration (报装流程配置): step lists, limits, departments and pause reasons.

The data files live beside this package (`flows/*.yaml`, `departments.yaml`,
`pause_reasons.yaml`); README.md documents their format.
"""

from tracker.steps.definitions import (
    CLOCK_ACCEPTANCE,
    CLOCK_PREVIOUS,
    CLOCK_REQUESTED,
    CLOCK_STARTED,
    STEP_CLOCK_STARTS,
    WHOLE_CLOCK_STARTS,
    AttributeDefinition,
    Department,
    FlowDefinition,
    LimitRule,
    PauseReason,
    StepDefinition,
)
from tracker.steps.loader import (
    FLOWS_DIR,
    FlowFileError,
    load_departments,
    load_flow_file,
    load_flows,
    load_pause_reasons,
)

__all__ = [
    "CLOCK_ACCEPTANCE",
    "CLOCK_PREVIOUS",
    "CLOCK_REQUESTED",
    "CLOCK_STARTED",
    "FLOWS_DIR",
    "STEP_CLOCK_STARTS",
    "WHOLE_CLOCK_STARTS",
    "AttributeDefinition",
    "Department",
    "FlowDefinition",
    "FlowFileError",
    "LimitRule",
    "PauseReason",
    "StepDefinition",
    "load_departments",
    "load_flow_file",
    "load_flows",
    "load_pause_reasons",
]
