"""What an unauthenticated POST to /slack/events may cost: a capped read and an HMAC.

Bolt parses a body before it checks the signature (a malformed one is a 500 with a
traceback), reads any size into memory, and logs the whole body when the check fails. So the
body is read here first, at most MAX_BODY_BYTES of it, and its signature is checked on the
raw bytes; only a signed, well-formed request is handed to Bolt. A refusal is one short log
line with the reason and the size, never the body.

Having checked the signature, the edge also decodes an interactive request's form body itself
(`payload_json`): Bolt's own parse unquotes it in a Python loop, which was a sixth of
hirebot's CPU under load. It then reads that JSON with orjson and hands Bolt the object
(`decoded_payload`): the standard library's decoder, on the 10-40 KB view a scorecard
submission echoes, was the largest single function in the load's profile. So the Bolt app
behind this edge runs without its own signature check (bot/web.py): the body it would hash is
no longer the bytes Slack signed, and checking them twice was a second HMAC over every body.
"""

from __future__ import annotations

import binascii
import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import orjson
from slack_bolt import BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_sdk.signature import Clock, SignatureVerifier

log = logging.getLogger(__name__)

# Slack's requests are small: the largest, a view submission, echoes the whole modal (at most
# 100 blocks) with its state, tens of kilobytes even URL-encoded. A megabyte is far above
# anything Slack sends and far below what hurts a worker.
MAX_BODY_BYTES = 1024 * 1024

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_PAYLOAD_FIELD = b"payload="
# A form's '+' is a space and its '%XX' escapes are quoted-printable's '=XX'.
_FORM_TO_QP = bytes.maketrans(b"+%", b" =")
# What Bolt raises reading a signed body of an unexpected shape (JSON of any kind).
MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError)


class Refused(Exception):
    """The request stops here, answered with `status` and the short `reason`."""

    def __init__(self, status: int, reason: str):
        self.status = status
        self.reason = reason
        super().__init__(f"{status} {reason}")


class RequestGuard:
    def __init__(self, signing_secret: str, *, max_body: int = MAX_BODY_BYTES, clock: Clock | None = None):
        self._verifier = SignatureVerifier(signing_secret, clock=clock or Clock())
        self._max_body = max_body

    def admit(self, environ: dict[str, Any]) -> BoltRequest:
        """The Bolt request for a signed, well-formed POST; raises Refused for anything else."""
        raw = self._read(environ)
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
        signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            raise Refused(401, "missing or malformed signature headers")
        try:
            text = raw.decode("utf-8")  # slack_sdk's verifier decodes it too, and would raise
        except UnicodeDecodeError:
            raise Refused(400, "body is not UTF-8") from None
        if not self._verifier.is_valid(raw, timestamp, signature):
            raise Refused(401, "bad or stale signature")
        http = WsgiHttpRequest(environ)
        payload = decoded_payload(raw)
        try:
            if payload is None:
                request = BoltRequest(body=text, query=http.query_string, headers=http.get_headers())
            else:
                # Bolt takes an already-decoded body only in its "socket_mode". Beside that,
                # the mode changes only Bolt's own signature check, off behind this edge.
                request = BoltRequest(
                    body=payload, query=http.query_string, headers=http.get_headers(), mode="socket_mode"
                )
        except MALFORMED:
            raise Refused(400, "body is not a Slack payload") from None
        if not isinstance(request.body, dict):
            raise Refused(400, "body is not a Slack payload")
        return request

    def _read(self, environ: dict[str, Any]) -> bytes:
        declared = (environ.get("CONTENT_LENGTH") or "").strip()
        if not declared:
            raise Refused(411, "Content-Length required")
        if not declared.isascii() or not declared.isdigit():
            raise Refused(400, "bad Content-Length")
        length = int(declared)
        if length > self._max_body:
            # Refused before a byte of it is read.
            raise Refused(413, f"body of {length} bytes is over the {self._max_body}-byte cap")
        try:
            raw = environ["wsgi.input"].read(length) if length else b""
        except (TimeoutError, OSError):
            raise Refused(408, "body not received in time") from None
        if len(raw) != length:
            raise Refused(400, "body shorter than its Content-Length")
        return raw


def payload_json(raw: bytes) -> str | None:
    """The JSON text of a body that is exactly one form field, `payload=…` (how Slack sends
    button clicks and modal submissions), decoded as urllib.parse.unquote_plus would; None
    for any other body, which Bolt then parses itself.

    A scorecard submission echoes the whole modal: 10 to 40 KB, thousands of percent escapes,
    which the standard library decodes one at a time in Python (0.44 ms for 15 KB).
    binascii.a2b_qp decodes `=XX` escapes in C (0.03 ms), so each `%` becomes `=` (and `+` a
    space). That is only the same decoding when the field holds no raw `=`, `&`, line break or
    loose `%`, and the result is UTF-8: anything else goes to Bolt's parse as it came.
    """
    if not raw.startswith(_PAYLOAD_FIELD):
        return None
    value = raw[len(_PAYLOAD_FIELD) :]
    if any(c in value for c in (b"=", b"&", b"\r", b"\n")):
        return None
    try:
        decoded = binascii.a2b_qp(value.translate(_FORM_TO_QP))
    except binascii.Error:
        return None
    # Each escape a2b_qp decodes turns three bytes into one; a loose '%' (no two hex digits
    # after it) shrinks by less, whatever a2b_qp makes of it. So the lengths add up only when
    # every '%' was an escape, which is when both decodings agree. Counting is a pass in C,
    # where looking for a loose '%' by pattern was most of this function's time.
    if len(decoded) + 2 * value.count(b"%") != len(value):
        return None
    try:
        return decoded.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decoded_payload(raw: bytes) -> dict[str, Any] | None:
    """The object in a `payload=…` body (payload_json), read by orjson; None when payload_json
    declines or the field is not a JSON object, and Bolt then parses the body as it came
    (and a body it cannot read is refused as before)."""
    text = payload_json(raw)
    if text is None:
        return None
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


def refuse(start_response: Callable[..., Any], refused: Refused, environ: dict[str, Any]) -> list[bytes]:
    log.warning(
        "refused %s %s: %d %s",
        environ.get("REQUEST_METHOD", "?"),
        environ.get("PATH_INFO", "?"),
        refused.status,
        refused.reason,
    )
    body = f"{refused.reason}\n".encode()
    status = HTTPStatus(refused.status)
    # A body left unread is never taken for a next request: wsgiref serves one request per
    # connection, and gunicorn drains a little of it or closes the connection.
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    start_response(f"{status.value} {status.phrase}", headers)
    return [body]
