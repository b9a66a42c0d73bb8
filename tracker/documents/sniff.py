"""A file's type from its first bytes (magic numbers), never from its name or the browser."""
from __future__ import annotations

from pathlib import PurePath

# ISO base media "ftyp" brands of HEIF images (phones' HEIC photos).
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}
_HEIF_BRANDS = {b"mif1", b"msf1"}

# What a file name's extension claims; a claim the content contradicts is refused.
EXTENSIONS = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".jpe": "image/jpeg", ".png": "image/png",
    ".pdf": "application/pdf", ".webp": "image/webp", ".heic": "image/heic",
    ".heif": "image/heif", ".hif": "image/heif",
}
# The same format under two names (a HEIF brand inside a .heic file, and the reverse).
SAME = {frozenset({"image/heic", "image/heif"})}
LABELS = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF",
          "image/webp": "WebP", "image/heic": "HEIC", "image/heif": "HEIF"}
HEAD_BYTES = 32


def sniff(head: bytes) -> str | None:
    """The MIME type of a file starting with `head` (at least 16 bytes), or None if unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIC_BRANDS:
            return "image/heic"
        if brand in _HEIF_BRANDS:
            return "image/heif"
    return None


def claimed_type(filename: str) -> str | None:
    """The type a file name's extension claims, if it is one we know."""
    return EXTENSIONS.get(PurePath(filename).suffix.lower())


def agrees(claimed: str | None, actual: str) -> bool:
    """A name without a known extension claims nothing; otherwise it must match the content."""
    return claimed is None or claimed == actual or frozenset({claimed, actual}) in SAME


def extension_for(content_type: str) -> str:
    """The usual extension of a type (for download names)."""
    return next((ext for ext, kind in EXTENSIONS.items() if kind == content_type), "")
