"""Read flow, department and pause-reason files (YAML) into definitions, validating them.

Every problem is a `FlowFileError` naming the file and the field, e.g.
`201.yaml: steps[2].limit.kind: unknown limit kind 'weeks' (expected one of …)`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError

from tracker.steps.definitions import Department, FlowDefinition, PauseReason
from tracker.steps.schemas import (
    DepartmentsFileSchema,
    FlowSchema,
    PauseReasonsFileSchema,
    flatten_messages,
)

STEPS_DIR = Path(__file__).resolve().parent
FLOWS_DIR = STEPS_DIR / "flows"
EXAMPLES_DIR = STEPS_DIR / "examples"  # documented example flows, not loaded by default
DEPARTMENTS_FILE = STEPS_DIR / "departments.yaml"
PAUSE_REASONS_FILE = STEPS_DIR / "pause_reasons.yaml"


class FlowFileError(ValueError):
    """A configuration file that cannot be used; the message names the file and each field."""

    def __init__(self, file: str | Path, errors: list[tuple[str, str]]) -> None:
        self.file = Path(file).name
        self.errors = errors  # (field path, message); the path is "" for the whole file
        lines = [
            f"{self.file}: {path}: {message}" if path else f"{self.file}: {message}"
            for path, message in errors
        ]
        super().__init__("\n".join(lines))


# libyaml's parser when PyYAML has it (its wheels do): the flow files are read at every start
# and sync, and the pure-Python parser took most of a sync's time. The same safe constructor.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                continue  # unhashable: let SafeLoader report it
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FlowFileError(path, [("", f"cannot read: {error.strerror or error}")]) from error
    except UnicodeDecodeError as error:
        raise FlowFileError(path, [("", f"not UTF-8 text: {error}")]) from error
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: safe
    except yaml.YAMLError as error:
        raise FlowFileError(path, [("", _describe_yaml_error(error))]) from error
    if not isinstance(data, Mapping):
        raise FlowFileError(path, [("", "expected a mapping of fields at the top level")])
    return data


def _describe_yaml_error(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return f"YAML syntax error: {problem}"
    return f"YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {problem}"


def _load(schema: Schema, data: Mapping[str, Any], path: Path) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as error:
        raise FlowFileError(path, flatten_messages(error.messages)) from error


def load_flow_file(
    path: str | Path, *, departments: Collection[str] | None = None
) -> FlowDefinition:
    """Load and validate one flow file.

    Step departments are checked against `departments` (codes), by default departments.yaml,
    and the flow's `pause_reasons` against pause_reasons.yaml.
    """
    path = Path(path)
    if departments is None:
        departments = load_departments()
    schema = FlowSchema(departments=departments, pause_reasons=load_pause_reasons())
    data = _load(schema, _read_yaml(path), path)
    try:
        return FlowDefinition.from_dict(data)
    except ValueError as error:  # the schema should have caught it; never let it pass unnamed
        raise FlowFileError(path, [("", str(error))]) from error


def load_flows(
    directory: str | Path | None = None, *, departments: Collection[str] | None = None
) -> dict[str, FlowDefinition]:
    """Load every `*.yaml` flow file in `directory` (default: tracker/steps/flows), by flow code."""
    directory = FLOWS_DIR if directory is None else Path(directory)
    if departments is None:
        departments = load_departments()
    flows: dict[str, FlowDefinition] = {}
    files: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        flow = load_flow_file(path, departments=departments)
        if flow.code in flows:
            raise FlowFileError(
                path,
                [
                    (
                        "code",
                        f"flow code {flow.code!r} is already defined in {files[flow.code].name}",
                    )
                ],
            )
        flows[flow.code] = flow
        files[flow.code] = path
    return flows


def load_departments(path: str | Path | None = None) -> dict[str, Department]:
    """Departments (责任部门) by code, from departments.yaml."""
    path = DEPARTMENTS_FILE if path is None else Path(path)
    data = _load(DepartmentsFileSchema(), _read_yaml(path), path)
    return {item["code"]: Department(**item) for item in data["departments"]}


def load_pause_reasons(path: str | Path | None = None) -> dict[str, PauseReason]:
    """Pause reasons (暂停计时原因) by code, from pause_reasons.yaml."""
    path = PAUSE_REASONS_FILE if path is None else Path(path)
    data = _load(PauseReasonsFileSchema(), _read_yaml(path), path)
    return {item["code"]: PauseReason(**item) for item in data["reasons"]}
