"""HTML → PDF with WeasyPrint (Debian's Pango, fonts-noto-cjk), and QR codes as inline SVG.

The print stylesheet names the CJK font ("Noto Sans CJK SC"); without it Chinese renders as
boxes. Pages use the same templates and stylesheet for the print view in a browser, so what
is printed from the page and the PDF look alike.
"""
from __future__ import annotations

from pathlib import Path

import segno
from flask import has_request_context, render_template, request
from markupsafe import Markup

from ..settings import settings

STATIC = Path(__file__).parent / "static"
PRINT_CSS = STATIC / "print.css"


def qr_svg(url: str, scale: int = 3) -> Markup:
    """A QR code of `url` as an inline <svg> element (no data: URL, no script, no style)."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=scale, border=2, dark="#000", light="#fff"))


def public_url(path: str) -> str:
    """An absolute link to a public page: TRACKER_PUBLIC_URL, else the address this request
    came to (a QR code printed at the counter must open from a customer's phone)."""
    base = settings().public_url or (
        request.host_url if has_request_context() else "http://127.0.0.1:8000/")
    return base.rstrip("/") + path


def render_pdf(template: str, **context: object) -> bytes:
    """Render a print template (pdf=True: no toolbar, no links to the page) to PDF bytes."""
    # A third-party library loaded on first use (as cli/jobs.py loads APScheduler's blocking
    # scheduler): WeasyPrint with Pango takes about as long to import as the whole app, which
    # every CLI command and worker start would otherwise pay. No tracker module is involved.
    from weasyprint import CSS, HTML

    html = render_template(template, pdf=True, **context)
    return HTML(string=html, base_url=str(STATIC)).write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS))])
