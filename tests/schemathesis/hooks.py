"""Schemathesis hooks for paydesk's API conformance run (tests/it/conformance.rs).

The intake takes a screenshot: a real PNG, JPEG or WebP image. Random bytes
are (rightly) refused, so a request the document calls valid needs a real
image: this registers small, valid PNGs of a few sizes for `image/png`.
"""
import struct
import zlib

import schemathesis
from hypothesis import strategies as st


def png(width: int, height: int, shade: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes([shade, 255 - shade, 128]) * width
    raw = row * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


schemathesis.openapi.media_type(
    "image/png",
    st.sampled_from([png(1, 1, 0), png(64, 48, 90), png(360, 780, 200)]),
)
