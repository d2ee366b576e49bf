"""bot/edge.py's own decoding of `payload=` bodies: the same text as the standard library's,
or no answer at all (Bolt then parses the body as it came)."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.edge import payload_json


@given(st.text())
def test_a_payload_field_decodes_to_exactly_what_the_standard_library_reads(text: str) -> None:
    for body in (urlencode({"payload": text}), urlencode({"payload": text}, quote_via=quote)):
        assert payload_json(body.encode("ascii")) == dict(parse_qsl(body, keep_blank_values=True))["payload"]


# Bytes that sit on the edges of both decodings: escapes valid and loose, '=' encoded both
# ways, a field ending mid-escape, and bytes that are not UTF-8.
_EDGY = st.lists(
    st.sampled_from([b"%", b"3", b"D", b"d", b"a", b"Z", b"+", b" ", b"%3D", b"%3d", b"%C3%A9", b"%FF", b"x"])
)


@given(_EDGY)
def test_any_payload_field_decodes_as_the_standard_library_reads_it_or_not_at_all(parts: list[bytes]) -> None:
    body = b"payload=" + b"".join(parts)
    decoded = payload_json(body)
    if decoded is not None:
        assert decoded == dict(parse_qsl(body.decode("ascii"), keep_blank_values=True))["payload"]


def test_a_loose_percent_anywhere_is_left_to_bolt() -> None:
    for body in (b"payload=%", b"payload=a%", b"payload=%4", b"payload=%%3D", b"payload=%3%3D", b"payload=50%25%"):
        assert payload_json(body) is None, body


@pytest.mark.parametrize(
    "body",
    [
        b"command=%2Fhire&text=status",  # a slash command: Bolt's parse
        b"payload=%7B%7D&extra=1",  # more than one field
        b"payload=a=b",  # a raw '=' would read as an escape
        b"payload=100%",  # a '%' without its two hex digits stays a '%' for the standard library
        b"payload=%zz",
        b"payload=line%0Abreak\n",  # a raw line break
        b"payload=%FF%FE",  # not UTF-8 once decoded
        b"payloadx=1",
    ],
)
def test_any_other_body_is_left_to_bolt(body: bytes) -> None:
    assert payload_json(body) is None
