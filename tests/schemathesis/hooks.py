"""Schemathesis hooks for paydesk's API conformance run (tests/it/conformance.rs).

The intake takes a screenshot: a real PNG, JPEG or WebP image. Random bytes
are (rightly) refused, so a request the document calls valid needs a real
image: this registers small, valid PNGs of a few sizes for `image/png`.
"""
import re
import struct
import uuid
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




@schemathesis.hook
def map_headers(ctx, headers):
    """A client sends a new Idempotency-Key with each new request (the same
    one only when it retries that request). Generated keys repeat (the
    fuzzer likes "0"), which would make different requests share a key; a
    well-formed generated key is replaced by a fresh one. Malformed keys are
    sent as generated. (Replays, conflicts and keys in flight have their own
    tests: tests/it/api_contract.rs.)"""
    if headers and "Idempotency-Key" in headers:
        value = headers["Idempotency-Key"]
        if isinstance(value, str) and re.fullmatch(r'[!#-~]{1,255}|"[!#-~]{1,255}"', value):
            headers["Idempotency-Key"] = str(uuid.uuid4())
    return headers


# A negative case (a request schemathesis made to break the document) is not
# counted as wrongly accepted when the form it actually sent is valid against
# the whole schema: the city "false" is text, a symptom changed to another
# symptom is still a request the document allows. schemathesis 4.32.5 makes
# that judgement in `_form_body_is_valid_as_sent`, but for a multipart form
# it reads a repeated field (checks_tried, an array) as one of its values
# and a file part as bytes no JSON Schema validator takes, so every filing
# counts as "not valid as sent". Here the sent form is read as the server
# reads it (the array's every value, the file as the string it is in the
# document) when the original judgement says no.
from schemathesis.specs.openapi import checks as _checks

_form_body_is_valid_as_sent = _checks._form_body_is_valid_as_sent


def _valid_as_sent(response, case, media_type):
    if _form_body_is_valid_as_sent(response, case, media_type):
        return True
    if not _checks.media_types.is_multipart(media_type) or not isinstance(case.body, dict):
        return False
    fields = _checks._sent_form_fields(response, media_type)
    body = case.operation.get_body_for_media_type(media_type)
    if fields is None or body is None:
        return False
    properties = body.optimized_schema.get("properties", {})
    sent = {}
    for name, texts in fields.items():
        declared = properties.get(name, {})
        if None in texts:
            sent[name] = "(file)"
        elif declared.get("type") == "array":
            sent[name] = list(texts)
        else:
            sent[name] = texts[0]
    validator = _checks.make_validator(
        body.optimized_schema, _checks._get_openapi_schema(case).adapter.jsonschema_validator_cls
    )
    return validator.is_valid(sent)


_checks._form_body_is_valid_as_sent = _valid_as_sent
