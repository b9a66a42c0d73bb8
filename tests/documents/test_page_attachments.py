"""documents.queries.page_attachments (plain rows, the application page's documents section,
step lines and upload form) gives what attachments_of gave, field by field: every file
oldest first, replaced ones too (current False), the uploader's label."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures.documents import pdf_bytes, png_bytes
from tracker.extensions import db
from tracker.models import Application

FIELDS = ("id", "kind", "filename", "content_type", "size", "sha256", "uploaded_at",
          "replaced_at", "current")


def test_page_rows_are_the_attachments(app, doc_api):
    number = doc_api.create("201")
    first = doc_api.upload(number, pdf_bytes(1000, 1), "开工报告.pdf", kind="开工报告")
    doc_api.upload(number, pdf_bytes(1000, 2), "开工报告-改.pdf", replaces=first["id"])
    doc_api.upload(number, png_bytes(), "现场 <1>.png", kind="photo")
    with app.app_context():
        from tracker.documents.queries import attachments_of, page_attachments

        application = db.session.scalar(sa.select(Application).where(
            Application.number == number))
        expected, found = attachments_of(application), page_attachments(application)
        assert len(found) == 3 and [a.current for a in found].count(False) == 1
        for old, new in zip(expected, found, strict=True):
            assert [getattr(new, f) for f in FIELDS] == [getattr(old, f) for f in FIELDS]
            assert (new.uploaded_by and new.uploaded_by.label) == \
                (old.uploaded_by and old.uploaded_by.label)
        db.session.remove()


def test_the_page_draws_the_rows_as_it_drew_the_attachments(app, client, doc_api, monkeypatch):
    from tests.fixtures.web import login
    from tests.web.test_pages_same_html import normalised
    from tracker.documents import queries

    number = doc_api.create("201")
    first = doc_api.upload(number, pdf_bytes(1000, 1), "开工报告.pdf", kind="开工报告")
    doc_api.upload(number, pdf_bytes(1000, 2), "开工报告-改.pdf", replaces=first["id"])
    doc_api.upload(number, png_bytes(), "现场 <1>.png", kind="photo")
    doc_api.waive(number, "施工图")
    assert login(client, "clerk1", "correct-horse-9").status_code == 302
    drawn = normalised(client.get(f"/applications/{number}").get_data(as_text=True))
    monkeypatch.setattr(queries, "page_attachments", queries.attachments_of)
    before = normalised(client.get(f"/applications/{number}").get_data(as_text=True))
    assert drawn == before
    assert "现场 &lt;1&gt;.png" in drawn and "doc-history" in drawn


def test_waivers_read_as_rows_show_what_the_waivers_did(app, doc_api):
    from tracker.documents.models import MaterialWaiver
    from tracker.documents.queries import documents_by_step

    number = doc_api.create("201")
    doc_api.waive(number, "施工图", reason="本项目不涉及 <图>")
    with app.app_context():
        application = db.session.scalar(sa.select(Application).where(
            Application.number == number))
        stored = {w.material: w for w in db.session.scalars(sa.select(MaterialWaiver))}
        shown = [s for states in documents_by_step(application).values() for s in states
                 if s.state == "waived"]
        assert [s.material for s in shown] == ["施工图"]
        for state in shown:
            old = stored[state.material]
            assert (state.waiver.material, state.waiver.reason, state.waiver.waived_at,
                    state.waiver.waived_by.label) == (old.material, old.reason, old.waived_at,
                                                      old.waived_by.label)
        db.session.remove()
