"""Security headers on every response (pages, API, the customer's pages, files)."""
from __future__ import annotations

from flask import Flask, Response

# Scripts and styles only from our own files (no inline <script>, no on*= handlers, no eval,
# no <style> block or style attribute in a page); nothing may frame a page. The standalone
# report file and the PDFs embed their styles: they are never served as a page.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def install_security_headers(app: Flask) -> None:
    """Add the headers to every response; a response that sets its own (an attachment's
    sandboxing CSP) keeps it."""

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
