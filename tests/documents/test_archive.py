"""The archive is checked: a step that lists documents (`materials` in its flow file) cannot
be completed until each is attached, held by the system, or marked not applicable."""
from __future__ import annotations

from tests.fixtures.api import table_counts
from tests.fixtures.app import local
from tests.fixtures.documents import multipart, pdf_bytes, png_bytes
from tests.fixtures.web import csrf_token
from tracker.config import Config, DevelopmentConfig
from tracker.settings import reconfigure


def _to_archive(doc_api, number: str, clock) -> None:
    """201 up to its archive step: documents of the earlier steps attached as they go."""
    doc_api.upload(number, png_bytes(), "勘察.png", kind="现场勘察记录")
    doc_api.upload(number, pdf_bytes(900, 1), "方案.pdf", kind="设计方案（客户确认）")
    doc_api.step(number, "survey")
    doc_api.step(number, "municipal_approval", "skip", note="无需占道")
    doc_api.step(number, "meter_stock_entry", "start")
    doc_api.step(number, "meter_stock_entry")
    doc_api.step(number, "meter_install", "start")
    doc_api.upload(number, pdf_bytes(900, 2), "开工报告.pdf", kind="开工报告")
    doc_api.upload(number, png_bytes(), "验收签字.png", kind="客户验收确认单")
    clock.move_to(local(2026, 10, 12, 14, 0))
    doc_api.step(number, "meter_install")
    doc_api.step(number, "system_entry")


def _states(doc_api, number: str, step: str) -> dict[str, str]:
    steps = doc_api.json("get", f"/api/v1/applications/{number}/documents")
    found = next(s for s in steps if s["step"] == step)
    return {d["material"]: d["state"] for d in found["documents"]}


def test_the_archive_step_refuses_completion_with_a_document_missing(app, doc_api, frozen):
    clock = frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create()
    _to_archive(doc_api, number, clock)
    assert _states(doc_api, number, "archive") == {
        "客户预约报装信息": "missing", "受理通知单": "on_record", "施工图": "missing",
        "市政联合审批回执（如有）": "not_needed", "开工报告": "present", "客户验收确认单": "present"}
    before = table_counts(app)
    body = doc_api.step(number, "archive", status=409)
    assert body["message"] == ("本环节缺少资料：客户预约报装信息、施工图。"
                               "请上传，或注明原因标记为不适用。")
    assert body["current"]["steps"][-1]["status"] == "ready"
    assert table_counts(app) == before  # refused: nothing changed, nothing logged
    doc_api.upload(number, pdf_bytes(3000, 9), "施工图.pdf", kind="施工图", step="archive")
    body = doc_api.step(number, "archive", status=409)
    assert "客户预约报装信息" in body["message"] and "施工图" not in body["message"]
    body = doc_api.waive(number, "客户预约报装信息", reason="", status=422)
    assert body["errors"] == {"reason": ["请说明该资料不适用的原因。"]}
    doc_api.waive(number, "不存在的资料", status=422)
    waived = doc_api.waive(number, "客户预约报装信息", reason="窗口受理，客户未网上预约")
    assert (waived["state"], waived["reason"]) == ("waived", "窗口受理，客户未网上预约")
    doc_api.waive(number, "客户预约报装信息", status=409)  # once is enough
    body = doc_api.step(number, "archive")
    assert body["steps"][-1]["status"] == "done"
    actions = [e["action"] for e in doc_api.json("get", f"/api/v1/applications/{number}/events")]
    assert actions.count("document.attached") == 5 and actions[-2:] == ["document.waived",
                                                                         "step.completed"]


def test_water_on_waits_for_the_signed_acceptance(app, doc_api, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create("101", requested_at="2026-10-12T10:00:00+08:00")
    body = doc_api.step(number, "meter_install", status=409)
    assert body["message"] == "本环节缺少资料：客户验收确认单。请上传，或注明原因标记为不适用。"
    doc_api.upload(number, png_bytes(), "验收.png", kind="客户验收确认单")
    assert doc_api.step(number, "meter_install")["status"] == "completed"


def test_a_replaced_document_still_counts_once_replaced(app, doc_api, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create("101", requested_at="2026-10-12T10:00:00+08:00")
    first = doc_api.upload(number, png_bytes(), "验收.png", kind="客户验收确认单")
    doc_api.upload(number, png_bytes(rgb=(1, 2, 3)), "验收2.png", replaces=first["id"])
    assert _states(doc_api, number, "meter_install") == {"客户验收确认单": "present"}


def test_the_archive_waits_for_documents_accepted_as_missing(app, doc_api, frozen):
    clock = frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create(missing_materials=["产权证明"], materials_promised_on="2026-10-14")
    _to_archive(doc_api, number, clock)
    doc_api.upload(number, pdf_bytes(900, 5), "施工图.pdf", kind="施工图")
    doc_api.waive(number, "客户预约报装信息", reason="窗口受理")
    body = doc_api.step(number, "archive", status=409)
    assert body["message"] == "容缺受理的材料尚未补齐，不能归档：产权证明。"
    version = doc_api.json("get", f"/api/v1/applications/{number}")["version"]
    doc_api.json("post", f"/api/v1/applications/{number}/materials/supplied",
                 {"version": version})
    assert doc_api.step(number, "archive")["steps"][-1]["status"] == "done"


def test_the_check_is_on_in_production_and_can_be_turned_off(app, doc_api, frozen):
    assert Config.TRACKER_REQUIRE_DOCUMENTS is True and DevelopmentConfig.TRACKER_REQUIRE_DOCUMENTS
    frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create("101", requested_at="2026-10-12T10:00:00+08:00")
    reconfigure(app, TRACKER_REQUIRE_DOCUMENTS=False)  # a utility still moving off paper
    assert doc_api.step(number, "meter_install")["status"] == "completed"


def test_the_application_page_shows_each_steps_documents(app, client, doc_api, web_login,
                                                         frozen):
    frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create("101", requested_at="2026-10-12T10:00:00+08:00")
    web_login("engineer")
    page = client.get(f"/applications/{number}").get_data(as_text=True)
    section = page[page.index('id="documents"'):]
    assert "客户验收确认单" in section and "缺少" in section and "施工图" in section
    assert 'capture="environment"' in section
    # Attached from the page: a file that is not what its name says is refused on the page.
    body, content_type = multipart(png_bytes(), "验收.jpg", kind="客户验收确认单",
                                   csrf_token=csrf_token(page), replaces="")
    refused = client.post(f"/applications/{number}/attachments", data=body,
                          content_type=content_type)
    assert refused.status_code == 422
    assert "文件名为 验收.jpg，但内容是 PNG，不是 JPEG。" in refused.get_data(as_text=True)
    body, content_type = multipart(png_bytes(), "验收.png", kind="客户验收确认单",
                                   csrf_token=csrf_token(page), replaces="")
    done = client.post(f"/applications/{number}/attachments", data=body,
                       content_type=content_type)
    assert done.status_code == 302
    page = client.get(f"/applications/{number}").get_data(as_text=True)
    step = page[page.index('id="step-meter_install"'):page.index('id="step-system_entry"')]
    assert "✔ 客户验收确认单" in step


def test_a_waiver_needs_the_version_just_read(doc_api, needs_read_version):
    number = doc_api.create()
    application = f"/api/v1/applications/{number}"
    waived = needs_read_version(f"{application}/documents", "waivers",
                                {"material": "客户预约报装信息", "reason": "窗口受理"},
                                status=201, read=application)
    assert (waived["state"], waived["reason"]) == ("waived", "窗口受理")
