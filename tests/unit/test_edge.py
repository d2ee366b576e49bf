"""bot/edge.py's own decoding of `payload=` bodies: the same text as the standard library's,
or no answer at all (Bolt then parses the body as it came)."""

from __future__ import annotations

import io
import json
import time
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.request import request as bolt_request
from slack_sdk.signature import SignatureVerifier

from bot.edge import RequestGuard, decoded_payload, payload_json

SECRET = "edge-test-secret"


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


# JSON as Slack sends it: objects of strings, numbers, booleans, nulls, lists and objects.
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), _JSON, max_size=6))
def test_a_payload_object_is_read_as_the_standard_library_reads_it(obj: dict) -> None:
    for ascii_only in (True, False):
        body = urlencode({"payload": json.dumps(obj, ensure_ascii=ascii_only)}).encode("ascii")
        assert decoded_payload(body) == json.loads(dict(parse_qsl(body.decode(), keep_blank_values=True))["payload"])


@pytest.mark.parametrize(
    "body",
    [b"payload=%5B1%2C2%5D", b"payload=1", b"payload=%7Bnot-json", b"payload=NaN", b"command=%2Fhire&text=status"],
)
def test_a_payload_that_is_no_json_object_is_left_to_bolt(body: bytes) -> None:
    assert decoded_payload(body) is None


def _signed_environ(body: bytes) -> dict:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body.decode())
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": signature,
        "wsgi.input": io.BytesIO(body),
    }


def test_bolt_gets_a_submissions_payload_already_read_and_parses_nothing(monkeypatch) -> None:
    view = {"type": "modal", "callback_id": "scorecard", "private_metadata": '{"interview": 7}', "title": "é & <b>"}
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"}, "view": view}
    body = urlencode({"payload": json.dumps(payload)}).encode()

    def no_parsing(*_args: object) -> None:
        raise AssertionError("Bolt parsed a body the edge had read")

    monkeypatch.setattr(bolt_request, "parse_body", no_parsing)
    request = RequestGuard(SECRET).admit(_signed_environ(body))
    assert request.body == payload
    assert request.context.user_id == "U1"  # Bolt's context is built from the object


def test_a_slash_command_is_still_parsed_by_bolt() -> None:
    body = urlencode({"command": "/hire", "text": "status", "user_id": "U1", "team_id": "T1"}).encode()
    request = RequestGuard(SECRET).admit(_signed_environ(body))
    assert request.body["text"] == "status" and request.context.user_id == "U1"
