"""Serving a stored file (streamed chunk by chunk, never read whole into memory) and the
printed documents as PDF: one answer for the API and the pages alike."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, request, stream_with_context

from ..i18n import current_language
from ..services.applications import get_application
from ..services.months import parse_month
from . import printed
from .models import Attachment
from .queries import iter_content

INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}


def file_response(row: Attachment, *, download: bool = False) -> Response:
    """The bytes of `row` with their checked type, length and SHA-256 as ETag."""
    etag = row.sha256
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(stream_with_context(iter_content(row)), mimetype=row.content_type,
                            direct_passthrough=True)
        response.content_length = row.size
    disposition = "inline" if row.content_type in INLINE_TYPES and not download else "attachment"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"attachment-{row.id}\"; filename*=UTF-8''{quote(row.filename)}")
    response.set_etag(etag)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # What customers and staff uploaded never runs as a page of this site.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    response.headers["X-Checksum-SHA256"] = row.sha256
    return response


def pdf_response(content: bytes, filename: str, *, download: bool = False) -> Response:
    response = Response(content, mimetype="application/pdf")
    disposition = "attachment" if download else "inline"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"document.pdf\"; filename*=UTF-8''{quote(filename)}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def acceptance_notice_pdf(number: str) -> Response:
    """The 受理通知单 of an application as PDF, in the request's language (API and page)."""
    app = get_application(number)
    return pdf_response(printed.render_acceptance_notice(app, current_language()),
                        f"受理通知单-{app.number}.pdf")


def missing_notice_pdf(number: str) -> Response:
    """The 一次性告知单 (容缺受理) as PDF; 409 when nothing was accepted as missing."""
    app = get_application(number)
    return pdf_response(printed.render_missing_documents_notice(app, current_language()),
                        f"一次性告知单-{app.number}.pdf")


def monthly_report_pdf(month: str) -> Response:
    """The monthly report as PDF: `?version=N` (an issued version) or `?live=1` (now)."""
    parsed = parse_month(month)
    content = printed.render_monthly_report(
        parsed, version=request.args.get("version", type=int),
        live=request.args.get("live") in ("1", "true", "yes"), lang=current_language())
    return pdf_response(content, f"monthly-report-{parsed.label}.pdf", download=True)
