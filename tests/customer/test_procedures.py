"""The published procedures (003 五(一)): each flow's steps, limits, documents and fees, from
the flow files, on a public page."""
from __future__ import annotations

import re


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_procedures_page_is_generated_from_the_flow_files(app, client):
    response = client.get("/procedures")
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    flow_201 = text[text.index("常规用水报装“201”流程"):text.index("用水报装“211”模式")]
    assert "时限 1 个工作日" in flow_201 and "外线" not in flow_201  # 003 三(二)1: unconditional
    assert "所需材料 无" in flow_201 and "收费 免费" in flow_201
    assert "计量装置和建筑区划红线外用水报装不收费" in flow_201
    assert "申请受理 当日下班前" in flow_201 and "挂表通水 0.5 个工作日" in flow_201
    assert "资料归档" not in text  # follow-up paperwork is not a customer's step
    flow_101 = text[text.index("前置服务"):text.index("常规用水报装“201”流程")]
    assert "收费 免费" in flow_101 and "无需申请" in flow_101
    flow_211 = text[text.index("用水报装“211”模式"):]
    assert "给水工程安装审批表（客户代表协助填写）" in flow_211
    assert "收费 请咨询营业厅" in flow_211  # seeds/004 states no fee: none is invented


def test_a_fee_in_a_flow_file_is_validated(tmp_path):
    import pytest

    from tracker.steps import FlowFileError, load_flows
    from tracker.steps.loader import FLOWS_DIR

    source = (FLOWS_DIR / "201.yaml").read_text(encoding="utf-8")
    (tmp_path / "201.yaml").write_text(source.replace("  fee: 0\n", "  fee: -5\n"),
                                       encoding="utf-8")
    with pytest.raises(FlowFileError, match=r"published.fee: a fee cannot be negative"):
        load_flows(tmp_path)
