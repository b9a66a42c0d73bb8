"""Demo data: the documents a step needs, filed as staff would before completing it (a scan
made here for each document, the appointment waived for window applications)."""
from __future__ import annotations

import io
import struct
import zlib
from functools import cache

from ..models import User
from ..services.applications import flow_of, get_application
from .commands import Upload, attach, waive
from .queries import documents_by_step


@cache
def _scan(material: str) -> bytes:
    """A small grey PNG standing in for the photographed document (a kilobyte, not a real
    scan: the demo files a thousand of them)."""
    width, height = 210, 297
    shade = 200 + sum(material.encode()) % 40
    rows = b"".join(b"\x00" + bytes([shade if 30 < y < 60 else 245] * width * 3)
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def file_documents(number: str, step_code: str, actor: User) -> None:
    """Attach or waive what the step still misses, so that the demo can complete it."""
    app = get_application(number)
    if not flow_of(app).step(step_code).materials:
        return
    for state in documents_by_step(app).get(step_code, []):
        if state.state != "missing":
            continue
        if state.material == "客户预约报装信息":
            waive(number, state.material, "窗口或电话受理，客户未网上预约", actor)
        else:
            attach(number, Upload(io.BytesIO(_scan(state.material)), f"{state.material}.png"),
                   actor, kind=state.material, step=step_code)
