"""Attachments: stored whole or not at all, typed from their content, never deleted."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from tests.fixtures.api import table_counts
from tests.fixtures.app import local
from tests.fixtures.documents import HEIC_HEAD, jpeg_bytes, multipart, pdf_bytes, png_bytes
from tracker.extensions import db
from tracker.settings import reconfigure


def test_an_upload_round_trips_byte_for_byte(app, doc_api, frozen, tmp_path):
    number = doc_api.create()
    # Larger than several chunks, and not a multiple of the chunk size.
    content = pdf_bytes(3 * 256 * 1024 + 12345, seed=7)
    body = doc_api.upload(number, content, "施工图.pdf", step="archive", kind="施工图")
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert (body["size"], body["content_type"]) == (len(content), "application/pdf")
    assert (body["step"], body["kind"], body["filename"]) == ("archive", "施工图", "施工图.pdf")
    assert body["uploaded_by"] == "clerk1" and body["current"] is True
    listed = doc_api.json("get", f"/api/v1/applications/{number}/attachments")
    assert [a["id"] for a in listed] == [body["id"]]
    response = doc_api.call("get", f"/api/v1/applications/{number}/attachments/{body['id']}")
    assert response.get_data() == content
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Length"] == str(len(content))
    assert response.headers["ETag"] == f'"{body["sha256"]}"'
    again = doc_api.call("get", f"/api/v1/applications/{number}/attachments/{body['id']}", 304,
                         headers={**doc_api.headers, "If-None-Match": f'"{body["sha256"]}"'})
    assert again.get_data() == b""
    photo = jpeg_bytes(tmp_path)
    assert doc_api.upload(number, photo, "IMG_0001.JPG")["content_type"] == "image/jpeg"
    assert doc_api.upload(number, png_bytes(), "scan")["content_type"] == "image/png"
    assert doc_api.upload(number, HEIC_HEAD + b"\0" * 100, "IMG_0002.HEIC")["content_type"] \
        == "image/heic"
    got = doc_api.call("get", f"/api/v1/applications/{number}/attachments/{body['id'] + 1}")
    assert got.get_data() == photo
    events = doc_api.json("get", f"/api/v1/applications/{number}/events")
    attached = [e for e in events if e["action"] == "document.attached"]
    assert attached[0]["data"]["sha256"] == body["sha256"] and len(attached) == 4


def test_a_file_whose_content_is_not_what_its_name_says_is_refused(app, doc_api):
    number = doc_api.create()
    before = table_counts(app)
    body = doc_api.upload(number, png_bytes(), "验收单.pdf", status=422)
    assert body["message"] == "文件名为 验收单.pdf，但内容是 PNG，不是 PDF。"
    assert body["errors"] == {"file": ["文件未被接受。"]}
    body = doc_api.upload(number, b"MZ\x90\x00 not a photo at all" * 10, "photo.jpg", status=422)
    assert body["message"] == "不接受此类文件，请上传：JPEG, PNG, HEIC, HEIF, WebP, PDF。"
    body = doc_api.upload(number, b"", "empty.pdf", status=422)
    assert body["message"] == "文件为空。"
    body = doc_api.upload(number, pdf_bytes(5000)[:-8], "cut.pdf", status=422)
    assert "不完整" in body["message"]
    english = doc_api.post_file(f"/api/v1/applications/{number}/attachments", png_bytes(),
                                "x.pdf", 422, headers={"Accept-Language": "en"}).get_json()
    assert english["message"] == "The file is named x.pdf but its content is PNG, not PDF."
    assert table_counts(app) == before  # nothing half-stored, nothing logged


def test_size_and_type_limits_come_from_the_configuration(app, doc_api):
    number = doc_api.create()
    reconfigure(app, TRACKER_ATTACHMENT_MAX_BYTES=300 * 1024,
                TRACKER_ATTACHMENT_TYPES="application/pdf")
    before = table_counts(app)
    body = doc_api.upload(number, pdf_bytes(290 * 1024), "ok.pdf")
    assert body["size"] == 290 * 1024
    middle = table_counts(app)
    # Past the limit but within the request envelope: read, refused, every chunk rolled back.
    body = doc_api.upload(number, pdf_bytes(320 * 1024), "big.pdf", status=422)
    assert body["message"] == "文件超过 0.29 MB。"
    # Far past it: refused before the body is read.
    doc_api.upload(number, pdf_bytes(2 * 1024 * 1024), "huge.pdf", status=413)
    body = doc_api.upload(number, png_bytes(), "scan.png", status=422)
    assert body["message"] == "不接受此类文件，请上传：PDF。"
    after = table_counts(app)
    assert after == middle and after["document_chunks"] == before["document_chunks"] + 2


def test_a_replaced_file_stays_in_the_history(app, doc_api):
    number = doc_api.create()
    first = doc_api.upload(number, pdf_bytes(1000, 1), "开工报告.pdf", kind="开工报告",
                           step="meter_install")
    second = doc_api.upload(number, pdf_bytes(1000, 2), "开工报告-改.pdf", replaces=first["id"])
    assert (second["kind"], second["step"], second["replaces"]) == ("开工报告", "meter_install",
                                                                   first["id"])
    listed = {a["id"]: a for a in doc_api.json("get", f"/api/v1/applications/{number}/attachments")}
    assert listed[first["id"]]["current"] is False and listed[first["id"]]["replaced_at"]
    assert listed[second["id"]]["current"] is True
    old = doc_api.call("get", f"/api/v1/applications/{number}/attachments/{first['id']}")
    assert old.get_data() == pdf_bytes(1000, 1)  # the replaced file is still there
    body = doc_api.upload(number, pdf_bytes(1000, 3), "again.pdf", replaces=first["id"],
                          status=422)
    assert body["errors"]["replaces"] == ["已被替换，请替换最新的文件。"]


def test_bad_targets_and_roles_are_refused(app, doc_api, client, make_user):
    number = doc_api.create()
    other = doc_api.create()
    mine = doc_api.upload(number, png_bytes(), "a.png")
    body = doc_api.upload(number, png_bytes(), "a.png", step="nope", status=422)
    assert body["errors"] == {"step": ["该流程没有这个环节。"]}
    body = doc_api.upload(number, png_bytes(), "a.png", subject_type="callback",
                          subject_id=1, status=422)
    assert body["errors"] == {"subject_id": ["在该申请下未找到。"]}
    doc_api.call("get", f"/api/v1/applications/{other}/attachments/{mine['id']}", 404)
    doc_api.call("post", f"/api/v1/applications/{number}/attachments", 422, data={})
    _, token = make_user("auditor", department=None)
    auditor = {"Authorization": f"Bearer {token}"}
    body, content_type = multipart(png_bytes(), "a.png")
    response = client.post(f"/api/v1/applications/{number}/attachments", headers=auditor,
                           data=body, content_type=content_type)
    assert response.status_code == 403
    assert client.get(f"/api/v1/applications/{number}/attachments/{mine['id']}",
                      headers=auditor).status_code == 200


def test_problem_evidence_is_attached_without_an_application(app, doc_api, make_user):
    problem = doc_api.json("post", "/api/v1/problems", {
        "source": "officer", "description": "客户反映报装进度查询不到",
        "department": "connection_team"}, 201)
    with app.app_context():
        problem_id = db.session.scalar(sa.text("SELECT id FROM problems WHERE number = :n"),
                                       {"n": problem["number"]})
        db.session.remove()
    response = doc_api.post_file(f"/api/v1/attachments/problem/{problem_id}", png_bytes(),
                                 "整改照片.png", stage="rectify", kind="整改佐证")
    body = response.get_json()
    assert (body["subject_type"], body["subject_id"], body["stage"]) == ("problem", problem_id,
                                                                         "rectify")
    listed = doc_api.json("get", f"/api/v1/attachments/problem/{problem_id}")
    assert [a["id"] for a in listed] == [body["id"]]
    assert doc_api.call("get", f"/api/v1/attachments/{body['id']}").get_data() == png_bytes()
    doc_api.post_file("/api/v1/attachments/problem/999999", png_bytes(), "x.png", 404)


def test_callback_and_home_visit_evidence_belongs_to_its_subject(app, doc_api, frozen):
    frozen(local(2026, 10, 12, 9, 0))
    number = doc_api.create("101", requested_at="2026-10-12T10:00:00+08:00")
    doc_api.upload(number, png_bytes(), "验收.png", kind="客户验收确认单")
    doc_api.step(number, "meter_install")  # water on: the callback (回访) opens
    with app.app_context():
        callback_id = db.session.scalar(sa.text("SELECT id FROM callbacks"))
        db.session.remove()
    body = doc_api.upload(number, pdf_bytes(1200), "回访录音记录.pdf", kind="回访佐证",
                          subject_type="callback", subject_id=callback_id)
    assert (body["subject_type"], body["subject_id"]) == ("callback", callback_id)
    body = doc_api.upload(number, png_bytes(), "x.png", subject_type="followup", subject_id=1,
                          status=422)
    assert body["errors"] == {"subject_id": ["在该申请下未找到。"]}


def test_replacing_a_file_needs_the_version_just_read(app, doc_api):
    """A new file is a create; a replacement changes the attachment it replaces."""
    number = doc_api.create()
    first = doc_api.upload(number, pdf_bytes(1000, 1), "开工报告.pdf", kind="开工报告",
                           step="meter_install")
    url = f"/api/v1/applications/{number}/attachments"
    before = doc_api.json("get", url), table_counts(app)
    refused = doc_api.post_file(url, pdf_bytes(1000, 2), "改.pdf", status=428,
                                headers={"Accept-Language": "en"}, replaces=first["id"])
    assert refused.get_json()["message"].startswith("Say which version you are changing")
    stale = doc_api.post_file(url, pdf_bytes(1000, 2), "改.pdf", status=412,
                              headers={"If-Match": '"0"'}, replaces=first["id"])
    assert stale.get_json()["current"]["number"] == number
    assert (doc_api.json("get", url), table_counts(app)) == before
    etag = doc_api.call("get", f"/api/v1/applications/{number}").headers["ETag"]
    second = doc_api.post_file(url, pdf_bytes(1000, 2), "改.pdf", headers={"If-Match": etag},
                               replaces=first["id"]).get_json()
    assert second["replaces"] == first["id"]
