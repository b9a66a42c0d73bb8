"""Flow definitions (报装流程) as frozen data: what a flow file says, after validation.

Nothing here reads files or knows about Flask; `tracker.steps.loader` builds these from YAML,
and the database stores `FlowDefinition.to_dict()` per flow version so that an application keeps
the definition it started under.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tracker.sla.limits import Limit, LimitKind

# What starts a step's clock.
CLOCK_ACCEPTANCE = "acceptance"  # the application's acceptance (受理) instant
CLOCK_PREVIOUS = "previous"  # completion of the step's prerequisites (the latest of `after`)
CLOCK_REQUESTED = "requested"  # the time the customer asked for (101: 按客户需求的时间)
CLOCK_STARTED = "started"  # an explicit start action, e.g. engineering receives the task
STEP_CLOCK_STARTS = (CLOCK_ACCEPTANCE, CLOCK_PREVIOUS, CLOCK_REQUESTED, CLOCK_STARTED)
WHOLE_CLOCK_STARTS = (CLOCK_ACCEPTANCE, CLOCK_REQUESTED)

# When the whole clock starts at the customer's requested time (101), what falls due:
REQUESTED_AFTER_LIMIT = "after_limit"  # whole_limit counted from the requested time
REQUESTED_AT_TIME = "at_requested"  # the requested time itself (按客户需求的时间挂表通水)
REQUESTED_DUE = (REQUESTED_AFTER_LIMIT, REQUESTED_AT_TIME)

# What a pause reason stops (pause_reasons.yaml `stops`).
STOPS_APPLICATION = "application"  # the whole application's clock
STOPS_STEP = "step"  # the step the pause is recorded on (the pause must name one)
STOPS_PARTY = "party"  # every step that waits on the reason's outside party (`waits_on`)
STOPS_ALL_STEPS = "all_steps"  # every step of the application (pauses recorded before scopes)
PAUSE_STOPS = (STOPS_APPLICATION, STOPS_STEP, STOPS_PARTY, STOPS_ALL_STEPS)

# Limit kinds that take no amount (the deadline is a close of office, not a duration).
AMOUNTLESS_KINDS = frozenset(
    {
        LimitKind.SAME_WORKING_DAY,
        LimitKind.NEXT_WORKING_DAY,
        LimitKind.END_OF_MONTH,
        LimitKind.AT_START,
    }
)


class FrozenMap(Mapping[str, Any]):
    """A read-only, hashable mapping that keeps insertion order (for frozen dataclasses)."""

    __slots__ = ("_index", "_items")

    def __init__(self, items: Mapping[str, Any] | tuple[tuple[str, Any], ...] = ()) -> None:
        pairs = tuple(items.items()) if isinstance(items, Mapping) else tuple(items)
        self._items = pairs
        self._index = dict(pairs)
        if len(self._index) != len(pairs):
            raise ValueError("duplicate keys")

    def __getitem__(self, key: str) -> Any:
        return self._index[key]

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({dict(self._items)!r})"


# --- limits ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitRule:
    """A time limit that may depend on an application attribute (e.g. 外线工程 external works).

    Without `attribute` the rule is just `default`. With it, `cases` maps the attribute's values
    to limits and `default` (optional) covers any value without a case.
    """

    default: Limit | None
    attribute: str | None = None
    cases: Mapping[str, Limit] = FrozenMap()

    def __post_init__(self) -> None:
        if not isinstance(self.cases, FrozenMap):
            object.__setattr__(self, "cases", FrozenMap(self.cases))
        if self.attribute is None:
            if self.cases:
                raise ValueError("limit cases need an attribute to choose by")
            if self.default is None:
                raise ValueError("a limit rule without an attribute needs a default limit")
        elif not self.cases:
            raise ValueError(f"a limit chosen by {self.attribute!r} needs at least one case")

    @classmethod
    def fixed(cls, limit: Limit) -> LimitRule:
        """A rule that does not depend on the application."""
        return cls(default=limit)

    def resolve(self, attributes: Mapping[str, str]) -> Limit:
        """The limit for an application with these attribute values."""
        if self.attribute is None:
            assert self.default is not None
            return self.default
        value = attributes.get(self.attribute)
        if value is not None and value in self.cases:
            return self.cases[value]
        if self.default is not None:
            return self.default
        raise ValueError(
            f"no time limit for attribute {self.attribute!r} = {value!r} "
            f"(cases: {', '.join(self.cases)}; no default)"
        )

    def to_dict(self) -> dict[str, Any]:
        """Compact form: a plain limit, or {by, cases, default} when chosen by an attribute."""
        if self.attribute is None:
            assert self.default is not None
            return self.default.to_dict()
        return {
            "by": self.attribute,
            "cases": {value: limit.to_dict() for value, limit in self.cases.items()},
            "default": None if self.default is None else self.default.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LimitRule:
        """Inverse of `to_dict`."""
        if "by" not in data:
            return cls(default=Limit.from_dict(data))
        default = data.get("default")
        return cls(
            default=None if default is None else Limit.from_dict(default),
            attribute=data["by"],
            cases=FrozenMap(
                tuple((value, Limit.from_dict(limit)) for value, limit in data["cases"].items())
            ),
        )


# --- flows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributeDefinition:
    """An application attribute a flow declares, e.g. external_works (外线工程)."""

    code: str
    name_zh: str
    name_en: str
    choices: tuple[tuple[str, str, str], ...]  # (value, label_zh, label_en)
    default: str | None = None

    @property
    def values(self) -> tuple[str, ...]:
        """The allowed values, in declaration order."""
        return tuple(value for value, _, _ in self.choices)

    def to_dict(self) -> dict[str, Any]:
        """Dict form, as in a flow file."""
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "choices": [
                {"value": value, "name_zh": zh, "name_en": en} for value, zh, en in self.choices
            ],
            "default": self.default,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AttributeDefinition:
        """Inverse of `to_dict`."""
        return cls(
            code=data["code"],
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            choices=tuple((c["value"], c["name_zh"], c["name_en"]) for c in data["choices"]),
            default=data.get("default"),
        )


@dataclass(frozen=True)
class StepDefinition:
    """One step (环节) of a flow: who does it, within what limit, counted from when."""

    code: str
    name_zh: str
    name_en: str
    department: str
    limit: LimitRule
    clock_starts: str
    after: tuple[str, ...]
    skippable: bool = False
    needs_start: bool = False
    materials: tuple[str, ...] = ()
    description_zh: str = ""
    description_en: str = ""
    # The outside parties (e.g. municipal) this step waits on: a pause whose reason stops the
    # steps waiting on that party stops this step's clock.
    waits_on: tuple[str, ...] = ()
    # Done by registering the application (申请受理): one fact, recorded once, no clock.
    done_at_acceptance: bool = False
    # Closes the project file (资料归档): refused while 容缺 materials are still missing.
    closes_file: bool = False
    # Other departments that may take the step until one of them starts it.
    shared_with: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.clock_starts not in STEP_CLOCK_STARTS:
            raise ValueError(f"step {self.code!r}: unknown clock start {self.clock_starts!r}")
        if self.clock_starts == CLOCK_STARTED and not self.needs_start:
            raise ValueError(f"step {self.code!r}: a clock that starts when started needs_start")

    def to_dict(self) -> dict[str, Any]:
        """Dict form, as in a flow file, every field written out."""
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "department": self.department,
            "limit": self.limit.to_dict(),
            "clock_starts": self.clock_starts,
            "after": list(self.after),
            "skippable": self.skippable,
            "needs_start": self.needs_start,
            "materials": list(self.materials),
            "description_zh": self.description_zh,
            "description_en": self.description_en,
        } | _optional(
            waits_on=list(self.waits_on),
            done_at_acceptance=self.done_at_acceptance,
            closes_file=self.closes_file,
            shared_with=list(self.shared_with),
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepDefinition:
        """Inverse of `to_dict`."""
        return cls(
            code=data["code"],
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            department=data["department"],
            limit=LimitRule.from_dict(data["limit"]),
            clock_starts=data["clock_starts"],
            after=tuple(data["after"]),
            skippable=bool(data.get("skippable", False)),
            needs_start=bool(data.get("needs_start", False)),
            materials=tuple(data.get("materials", ())),
            description_zh=data.get("description_zh", ""),
            description_en=data.get("description_en", ""),
            waits_on=tuple(data.get("waits_on", ())),
            done_at_acceptance=bool(data.get("done_at_acceptance", False)),
            closes_file=bool(data.get("closes_file", False)),
            shared_with=tuple(data.get("shared_with", ())),
        )


def _optional(**values: Any) -> dict[str, Any]:
    """Fields added after version 1 of the format, written only when not at their default, so
    that the stored snapshot (and content hash) of an older flow version stays the same."""
    return {key: value for key, value in values.items() if value not in (None, False, [], "")}


@dataclass(frozen=True)
class Publication:
    """What the utility publishes about a flow besides its steps and limits (the Wuhu action
    plan, 五(一)): the documents the customer brings and the fee (None: not in the flow file)."""

    documents_zh: tuple[str, ...] = ()
    documents_en: tuple[str, ...] = ()
    fee: float | None = None
    fee_note_zh: str = ""
    fee_note_en: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"documents_zh": list(self.documents_zh), "documents_en": list(self.documents_en),
                "fee": self.fee, "fee_note_zh": self.fee_note_zh, "fee_note_en": self.fee_note_en}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Publication:
        return cls(documents_zh=tuple(data.get("documents_zh", ())),
                   documents_en=tuple(data.get("documents_en", ())),
                   fee=None if data.get("fee") is None else float(data["fee"]),
                   fee_note_zh=data.get("fee_note_zh", ""),
                   fee_note_en=data.get("fee_note_en", ""))


@dataclass(frozen=True)
class FlowDefinition:
    """A named, versioned list of steps with a whole-application limit."""

    code: str
    version: int
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    source: str
    whole_limit: LimitRule
    whole_clock_starts: str
    completes_with: str
    target_on_time_rate: float
    attributes: tuple[AttributeDefinition, ...]
    steps: tuple[StepDefinition, ...]
    # The pause reasons this flow offers (codes of pause_reasons.yaml); None: all of them.
    pause_reasons: tuple[str, ...] | None = None
    # With whole_clock_starts: requested, whether the whole limit runs from the requested time
    # (after_limit) or the requested time itself is the deadline (at_requested).
    requested_due: str = REQUESTED_AFTER_LIMIT
    published: Publication | None = None

    def __post_init__(self) -> None:
        if self.requested_due not in REQUESTED_DUE:
            raise ValueError(f"flow {self.code!r}: unknown requested_due {self.requested_due!r}")
        if self.whole_clock_starts not in WHOLE_CLOCK_STARTS:
            raise ValueError(f"flow {self.code!r}: unknown clock start {self.whole_clock_starts!r}")
        codes = [step.code for step in self.steps]
        if len(set(codes)) != len(codes):
            raise ValueError(f"flow {self.code!r}: duplicate step codes")
        if self.completes_with not in codes:
            raise ValueError(f"flow {self.code!r}: completes_with {self.completes_with!r} unknown")

    def step(self, code: str) -> StepDefinition:
        """The step with this code; ValueError if the flow has none."""
        for step in self.steps:
            if step.code == code:
                return step
        raise ValueError(
            f"flow {self.code!r} v{self.version} has no step {code!r} "
            f"(steps: {', '.join(s.code for s in self.steps)})"
        )

    def attribute(self, code: str) -> AttributeDefinition:
        """The declared attribute with this code; ValueError if none."""
        for attribute in self.attributes:
            if attribute.code == code:
                return attribute
        raise ValueError(f"flow {self.code!r} declares no attribute {code!r}")

    def attribute_values(self, given: Mapping[str, str] | None = None) -> dict[str, str]:
        """An application's attribute values: `given` checked against the choices, defaults filled.

        Raises ValueError naming the attribute for an undeclared attribute or a value not among
        its choices.
        """
        given = dict(given or {})
        values: dict[str, str] = {}
        for attribute in self.attributes:
            value = given.pop(attribute.code, None)
            if value is None:
                value = attribute.default
            if value is None:
                continue
            if value not in attribute.values:
                raise ValueError(
                    f"{attribute.code}: {value!r} is not one of {', '.join(attribute.values)}"
                )
            values[attribute.code] = value
        if given:
            raise ValueError(f"flow {self.code!r} declares no attribute {', '.join(given)}")
        return values

    def follows_completion(self, code: str) -> bool:
        """The step comes (directly or through others) after `completes_with`: follow-up
        paperwork such as system entry and the archive, not what the customer waits for."""
        pending, seen = list(self.step(code).after), set()
        while pending:
            other = pending.pop()
            if other == self.completes_with:
                return True
            if other not in seen:
                seen.add(other)
                pending.extend(self.step(other).after)
        return False

    @property
    def customer_steps(self) -> tuple[StepDefinition, ...]:
        """The steps up to water on, in file order: what a customer is told and shown."""
        return tuple(s for s in self.steps if not self.follows_completion(s.code))

    @property
    def step_codes(self) -> tuple[str, ...]:
        """Step codes in file order."""
        return tuple(step.code for step in self.steps)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot of the whole definition (stored per version)."""
        return {
            "code": self.code,
            "version": self.version,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "description_zh": self.description_zh,
            "description_en": self.description_en,
            "source": self.source,
            "whole_limit": self.whole_limit.to_dict(),
            "whole_clock_starts": self.whole_clock_starts,
            "completes_with": self.completes_with,
            "target_on_time_rate": float(self.target_on_time_rate),
            "attributes": [attribute.to_dict() for attribute in self.attributes],
            "steps": [step.to_dict() for step in self.steps],
            # Only when given, so that the content hash of a flow without it stays the same.
            **({"published": self.published.to_dict()} if self.published else {}),
        } | _optional(
            pause_reasons=None if self.pause_reasons is None else list(self.pause_reasons),
            requested_due=(
                "" if self.requested_due == REQUESTED_AFTER_LIMIT else self.requested_due
            ),
        )

    def offers_pause_reason(self, code: str) -> bool:
        """Whether a pause with this reason may be recorded in this flow."""
        return self.pause_reasons is None or code in self.pause_reasons

    def steps_waiting_on(self, party: str) -> tuple[str, ...]:
        """Codes of the steps that wait on an outside party."""
        return tuple(step.code for step in self.steps if party in step.waits_on)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FlowDefinition:
        """Inverse of `to_dict` (no file-level validation: see `tracker.steps.loader`)."""
        return cls(
            code=str(data["code"]),
            version=int(data["version"]),
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            description_zh=data.get("description_zh", ""),
            description_en=data.get("description_en", ""),
            source=data["source"],
            whole_limit=LimitRule.from_dict(data["whole_limit"]),
            whole_clock_starts=data["whole_clock_starts"],
            completes_with=data["completes_with"],
            target_on_time_rate=float(data["target_on_time_rate"]),
            attributes=tuple(AttributeDefinition.from_dict(a) for a in data.get("attributes", ())),
            steps=tuple(StepDefinition.from_dict(s) for s in data["steps"]),
            pause_reasons=(
                None if data.get("pause_reasons") is None else tuple(data["pause_reasons"])
            ),
            requested_due=data.get("requested_due") or REQUESTED_AFTER_LIMIT,
            published=Publication.from_dict(data["published"]) if data.get("published") else None,
        )

    @property
    def content_hash(self) -> str:
        """sha256 of the canonical JSON of `to_dict()`: changes whenever the definition does."""
        canonical = json.dumps(
            self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Department:
    """A responsible department (责任部门)."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class PauseReason:
    """Why a clock is paused (暂停计时原因)."""

    code: str
    name_zh: str
    name_en: str
    description_zh: str = ""
    description_en: str = ""
    requires_note: bool = False  # 其他: the person pausing must say why
    # What the pause stops (PAUSE_STOPS); the default is the application and its step.
    stops: tuple[str, ...] = (STOPS_APPLICATION, STOPS_STEP)
    party: str = ""  # the outside party, when `stops` has "party" (e.g. municipal)

    @property
    def needs_step(self) -> bool:
        """A pause with this reason is recorded on one step."""
        return STOPS_STEP in self.stops
