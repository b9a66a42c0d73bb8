"""Marshmallow schemas that validate flow, department and pause-reason files.

Each schema loads the parsed YAML into the normalised dict form that the definitions'
`from_dict` builds from (and `to_dict` produces), so a stored snapshot validates as a file does.
Errors come back as marshmallow's nested messages; `flatten_messages` turns them into
`steps[2].limit.kind`-style paths for `FlowFileError`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)
from marshmallow.error_store import merge_errors

from tracker.sla.limits import Counting, Limit, LimitKind
from tracker.steps.definitions import (
    AMOUNTLESS_KINDS,
    CLOCK_ACCEPTANCE,
    CLOCK_PREVIOUS,
    CLOCK_REQUESTED,
    CLOCK_STARTED,
    PAUSE_STOPS,
    REQUESTED_AFTER_LIMIT,
    REQUESTED_DUE,
    STEP_CLOCK_STARTS,
    STOPS_PARTY,
    WHOLE_CLOCK_STARTS,
)

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"  # step, attribute, department and pause-reason codes
FLOW_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"  # "201", "101", "211"

_LIMIT_KINDS = [kind.value for kind in LimitKind]
_COUNTINGS = [counting.value for counting in Counting]


def _one_of(choices: Collection[str], what: str) -> validate.OneOf:
    return validate.OneOf(
        choices, error=f"unknown {what} {{input!r}} (expected one of {{choices}})"
    )


def _code(**kwargs: Any) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Regexp(
            CODE_PATTERN, error="{input!r} is not a code (lower-case letters, digits and _)"
        ),
        **kwargs,
    )


def _text(required: bool = True) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(min=1))
    return fields.String(load_default="")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


# --- limits ---------------------------------------------------------------------------------


class LimitSchema(_Strict):
    """One limit: `{kind: working_days, amount: 0.5}`, `{kind: same_working_day}`, …"""

    kind = fields.String(required=True, validate=_one_of(_LIMIT_KINDS, "limit kind"))
    amount = fields.Float(
        load_default=0.0,
        validate=validate.Range(min=0, error="a time limit cannot be negative: {input}"),
    )
    counting = fields.String(
        load_default=Counting.CLOCK.value, validate=_one_of(_COUNTINGS, "counting")
    )
    count_start_day = fields.Boolean(load_default=False)

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        kind = LimitKind(data["kind"])
        if kind in AMOUNTLESS_KINDS and data["amount"]:
            raise ValidationError(f"a {kind.value} limit takes no amount", "amount")
        if data["count_start_day"] and data["counting"] != Counting.DAY_COUNT.value:
            raise ValidationError(
                "count_start_day applies to day_count counting only", "count_start_day"
            )
        try:
            self._build(data)
        except ValueError as error:
            field = "counting" if "counting" in str(error) else "amount"
            raise ValidationError(str(error), field) from None

    @staticmethod
    def _build(data: Mapping[str, Any]) -> Limit:
        return Limit(
            kind=LimitKind(data["kind"]),
            amount=float(data["amount"]),
            counting=Counting(data["counting"]),
            count_start_day=data["count_start_day"],
        )

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._build(data).to_dict()


class LimitRuleField(fields.Field):
    """A limit, or a limit chosen by an application attribute:

    `{kind: working_days, amount: 1}` or `{by: external_works, cases: {none: {...}, ...},
    default: {...}}` (default optional). Loads to the compact dict form of `LimitRule.to_dict`.
    Whether `by` names a declared attribute is checked by `FlowSchema`.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValidationError("a limit must be a mapping, e.g. {kind: working_days, amount: 1}")
        if "by" not in value:
            return LimitSchema().load(value)
        errors: dict[str, Any] = {}
        unknown = sorted(str(key) for key in value if key not in ("by", "cases", "default"))
        for key in unknown:
            errors[key] = ["Unknown field."]
        attribute = value["by"]
        if not isinstance(attribute, str) or not attribute:
            errors["by"] = ["must name an attribute the flow declares"]
        cases_in = value.get("cases")
        cases: dict[str, Any] = {}
        if not isinstance(cases_in, Mapping) or not cases_in:
            errors["cases"] = ["a limit chosen by an attribute needs cases: {value: limit, ...}"]
        else:
            for case_value, limit in cases_in.items():
                if not isinstance(case_value, str):
                    errors.setdefault("cases", {})[str(case_value)] = [
                        f"case {case_value!r} must be a string (quote it in YAML)"
                    ]
                    continue
                try:
                    cases[case_value] = _load_limit(limit)
                except ValidationError as error:
                    errors.setdefault("cases", {})[case_value] = error.messages
        default = None
        if value.get("default") is not None:
            try:
                default = _load_limit(value["default"])
            except ValidationError as error:
                errors["default"] = error.messages
        if errors:
            raise ValidationError(errors)
        return {"by": attribute, "cases": cases, "default": default}


def _load_limit(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(["a limit must be a mapping, e.g. {kind: working_days, amount: 1}"])
    return LimitSchema().load(value)


# --- flows ----------------------------------------------------------------------------------


class FlowCodeField(fields.String):
    """A flow code; YAML reads `code: 201` as a number, so numbers are accepted as text."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class ChoiceSchema(_Strict):
    value = fields.String(required=True, validate=validate.Length(min=1))
    name_zh = _text()
    name_en = _text()


class AttributeSchema(_Strict):
    """An application attribute, e.g. external_works with choices none/small/large."""

    code = _code()
    name_zh = _text()
    name_en = _text()
    choices = fields.List(
        fields.Nested(ChoiceSchema),
        required=True,
        validate=validate.Length(min=1, error="an attribute needs at least one choice"),
    )
    default = fields.String(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for index, choice in enumerate(data["choices"]):
            if choice["value"] in seen:
                errors.setdefault("choices", {})[index] = {
                    "value": [f"duplicate choice {choice['value']!r}"]
                }
            seen.setdefault(choice["value"], index)
        if data["default"] is not None and data["default"] not in seen:
            errors["default"] = [
                f"{data['default']!r} is not one of the choices ({', '.join(seen)})"
            ]
        if errors:
            raise ValidationError(errors)


class StepSchema(_Strict):
    code = _code()
    name_zh = _text()
    name_en = _text()
    department = _code()
    # Other departments that may take the step until one of them starts it (both stock
    # keepers enter an issued meter: 003 五（六）3); the one that starts it has it.
    shared_with = fields.List(_code(), load_default=list)
    limit = LimitRuleField(required=True)
    clock_starts = fields.String(
        load_default=CLOCK_PREVIOUS, validate=_one_of(STEP_CLOCK_STARTS, "clock start")
    )
    # None = "the previous step in the list" (filled in by FlowSchema); [] = no prerequisite.
    after = fields.List(fields.String(), load_default=None, allow_none=True)
    skippable = fields.Boolean(load_default=False)
    needs_start = fields.Boolean(load_default=None, allow_none=True)
    materials = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
    description_zh = _text(required=False)
    description_en = _text(required=False)
    waits_on = fields.List(_code(), load_default=list)
    done_at_acceptance = fields.Boolean(load_default=False)
    closes_file = fields.Boolean(load_default=False)

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["clock_starts"] == CLOCK_STARTED and data["needs_start"] is False:
            raise ValidationError(
                "a step whose clock starts when it is started must have needs_start: true",
                "needs_start",
            )
        if data["done_at_acceptance"]:
            if data["clock_starts"] != CLOCK_ACCEPTANCE or data["after"]:
                raise ValidationError(
                    "a step done at acceptance has clock_starts: acceptance and after: []",
                    "done_at_acceptance",
                )
            if data["needs_start"] or data["skippable"]:
                raise ValidationError(
                    "a step done at acceptance is neither started nor skipped",
                    "done_at_acceptance",
                )

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data["needs_start"] is None:
            data["needs_start"] = data["clock_starts"] == CLOCK_STARTED
        return data


class PublicationSchema(_Strict):
    """What the utility publishes about a flow (the Wuhu action plan, 五(一)
    向社会公开装接水流程、办理时限和收费标准): the documents the customer brings and the fee.
    Steps and limits come from the flow itself."""

    documents_zh = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
    documents_en = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
    fee = fields.Float(
        load_default=None, allow_none=True,
        validate=validate.Range(min=0, error="a fee cannot be negative: {input}"))
    fee_note_zh = _text(required=False)
    fee_note_en = _text(required=False)

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if len(data["documents_en"]) not in (0, len(data["documents_zh"])):
            raise ValidationError("one English name per document, in the same order",
                                  "documents_en")


class FlowSchema(_Strict):
    """A whole flow file. Pass `departments` (known department codes) to check steps against."""

    code = FlowCodeField(
        required=True,
        validate=validate.Regexp(FLOW_CODE_PATTERN, error="{input!r} is not a flow code"),
    )
    version = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, error="must be 1 or more")
    )
    name_zh = _text()
    name_en = _text()
    description_zh = _text(required=False)
    description_en = _text(required=False)
    source = _text()
    whole_limit = LimitRuleField(required=True)
    whole_clock_starts = fields.String(
        load_default=CLOCK_ACCEPTANCE, validate=_one_of(WHOLE_CLOCK_STARTS, "clock start")
    )
    completes_with = fields.String(required=True)
    target_on_time_rate = fields.Float(
        load_default=1.0, validate=validate.Range(min=0, max=1, error="must be between 0 and 1")
    )
    attributes = fields.List(fields.Nested(AttributeSchema), load_default=list)
    steps = fields.List(
        fields.Nested(StepSchema),
        required=True,
        validate=validate.Length(min=1, error="a flow needs at least one step"),
    )
    pause_reasons = fields.List(_code(), load_default=None, allow_none=True)
    requested_due = fields.String(
        load_default=REQUESTED_AFTER_LIMIT, validate=_one_of(REQUESTED_DUE, "requested_due")
    )
    published = fields.Nested(PublicationSchema, load_default=None)

    def __init__(
        self,
        *,
        departments: Collection[str] | None = None,
        pause_reasons: Collection[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.departments = departments
        self.known_reasons = pause_reasons

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        for path, message in self._problems(data):
            errors = merge_errors(errors, _nest(path, message))
        if errors:
            raise ValidationError(errors)

    def _problems(self, data: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
        steps = data["steps"]
        first_index: dict[str, int] = {}
        for index, step in enumerate(steps):
            if step["code"] in first_index:
                yield (
                    ("steps", index, "code"),
                    (f"duplicate step code {step['code']!r}"
                     f" (also steps[{first_index[step['code']]}])"),
                )
            first_index.setdefault(step["code"], index)

        if self.departments is not None:
            known = ", ".join(sorted(self.departments))
            for index, step in enumerate(steps):
                if step["department"] not in self.departments:
                    yield (
                        ("steps", index, "department"),
                        f"unknown department {step['department']!r} (departments.yaml has {known})",
                    )
                for other in step.get("shared_with", []):
                    if other not in self.departments:
                        yield (
                            ("steps", index, "shared_with"),
                            f"unknown department {other!r} (departments.yaml has {known})",
                        )

        prerequisites = _prerequisites(steps)
        for index, (step, after) in enumerate(zip(steps, prerequisites, strict=True)):
            for position, code in enumerate(after):
                if code == step["code"]:
                    yield (
                        ("steps", index, "after", position),
                        f"step {code!r} cannot follow itself",
                    )
                elif code not in first_index:
                    yield (
                        ("steps", index, "after", position),
                        f"unknown step {code!r} (steps: {', '.join(first_index)})",
                    )
        cycle = _find_cycle(steps, prerequisites)
        if cycle:
            index = first_index[cycle[0]]
            yield (("steps", index, "after"), f"cycle in after: {' -> '.join(cycle)}")

        if self.known_reasons is not None and data["pause_reasons"] is not None:
            known = ", ".join(sorted(self.known_reasons))
            for index, code in enumerate(data["pause_reasons"]):
                if code not in self.known_reasons:
                    yield (
                        ("pause_reasons", index),
                        f"unknown pause reason {code!r} (pause_reasons.yaml has {known})",
                    )
        if data["requested_due"] != REQUESTED_AFTER_LIMIT and (
            data["whole_clock_starts"] != CLOCK_REQUESTED
        ):
            yield (("requested_due",), "applies only when whole_clock_starts is requested")

        completes_with = data["completes_with"]
        if completes_with not in first_index:
            yield (
                ("completes_with",),
                f"unknown step {completes_with!r} (steps: {', '.join(first_index)})",
            )
        elif steps[first_index[completes_with]]["skippable"]:
            yield (("completes_with",), f"step {completes_with!r} is skippable")

        attributes: dict[str, dict[str, Any]] = {}
        for index, attribute in enumerate(data["attributes"]):
            if attribute["code"] in attributes:
                yield (("attributes", index, "code"), f"duplicate attribute {attribute['code']!r}")
            attributes.setdefault(attribute["code"], attribute)

        yield from _rule_problems(("whole_limit",), data["whole_limit"], attributes)
        for index, step in enumerate(steps):
            yield from _rule_problems(("steps", index, "limit"), step["limit"], attributes)

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for step, after in zip(data["steps"], _prerequisites(data["steps"]), strict=True):
            step["after"] = list(after)
        return data


def _prerequisites(steps: list[dict[str, Any]]) -> list[list[str]]:
    """Each step's `after`; when omitted, the step before it in the list."""
    result = []
    for index, step in enumerate(steps):
        if step["after"] is not None:
            result.append(list(step["after"]))
        else:
            result.append([steps[index - 1]["code"]] if index else [])
    return result


def _find_cycle(steps: list[dict[str, Any]], prerequisites: list[list[str]]) -> list[str] | None:
    """A cycle through `after` (as step codes, first repeated last), or None."""
    graph: dict[str, list[str]] = {}
    for step, after in zip(steps, prerequisites, strict=True):
        graph.setdefault(step["code"], []).extend(code for code in after if code != step["code"])
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(code: str) -> list[str] | None:
        state[code] = 1
        path.append(code)
        for nxt in graph.get(code, ()):
            if nxt not in graph:
                continue  # reported as an unknown step
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[code] = 2
        return None

    for code in graph:
        if code not in state:
            found = visit(code)
            if found:
                return found
    return None


def _rule_problems(
    path: tuple[Any, ...], rule: dict[str, Any], attributes: Mapping[str, dict[str, Any]]
) -> Iterator[tuple[tuple[Any, ...], str]]:
    if "by" not in rule:
        return
    attribute = attributes.get(rule["by"])
    if attribute is None:
        declared = ", ".join(attributes) or "none"
        yield (
            path + ("by",),
            (f"attribute {rule['by']!r} is not declared in the flow's attributes"
             f" (declared: {declared})"),
        )
        return
    choices = [choice["value"] for choice in attribute["choices"]]
    for value in rule["cases"]:
        if value not in choices:
            yield (
                path + ("cases", value),
                f"{value!r} is not a choice of {rule['by']} (choices: {', '.join(choices)})",
            )
    uncovered = [value for value in choices if value not in rule["cases"]]
    if uncovered and rule["default"] is None:
        yield (
            path + ("cases",),
            f"no limit for {rule['by']} = {', '.join(uncovered)}: add cases or a default",
        )


def _nest(path: tuple[Any, ...], message: str) -> dict[Any, Any]:
    nested: Any = [message]
    for key in reversed(path):
        nested = {key: nested}
    return nested


# --- departments and pause reasons ------------------------------------------------------------


class DepartmentSchema(_Strict):
    code = _code()
    name_zh = _text()
    name_en = _text()


class DepartmentsFileSchema(_Strict):
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    source = _text()
    departments = fields.List(
        fields.Nested(DepartmentSchema), required=True, validate=validate.Length(min=1)
    )

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        _check_unique_codes(data["departments"], "departments", "department")


class PauseReasonSchema(_Strict):
    code = _code()
    name_zh = _text()
    name_en = _text()
    description_zh = _text(required=False)
    description_en = _text(required=False)
    requires_note = fields.Boolean(load_default=False)
    stops = fields.List(
        fields.String(validate=_one_of(PAUSE_STOPS, "stop")),
        required=True,
        validate=validate.Length(min=1, error="say what the pause stops"),
    )
    party = fields.String(load_default="")

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (STOPS_PARTY in data["stops"]) != bool(data["party"]):
            raise ValidationError(
                "give party (the outside party, e.g. municipal) exactly when stops has party",
                "party",
            )

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["stops"] = tuple(data["stops"])
        return data


class PauseReasonsFileSchema(_Strict):
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    source = _text()
    reasons = fields.List(
        fields.Nested(PauseReasonSchema), required=True, validate=validate.Length(min=1)
    )

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        _check_unique_codes(data["reasons"], "reasons", "pause reason")


def _check_unique_codes(items: list[dict[str, Any]], key: str, what: str) -> None:
    seen: set[str] = set()
    errors: dict[int, Any] = {}
    for index, item in enumerate(items):
        if item["code"] in seen:
            errors[index] = {"code": [f"duplicate {what} code {item['code']!r}"]}
        seen.add(item["code"])
    if errors:
        raise ValidationError({key: errors})


# --- error paths ------------------------------------------------------------------------------


def flatten_messages(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Marshmallow's nested messages as (path, message) pairs: ("steps[2].limit.kind", "…")."""
    if isinstance(messages, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, value in messages.items():
            if key == "_schema":
                path = prefix
            elif isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            pairs.extend(flatten_messages(value, path))
        return pairs
    if isinstance(messages, list | tuple):
        pairs = []
        for item in messages:
            pairs.extend(flatten_messages(item, prefix))
        return pairs
    return [(prefix, str(messages))]
