"""Every way a flow file can be wrong is a FlowFileError naming the file and the field."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from tracker.steps import (
    FlowFileError,
    load_departments,
    load_flow_file,
    load_flows,
    load_pause_reasons,
)

BASE = {
    "code": "901",
    "version": 1,
    "name_zh": "测试流程",
    "name_en": "Test flow",
    "source": "tests",
    "whole_limit": {
        "by": "external_works",
        "cases": {
            "none": {"kind": "working_days", "amount": 1},
            "small": {"kind": "working_days", "amount": 3},
            "large": {"kind": "working_days", "amount": 5},
        },
    },
    "completes_with": "install",
    "attributes": [
        {
            "code": "external_works",
            "name_zh": "外线工程",
            "name_en": "External works",
            "default": "none",
            "choices": [
                {"value": "none", "name_zh": "无外线", "name_en": "None"},
                {"value": "small", "name_zh": "小型", "name_en": "Small"},
                {"value": "large", "name_zh": "其他", "name_en": "Large"},
            ],
        }
    ],
    "steps": [
        {
            "code": "accept",
            "name_zh": "受理",
            "name_en": "Accept",
            "department": "business_hall",
            "limit": {"kind": "same_working_day"},
            "clock_starts": "acceptance",
        },
        {
            "code": "approve",
            "name_zh": "审批",
            "name_en": "Approve",
            "department": "connection_team",
            "limit": {"kind": "working_hours", "amount": 2},
            "skippable": True,
        },
        {
            "code": "install",
            "name_zh": "挂表通水",
            "name_en": "Install",
            "department": "engineering",
            "limit": {"kind": "working_days", "amount": 0.5},
            "clock_starts": "started",
        },
        {
            "code": "archive",
            "name_zh": "归档",
            "name_en": "Archive",
            "department": "engineering",
            "limit": {"kind": "end_of_month"},
        },
    ],
}


def write(tmp_path: Path, data, name: str = "901.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def flow(**changes):
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def expect_error(path: Path, field: str, pattern: str) -> FlowFileError:
    with pytest.raises(FlowFileError) as caught:
        load_flow_file(path)
    error = caught.value
    assert isinstance(error, ValueError)
    line = f"{path.name}: {field}: "
    matching = [m for m in str(error).splitlines() if m.startswith(line)]
    assert matching, f"no error for {field!r} in:\n{error}"
    assert re.search(pattern, matching[0]), matching[0]
    return error


def test_base_is_valid(tmp_path):
    loaded = load_flow_file(write(tmp_path, BASE))
    assert loaded.step("install").needs_start  # implied by clock_starts: started
    assert loaded.step("approve").after == ("accept",)


def test_yaml_syntax_error_gives_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text('code: "901"\nversion: 1\nsteps:\n  - code: [accept\n    name_zh: x\n', "utf-8")
    with pytest.raises(FlowFileError, match=r"^broken\.yaml: YAML syntax error at line \d+"):
        load_flow_file(path)


def test_duplicate_yaml_key(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text('code: "901"\nversion: 1\nversion: 2\n', "utf-8")
    with pytest.raises(FlowFileError, match=r"dup\.yaml: .*line 3.*duplicate key 'version'"):
        load_flow_file(path)


def test_top_level_must_be_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", "utf-8")
    with pytest.raises(FlowFileError, match=r"list\.yaml: expected a mapping"):
        load_flow_file(path)


def test_unknown_limit_kind(tmp_path):
    data = flow()
    data["steps"][2]["limit"] = {"kind": "weeks", "amount": 1}
    error = expect_error(
        write(tmp_path, data, "201.yaml"),
        "steps[2].limit.kind",
        r"unknown limit kind 'weeks' \(expected one of working_days, .*end_of_month, at_start\)",
    )
    assert "steps[2].limit.kind" in dict(error.errors)
    assert error.file == "201.yaml"


def test_unknown_limit_kind_in_a_case(tmp_path):
    data = flow()
    data["whole_limit"]["cases"]["small"] = {"kind": "fortnights", "amount": 1}
    expect_error(write(tmp_path, data), "whole_limit.cases.small.kind", "unknown limit kind")


def test_negative_amount(tmp_path):
    data = flow()
    data["steps"][1]["limit"] = {"kind": "working_hours", "amount": -2}
    expect_error(write(tmp_path, data), "steps[1].limit.amount", "negative")


def test_missing_amount(tmp_path):
    data = flow()
    data["steps"][1]["limit"] = {"kind": "working_hours"}
    expect_error(write(tmp_path, data), "steps[1].limit.amount", "positive amount")


def test_amount_on_a_kind_without_one(tmp_path):
    data = flow()
    data["steps"][0]["limit"] = {"kind": "same_working_day", "amount": 2}
    expect_error(write(tmp_path, data), "steps[0].limit.amount", "takes no amount")


def test_day_count_only_for_working_days(tmp_path):
    data = flow()
    data["steps"][1]["limit"] = {"kind": "working_hours", "amount": 2, "counting": "day_count"}
    expect_error(write(tmp_path, data), "steps[1].limit.counting", "day_count")


def test_unknown_field_in_a_limit(tmp_path):
    data = flow()
    data["steps"][1]["limit"] = {"kind": "working_hours", "amout": 2}
    expect_error(write(tmp_path, data), "steps[1].limit.amout", "Unknown field")


def test_after_refers_to_a_missing_step(tmp_path):
    data = flow()
    data["steps"][2]["after"] = ["accept", "survey"]
    expect_error(write(tmp_path, data), r"steps[2].after[1]", "unknown step 'survey'")


def test_duplicate_step_code(tmp_path):
    data = flow()
    data["steps"][3]["code"] = "approve"
    expect_error(write(tmp_path, data), "steps[3].code", "duplicate step code 'approve'")


def test_department_not_in_departments_yaml(tmp_path):
    data = flow()
    data["steps"][1]["department"] = "marketing"
    expect_error(write(tmp_path, data), "steps[1].department", "unknown department 'marketing'")


def test_completes_with_unknown(tmp_path):
    expect_error(
        write(tmp_path, flow(completes_with="water_on")),
        "completes_with",
        "unknown step 'water_on'",
    )


def test_completes_with_a_skippable_step(tmp_path):
    expect_error(write(tmp_path, flow(completes_with="approve")), "completes_with", "skippable")


def test_cycle_in_after(tmp_path):
    data = flow()
    data["steps"][0]["after"] = [
        "install"
    ]  # accept after install, install after approve after accept
    expect_error(
        write(tmp_path, data),
        "steps[0].after",
        r"cycle in after: accept -> install -> approve -> accept",
    )


def test_step_after_itself(tmp_path):
    data = flow()
    data["steps"][1]["after"] = ["approve"]
    expect_error(write(tmp_path, data), "steps[1].after[0]", "cannot follow itself")


def test_limit_by_an_undeclared_attribute(tmp_path):
    data = flow()
    data["steps"][2]["limit"] = {
        "by": "pipe_size",
        "cases": {"dn25": {"kind": "working_days", "amount": 1}},
    }
    expect_error(write(tmp_path, data), "steps[2].limit.by", "'pipe_size' is not declared")


def test_case_value_not_among_the_choices(tmp_path):
    data = flow()
    data["whole_limit"]["cases"]["huge"] = {"kind": "working_days", "amount": 10}
    expect_error(write(tmp_path, data), "whole_limit.cases.huge", "not a choice of external_works")


def test_cases_must_cover_every_choice_or_have_a_default(tmp_path):
    data = flow()
    del data["whole_limit"]["cases"]["large"]
    expect_error(write(tmp_path, data), "whole_limit.cases", "no limit for external_works = large")
    data["whole_limit"]["default"] = {"kind": "working_days", "amount": 5}
    assert (
        load_flow_file(write(tmp_path, data))
        .whole_limit.resolve({"external_works": "large"})
        .amount
        == 5
    )


def test_attribute_default_must_be_a_choice(tmp_path):
    data = flow()
    data["attributes"][0]["default"] = "medium"
    expect_error(write(tmp_path, data), "attributes[0].default", "'medium' is not one of")


def test_unknown_clock_start(tmp_path):
    data = flow()
    data["steps"][1]["clock_starts"] = "whenever"
    expect_error(write(tmp_path, data), "steps[1].clock_starts", "unknown clock start 'whenever'")


def test_started_clock_needs_start(tmp_path):
    data = flow()
    data["steps"][2]["needs_start"] = False
    expect_error(write(tmp_path, data), "steps[2].needs_start", "needs_start: true")


def test_missing_required_fields_and_unknown_top_level_field(tmp_path):
    data = flow(colour="blue")
    del data["source"]
    error = expect_error(write(tmp_path, data), "source", "required")
    assert "colour" in dict(error.errors)


def test_version_must_be_an_integer(tmp_path):
    expect_error(write(tmp_path, flow(version="one")), "version", "integer")


def test_numeric_flow_code_is_accepted(tmp_path):
    assert load_flow_file(write(tmp_path, flow(code=901))).code == "901"


def test_two_files_with_the_same_flow_code(tmp_path):
    write(tmp_path, BASE, "901.yaml")
    write(tmp_path, flow(version=2), "901-copy.yaml")
    with pytest.raises(
        FlowFileError,
        match=r"^901\.yaml: code: flow code '901' is already defined in 901-copy\.yaml",
    ):
        load_flows(tmp_path)


def test_load_flows_reports_the_bad_file(tmp_path):
    write(tmp_path, BASE, "901.yaml")
    bad = flow(code="902")
    bad["steps"][0]["limit"] = {"kind": "weeks"}
    write(tmp_path, bad, "902.yaml")
    with pytest.raises(FlowFileError, match=r"^902\.yaml: steps\[0\]\.limit\.kind"):
        load_flows(tmp_path)


def test_missing_file(tmp_path):
    with pytest.raises(FlowFileError, match=r"absent\.yaml: cannot read"):
        load_flow_file(tmp_path / "absent.yaml")


def test_department_file_errors(tmp_path):
    path = tmp_path / "departments.yaml"
    path.write_text(
        "version: 1\nsource: t\ndepartments:\n"
        "  - {code: a, name_zh: 甲, name_en: A}\n  - {code: a, name_zh: 乙, name_en: B}\n",
        "utf-8",
    )
    with pytest.raises(
        FlowFileError, match=r"departments\.yaml: departments\[1\]\.code: duplicate"
    ):
        load_departments(path)


def test_pause_reason_file_errors(tmp_path):
    path = tmp_path / "pause_reasons.yaml"
    path.write_text("version: 1\nsource: t\nreasons:\n  - {code: x, name_zh: 甲}\n", "utf-8")
    with pytest.raises(
        FlowFileError, match=r"pause_reasons\.yaml: reasons\[0\]\.name_en: .*required"
    ):
        load_pause_reasons(path)


# --- issue 10: pause scopes, acceptance recorded once, requested times ------------------------


def test_unknown_pause_reason_of_a_flow(tmp_path):
    data = flow(pause_reasons=["municipal_approval", "lunch_break"])
    expect_error(write(tmp_path, data), "pause_reasons[1]", "unknown pause reason 'lunch_break'")


def test_requested_due_needs_a_requested_clock(tmp_path):
    expect_error(write(tmp_path, flow(requested_due="at_requested")), "requested_due",
                 "whole_clock_starts is requested")
    expect_error(write(tmp_path, flow(requested_due="sometime")), "requested_due",
                 "unknown requested_due 'sometime'")
    loaded = load_flow_file(write(tmp_path, flow(requested_due="at_requested",
                                                 whole_clock_starts="requested")))
    assert loaded.requested_due == "at_requested"


def test_done_at_acceptance_needs_an_acceptance_clock_and_no_prerequisite(tmp_path):
    data = flow()
    data["steps"][1]["done_at_acceptance"] = True  # approve: after accept, previous clock
    expect_error(write(tmp_path, data), "steps[1].done_at_acceptance", "clock_starts: acceptance")
    data = flow()
    data["steps"][0].update(done_at_acceptance=True, after=[], skippable=True)
    expect_error(write(tmp_path, data), "steps[0].done_at_acceptance", "neither started nor")
    data = flow()
    data["steps"][0].update(done_at_acceptance=True, after=[], waits_on=["municipal"])
    loaded = load_flow_file(write(tmp_path, data))
    assert loaded.step("accept").done_at_acceptance
    assert loaded.steps_waiting_on("municipal") == ("accept",)


def test_pause_reason_scopes_are_checked(tmp_path):
    def reasons(**reason):
        path = tmp_path / "pause_reasons.yaml"
        entry = {"code": "x", "name_zh": "某", "name_en": "X", **reason}
        path.write_text(yaml.safe_dump({"version": 1, "source": "t", "reasons": [entry]},
                                       allow_unicode=True), "utf-8")
        return path

    with pytest.raises(FlowFileError, match=r"reasons\[0\]\.stops: say what the pause stops"):
        load_pause_reasons(reasons(stops=[]))
    with pytest.raises(FlowFileError, match=r"reasons\[0\]\.stops\[0\]: unknown stop 'everything'"):
        load_pause_reasons(reasons(stops=["everything"]))
    with pytest.raises(FlowFileError, match=r"reasons\[0\]\.party: give party .*exactly when stops has party"):
        load_pause_reasons(reasons(stops=["application", "party"]))
    with pytest.raises(FlowFileError, match=r"reasons\[0\]\.stops: Missing data"):
        load_pause_reasons(reasons())
    loaded = load_pause_reasons(reasons(stops=["party"], party="municipal"))["x"]
    assert loaded.stops == ("party",) and not loaded.needs_step
