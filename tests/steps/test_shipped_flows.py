"""The shipped flow, department and pause-reason files load, validate and round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.sla.limits import Limit, LimitKind
from tracker.steps import (
    CLOCK_STARTED,
    FlowDefinition,
    LimitRule,
    load_departments,
    load_flow_file,
    load_flows,
    load_pause_reasons,
)
from tracker.steps.loader import EXAMPLES_DIR, FLOWS_DIR
from tracker.steps.schemas import FlowSchema

DATA = Path(__file__).resolve().parent / "data"
# FlowDefinition.content_hash of the 201 v1 file as computed before issue 10 (commit 8ca9144).
STORED_201_V1_HASH = "66d400c403af5d10e6d93d69f3f3315e70f47b0967a4863a03d91bf8f6d63757"

SHIPPED = sorted(path.name for path in FLOWS_DIR.glob("*.yaml"))


def test_the_three_flows_are_shipped():
    assert set(load_flows()) == {"201", "101", "211"}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_flow_file_loads(name):
    flow = load_flow_file(FLOWS_DIR / name)
    assert flow.code == name.removesuffix(".yaml")
    assert flow.version >= 1
    assert flow.source
    assert flow.name_zh and flow.name_en
    departments = load_departments()
    for step in flow.steps:
        assert step.department in departments
        assert step.name_zh and step.name_en
        if step.clock_starts == CLOCK_STARTED:
            assert step.needs_start
    assert flow.step(flow.completes_with)


@pytest.mark.parametrize("name", SHIPPED)
def test_round_trip_is_exact(name):
    flow = load_flow_file(FLOWS_DIR / name)
    snapshot = flow.to_dict()
    # JSON-serialisable, and survives a trip through JSON (as stored in the database)
    restored = FlowDefinition.from_dict(json.loads(json.dumps(snapshot, ensure_ascii=False)))
    assert restored == flow
    assert restored.to_dict() == snapshot
    assert restored.content_hash == flow.content_hash
    assert hash(restored) == hash(flow)


@pytest.mark.parametrize("name", SHIPPED)
def test_snapshot_validates_like_a_file(name):
    flow = load_flow_file(FLOWS_DIR / name)
    data = FlowSchema(departments=load_departments()).load(flow.to_dict())
    assert FlowDefinition.from_dict(data) == flow


@pytest.mark.parametrize("name", SHIPPED)
def test_content_hash_is_stable(name):
    first = load_flow_file(FLOWS_DIR / name).content_hash
    second = load_flow_file(FLOWS_DIR / name).content_hash
    assert first == second
    assert len(first) == 64


def test_content_hash_changes_with_content():
    flow = load_flows()["201"]
    data = flow.to_dict()
    data["steps"][3]["limit"]["amount"] = 1.0
    assert FlowDefinition.from_dict(data).content_hash != flow.content_hash


def test_201_follows_its_seed_one_working_day_unconditionally():
    """003 三（二）1 "办结时长 1 个工作日": no attribute, no external-works pauses."""
    flow = load_flows()["201"]
    assert flow.version == 2
    assert flow.whole_clock_starts == "acceptance"
    assert flow.completes_with == "meter_install"
    assert flow.attributes == ()
    assert flow.whole_limit.resolve({}) == Limit(LimitKind.WORKING_DAYS, 1)
    assert not flow.offers_pause_reason("external_works")
    assert not flow.offers_pause_reason("design_budget")
    assert flow.offers_pause_reason("municipal_approval")


def test_the_external_works_variant_is_a_separate_example_flow():
    """The 1/3/5-working-day variant and its pauses: another utility's practice, shipped as
    an example outside the flows folder (not loaded unless copied there)."""
    example = load_flow_file(EXAMPLES_DIR / "external_works.yaml")
    assert example.code == "E201" and example.code not in load_flows()
    expected = {"none": 1.0, "small": 3.0, "large": 5.0}
    for value, days in expected.items():
        limit = example.whole_limit.resolve({"external_works": value})
        assert limit == Limit(LimitKind.WORKING_DAYS, days)
    assert example.attribute_values({}) == {"external_works": "none"}
    assert example.offers_pause_reason("external_works")
    assert example.offers_pause_reason("design_budget")


def test_a_stored_version_1_of_201_still_loads_with_its_old_meaning():
    """Applications recorded under 201 v1 keep it: a v1 snapshot (as stored before issue 10)
    reads back unchanged, with the same content hash, and offers every pause reason."""
    stored = json.loads((DATA / "201_v1_snapshot.json").read_text(encoding="utf-8"))
    flow = FlowDefinition.from_dict(stored)
    assert flow.to_dict() == stored
    assert flow.content_hash == STORED_201_V1_HASH
    assert flow.pause_reasons is None and flow.offers_pause_reason("external_works")
    assert flow.step("meter_install").clock_starts == "started"
    assert not flow.step("accept").done_at_acceptance


def test_201_finer_wuhu_duties():
    flow = load_flows()["201"]
    assert flow.step_codes[0] == "accept"
    survey = flow.step("survey")
    assert survey.limit.resolve({}).kind is LimitKind.SAME_WORKING_DAY
    approval = flow.step("municipal_approval")
    assert approval.skippable
    assert flow.step("accept").done_at_acceptance  # registered once, not entered twice
    assert flow.step("municipal_approval").waits_on == ("municipal",)
    install = flow.step("meter_install")
    # 四（四）1 "在接到任务后": the clock starts when the steps before it are done
    assert install.clock_starts == "previous" and not install.needs_start
    assert install.limit.resolve({}) == Limit(LimitKind.WORKING_DAYS, 0.5)
    assert set(install.after) == {"survey", "municipal_approval"}
    assert flow.step("system_entry").limit.resolve({}).kind is LimitKind.SAME_WORKING_DAY
    assert flow.step("archive").limit.resolve({}).kind is LimitKind.END_OF_MONTH
    assert flow.step("meter_stock_entry").limit.resolve({}).kind is LimitKind.NEXT_WORKING_DAY


def test_101_counts_from_the_requested_time():
    flow = load_flows()["101"]
    assert flow.whole_clock_starts == "requested"
    assert flow.step_codes[0] == "meter_install"
    assert flow.step("meter_install").clock_starts == "requested"
    assert flow.whole_limit.resolve({}) == Limit(LimitKind.WORKING_DAYS, 1)
    assert flow.completes_with == "meter_install"
    assert flow.requested_due == "after_limit"  # the flow file says which reading it chose


def test_211_two_headline_steps():
    flow = load_flows()["211"]
    assert flow.step_codes[0] == "accept" and flow.completes_with == "water_on"
    assert flow.whole_limit.resolve({}) == Limit(LimitKind.WORKING_DAYS, 1)
    assert "给水工程安装审批表" in flow.step("accept").materials


def test_default_after_is_the_previous_step():
    flow = load_flows()["211"]
    assert flow.step("accept").after == ()
    assert flow.step("supply_plan").after == ("accept",)
    assert flow.step("water_on").after == ("supply_plan",)


def test_unknown_step_is_a_value_error():
    with pytest.raises(ValueError, match="no step 'nope'"):
        load_flows()["201"].step("nope")


def test_departments_and_pause_reasons():
    departments = load_departments()
    assert {
        "business_hall",
        "engineering",
        "connection_team",
        "market_development",
        "inspection_office",
        "customer_service",
    } <= set(departments)
    assert departments["connection_team"].name_zh == "营商报装专班"
    reasons = load_pause_reasons()
    assert {r.name_zh for r in reasons.values()} >= {
        "补正材料",
        "外线施工",
        "市政审批",
        "客户要求延期",
        "设计预算",
        "其他",
    }
    assert reasons["other"].requires_note
    assert not reasons["municipal_approval"].requires_note


def test_limit_rule_resolve_without_case_or_default_names_the_attribute():
    rule = LimitRule(
        default=None,
        attribute="external_works",
        cases={"none": Limit(LimitKind.WORKING_DAYS, 1)},
    )
    assert rule.resolve({"external_works": "none"}).amount == 1
    with pytest.raises(ValueError, match="external_works"):
        rule.resolve({"external_works": "large"})
    with pytest.raises(ValueError, match="external_works"):
        rule.resolve({})


def test_limit_rule_default_covers_other_values():
    rule = LimitRule(
        default=Limit(LimitKind.WORKING_DAYS, 5),
        attribute="external_works",
        cases={"none": Limit(LimitKind.WORKING_DAYS, 1)},
    )
    assert rule.resolve({"external_works": "small"}).amount == 5
    assert hash(rule) == hash(LimitRule.from_dict(rule.to_dict()))
    assert LimitRule.from_dict(rule.to_dict()) == rule


def test_attribute_values_rejects_unknown_values():
    flow = load_flows()["201"]
    with pytest.raises(ValueError, match="external_works"):
        flow.attribute_values({"external_works": "huge"})
    with pytest.raises(ValueError, match="colour"):
        flow.attribute_values({"colour": "red"})
