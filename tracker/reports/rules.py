"""The assessment rules of the monthly report (月度绩效考核), as the action plan writes them.

The numbers (each rule's range and the default the draft uses) are configuration:
`TRACKER_ASSESSMENT_RULES` (`settings().assessment_rules`, checked at start-up: a default
outside its range stops the start). This module holds what is not configuration: each rule's
name, whether the system measures it, its unit, and the passage of the plan it comes from
(芜湖华衍 2022 年提升用水营商环境行动方案（修订版）五（六）、五（七）).

A rule that is not measured is discretionary: the assessor adds its items by hand; the rule
table still carries it with its range so that the assessor's choice can be checked.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..settings import settings

POINTS = "points"
BONUS_PERCENT = "percent_of_bonus"  # 督查办: a share of the department's monthly bonus


@dataclass(frozen=True)
class Rule:
    """One assessment rule: its code, words, unit and source passage."""

    code: str
    name_zh: str
    name_en: str
    measured: bool
    seed: str  # the passage of the plan, quoted
    unit: str = POINTS
    referred: bool = False  # 按督查程序给予处罚: the item is referred to 督查


CATALOGUE: tuple[Rule, ...] = (
    Rule("duty_not_done", "未按要求完成本职工作", "Duty not done as required", False,
         "五（六）1：未按要求完成本职工作，一例扣2~5分，性质严重，按督查程序给予处罚"),
    Rule("step_overdue", "超过办理时限", "Step past its limit", True,
         "五（六）1：超过办理时限，一份工单扣2~5分"),
    # Reading chosen: "超时严重，导致总时长超时，按督查程序给予处罚" names no points; the whole
    # application running late is flagged `referred` (to 督查) and charged the configured
    # default (0 unless configured) to the department(s) whose time ran it out.
    Rule("overdue_serious", "超时严重，导致总时长超时", "Serious lateness: the whole application late",
         True, "五（六）1：超时严重，导致总时长超时，按督查程序给予处罚", referred=True),
    Rule("system_misuse", "未按报装系统要求操作或逻辑不符", "System not used as required, or inconsistent",
         False, "五（六）1：未按报装系统要求操作或逻辑不符，一份工单扣2~5分"),
    Rule("system_correction", "不符合要求，造成报装系统修改", "Non-compliance forcing a system correction",
         False, "五（六）1：不符合要求，造成报装系统修改的，一份工单扣2~5分"),
    Rule("callback_dissatisfied", "公司客户回访不满意", "Company callback: not satisfied", True,
         "五（六）2：在公司客户回访中，发生一例不满意扣2分"),
    Rule("government_survey_dissatisfied", "政府第三方调查不满意",
         "Government third-party survey: not satisfied", True,
         "五（六）2：在政府第三方调查中，出现一例不满意扣5分"),
    Rule("materials_delay", "材料空缺影响施工进度", "Materials shortage delaying construction", True,
         "五（六）3：若出现材料空缺影响施工进度的，一份工单扣2分"),
    Rule("meter_entry_late", "材料（水表）录入不及时", "Materials (meters) not entered in time", True,
         "五（六）3：出库材料（水表）需次日（含）前录入系统……材料（水表）录入不及时，一份工单扣1~2分"),
    Rule("ledger_check", "营商环境工作台账不符合要求", "Work ledger (台账) not as required", False,
         "五（六）4：营商报装专班对各部门营商环境工作台账每半年检查一次，对不符合要求的，扣 2~5 分"),
    # The problem library (整改提升, 问题库) is the plan's "本职工作" too: a problem stage past
    # its limit is charged like a step past its limit (五（六）1, 一份工单扣2~5分).
    Rule("problem_overdue", "问题整改超过时限", "Problem not handled in time", True,
         "五（六）1：超过办理时限，一份工单扣2~5分（问题库各阶段时限）"),
    Rule("by_analogy", "参照相近内容考核", "Unlisted item, assessed by analogy", False,
         "五（六）5：对上述未列出的、造成不利后果的行为，参照相近内容，进行考核"),
    Rule("inspection_deduction", "督查办扣除月度绩效奖并通报",
         "Inspection office: share of the monthly bonus deducted, with a notice", False,
         "五（七）：督查办……对严重不符合要求的，按 5%~50%的比例扣除部门月度绩效奖，并给予通报",
         unit=BONUS_PERCENT),
)
RULES: dict[str, Rule] = {rule.code: rule for rule in CATALOGUE}

# materials_delay is measured by the pauses recorded when construction waits for stock
# (pause_reasons.yaml), charged to the department that keeps that stock: 五（六）3 names
# "采购中心、水表检定站" for "各种规格材料（水表）": materials to procurement, meters to the station.
SHORTAGE_DEPARTMENTS = {"materials_shortage": "procurement", "meter_shortage": "meter_station"}


def rule_range(code: str) -> tuple[float, float]:
    """(min, max) of a rule as configured."""
    low, high = settings().assessment_rules[code]["range"]
    return float(low), float(high)


def rule_default(code: str) -> float:
    """The points (or bonus percent) the draft charges for one occurrence."""
    return float(settings().assessment_rules[code]["default"])


def rule_numbers(code: str) -> tuple[float, float, float]:
    """(min, max, default) of a rule: rule_range and rule_default with one look-up of the
    settings (the draft makes thousands of items; `settings()` goes through the app proxy)."""
    rule = settings().assessment_rules[code]
    low, high = rule["range"]
    return float(low), float(high), float(rule["default"])


def rule_table() -> dict[str, dict[str, Any]]:
    """Every rule with its configured range and default, its names, unit and whether the
    system measures it (the report's `points.rules`)."""
    table = {}
    for rule in CATALOGUE:
        low, high = rule_range(rule.code)
        table[rule.code] = {"range": [low, high], "default": rule_default(rule.code),
                            "name_zh": rule.name_zh, "name_en": rule.name_en,
                            "measured": rule.measured, "unit": rule.unit,
                            "referred": rule.referred, "source": rule.seed}
    return table
