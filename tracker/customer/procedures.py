"""The published procedures (办事指南; the Wuhu action plan, 五(一)
"向社会公开装接水流程、办理时限和收费标准"): each current flow's steps, limits, the documents the
customer brings and the fee, generated from the flow files (their stored current versions)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..i18n import pick
from ..services.flows import current_versions, definition_of
from ..web.formatting import rule_text


@dataclass
class PublishedStep:
    name: str
    limit: str
    description: str


@dataclass
class PublishedFlow:
    code: str
    name: str
    description: str
    whole_limit: str
    steps: list[PublishedStep] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    fee: float | None = None
    fee_note: str = ""
    online: bool = True  # the customer may ask for it by online appointment


def published_flows(lang: str) -> list[PublishedFlow]:
    """Every current flow as the public page shows it, in `lang`."""
    flows = []
    for row in current_versions().values():
        flow = definition_of(row)
        published = flow.published
        documents: list[str] = []
        if published is not None:  # English names where the flow file gives them
            documents = list(pick(published.documents_zh,
                                  published.documents_en or published.documents_zh, lang))
        flows.append(PublishedFlow(
            code=flow.code, name=pick(flow.name_zh, flow.name_en, lang),
            description=pick(flow.description_zh, flow.description_en, lang),
            whole_limit=rule_text(flow.whole_limit, flow),
            steps=[PublishedStep(pick(s.name_zh, s.name_en, lang), rule_text(s.limit, flow),
                                 pick(s.description_zh, s.description_en, lang))
                   for s in flow.customer_steps],
            documents=documents, fee=published.fee if published else None,
            fee_note=pick(published.fee_note_zh, published.fee_note_en, lang) if published else "",
            # 101 starts from a government platform's push, not from the customer.
            online=flow.whole_clock_starts != "requested"))
    return flows
