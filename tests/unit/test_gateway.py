"""bot/slack_gateway/: retries, rate limits and Slack's error codes, through a real slack_sdk WebClient.

A tiny HTTP server on 127.0.0.1 plays Slack's Web API: each test scripts its answers, and the
server records every request, so the real client's request and error paths are exercised.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from prometheus_client import REGISTRY
from slack_sdk import WebClient

from bot import errors
from bot.slack_gateway import POST_MESSAGE, RateLimiter, SlackGateway, to_domain_error
from tests.support.httpd import base_url, serving

TOKEN = "xoxb-1111-2222-SECRETSECRET"


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | str = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    raw: bytes = b""


def _success(method: str, args: dict[str, Any]) -> Reply:
    if method == "conversations.create":
        return Reply(body={"ok": True, "channel": {"id": "C0NEW", "name": args.get("name"), "is_private": True}})
    if method == POST_MESSAGE:
        return Reply(body={"ok": True, "channel": args.get("channel"), "ts": "1700000000.000100"})
    if method.startswith("views."):
        return Reply(body={"ok": True, "view": {"id": "V0VIEW", "hash": "1700000000.abc"}})
    if method == "users.info":
        return Reply(
            body={
                "ok": True,
                "user": {
                    "id": args.get("user"),
                    "name": "priya",
                    "real_name": "Priya Raman",
                    "tz": "Europe/London",
                    "deleted": False,
                    "is_bot": False,
                },
            }
        )
    return Reply()


class FakeSlack:
    """What the local server answers. `replies` are served first, in order; then `responder`, then success."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.replies: list[Reply] = []
        self.responder: Callable[[Seen], Reply | None] | None = None
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.replies.clear()
            self.responder = None

    def answer(self, seen: Seen) -> Reply:
        with self.lock:
            self.requests.append(seen)
            if self.replies:
                return self.replies.pop(0)
        if self.responder and (reply := self.responder(seen)):
            return reply
        return _success(seen.method, seen.args)

    def calls(self, method: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method]


class _Handler(BaseHTTPRequestHandler):
    timeout = 5  # a stuck client cannot hold a server thread for long

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        if "json" in (self.headers.get("Content-Type") or ""):
            args = json.loads(raw or b"{}")
        else:
            args = dict(parse_qsl(raw.decode()))
        args.update(parse_qsl(url.query))
        seen = Seen(url.path.rsplit("/", 1)[-1], args, dict(self.headers), raw)
        reply = self.server.fake.answer(seen)  # type: ignore[attr-defined]
        body = json.dumps(reply.body) if isinstance(reply.body, dict) else reply.body
        data = body.encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json" if isinstance(reply.body, dict) else "text/html")
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[FakeSlack, str]]:
    with serving(_Handler) as httpd:
        httpd.fake = FakeSlack()  # type: ignore[attr-defined]
        yield httpd.fake, base_url(httpd)  # type: ignore[attr-defined]


@pytest.fixture
def slack(server: tuple[FakeSlack, str]) -> FakeSlack:
    fake, _ = server
    fake.reset()
    return fake


class FakeClock:
    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


@dataclass
class Wired:
    gateway: SlackGateway
    sleeps: list[float]  # the gateway's own waits (429 Retry-After)
    limiter_waits: list[float]


@pytest.fixture
def wired(server: tuple[FakeSlack, str], slack: FakeSlack) -> Wired:
    _, url = server
    sleeps: list[float] = []
    limiter_waits: list[float] = []
    client = WebClient(token=TOKEN, base_url=url, timeout=5)
    gateway = SlackGateway(client, RateLimiter(sleep=limiter_waits.append), sleep=sleeps.append, max_inline_wait=30)
    return Wired(gateway, sleeps, limiter_waits)


def error_reply(code: str) -> Reply:
    return Reply(body={"ok": False, "error": code})


# Retries and rate limiting.


def test_a_429_is_waited_out_then_the_data_returned(slack: FakeSlack, wired: Wired) -> None:
    slack.replies = [Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "2"})]
    ts = wired.gateway.post_message("C0CHAN", "hello")
    assert ts == "1700000000.000100"
    assert wired.sleeps == [2.0]
    assert len(slack.calls(POST_MESSAGE)) == 2


def test_a_429_without_retry_after_waits_one_second(slack: FakeSlack, wired: Wired) -> None:
    slack.replies = [Reply(429, {"ok": False, "error": "ratelimited"})]
    wired.gateway.set_topic("C0CHAN", "topic")
    assert wired.sleeps == [1.0]


def test_a_long_retry_after_is_raised_for_the_caller_to_reschedule(slack: FakeSlack, wired: Wired) -> None:
    slack.replies = [Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "45"})]
    with pytest.raises(errors.SlackRateLimited) as caught:
        wired.gateway.post_message("C0CHAN", "hello")
    assert caught.value.retry_after == 45.0
    assert caught.value.retryable is True
    assert wired.sleeps == []
    assert len(slack.calls(POST_MESSAGE)) == 1


def test_repeated_429s_give_up_after_max_retries(slack: FakeSlack, wired: Wired) -> None:
    slack.replies = [Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}) for _ in range(10)]
    with pytest.raises(errors.SlackRateLimited):
        wired.gateway.set_purpose("C0CHAN", "purpose")
    assert wired.sleeps == [1.0, 1.0, 1.0]
    assert len(slack.calls("conversations.setPurpose")) == 4


@pytest.mark.parametrize(
    "reply",
    [
        Reply(503, "<html><body>Service Unavailable</body></html>"),
        Reply(503, {"ok": False, "error": "fatal_error"}),
        Reply(500, ""),
    ],
    ids=["503-html", "503-json", "500-empty"],
)
def test_a_server_error_is_transient(slack: FakeSlack, wired: Wired, reply: Reply) -> None:
    slack.replies = [reply]
    with pytest.raises(errors.SlackTransientError) as caught:
        wired.gateway.post_message("C0CHAN", "hello")
    assert caught.value.retryable is True
    assert caught.value.code == f"http_{reply.status}"
    assert not isinstance(caught.value, errors.SlackRateLimited)


def test_an_unreachable_slack_is_transient(server: tuple[FakeSlack, str]) -> None:
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = WebClient(token=TOKEN, base_url=f"http://127.0.0.1:{port}/api/", timeout=2, retry_handlers=[])
    gateway = SlackGateway(client, RateLimiter(sleep=lambda _: None), sleep=lambda _: None)
    with pytest.raises(errors.SlackTransientError) as caught:
        gateway.set_topic("C0CHAN", "t")
    assert caught.value.code == "unreachable"


# Slack's error strings become domain errors.


@pytest.mark.parametrize(
    ("code", "error_type", "call"),
    [
        ("name_taken", errors.ChannelNameTaken, lambda g: g.create_private_channel("hire-ada-l-mle")),
        ("missing_scope", errors.SlackSetupError, lambda g: g.create_private_channel("hire-ada-l-mle")),
        ("invalid_auth", errors.SlackSetupError, lambda g: g.post_message("C0CHAN", "x")),
        ("user_not_found", errors.SlackTargetGone, lambda g: g.user_info("U0GONE")),
        ("channel_not_found", errors.SlackTargetGone, lambda g: g.post_message("C0GONE", "x")),
        ("is_archived", errors.SlackTargetGone, lambda g: g.post_message("C0ARCH", "x")),
        ("expired_trigger_id", errors.TriggerExpired, lambda g: g.open_view("trig", {"type": "modal"})),
        ("exchanged_trigger_id", errors.TriggerExpired, lambda g: g.push_view("trig", {"type": "modal"})),
        ("hash_conflict", errors.ViewChanged, lambda g: g.update_view("V0VIEW", {"type": "modal"}, hash="old")),
        ("internal_error", errors.SlackTransientError, lambda g: g.publish_home("U0A", {"type": "home"})),
        ("file_uploads_disabled", errors.SlackSetupError, lambda g: g.upload_file("U0A", "a.ics", b"x", "t", "c")),
        ("file_not_found", errors.SlackTransientError, lambda g: g.upload_file("U0A", "a.ics", b"x", "t", "c")),
    ],
)
def test_slack_error_codes_become_domain_errors(
    slack: FakeSlack, wired: Wired, code: str, error_type: type[errors.SlackError], call: Callable
) -> None:
    slack.replies = [error_reply(code)]
    with pytest.raises(error_type) as caught:
        call(wired.gateway)
    assert caught.value.code == code
    assert caught.value.user_message  # something a person can read
    assert wired.sleeps == []


def test_an_unknown_code_is_a_plain_slack_error(slack: FakeSlack, wired: Wired) -> None:
    slack.replies = [error_reply("too_long")]
    with pytest.raises(errors.SlackError) as caught:
        wired.gateway.set_topic("C0CHAN", "x" * 300)
    assert type(caught.value) is errors.SlackError
    assert str(caught.value) == "conversations.setTopic: too_long"
    assert caught.value.retryable is False


def test_setup_errors_tell_the_admin_what_to_do() -> None:
    error = to_domain_error("conversations.create", "missing_scope")
    assert "manifest.json" in error.user_message


def test_already_pinned_and_already_archived_are_not_failures(slack: FakeSlack, wired: Wired) -> None:
    slack.replies = [error_reply("already_pinned"), error_reply("already_archived")]
    wired.gateway.pin("C0CHAN", "1.0")
    wired.gateway.archive("C0CHAN")
    slack.replies = [error_reply("not_pinnable")]
    with pytest.raises(errors.SlackError):
        wired.gateway.pin("C0CHAN", "1.0")


# Request shapes.


def test_private_channels_are_created_with_a_string_boolean(slack: FakeSlack, wired: Wired) -> None:
    assert wired.gateway.create_private_channel("hire-ada-l-mle") == "C0NEW"
    (seen,) = slack.calls("conversations.create")
    assert seen.args == {"name": "hire-ada-l-mle", "is_private": "true"}
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"


def test_none_arguments_are_not_sent(slack: FakeSlack, wired: Wired) -> None:
    wired.gateway.update_view("V0VIEW", {"type": "modal"})
    (seen,) = slack.calls("views.update")
    assert "hash" not in seen.args
    assert seen.args["view"] == {"type": "modal"}


def test_user_info_is_parsed(slack: FakeSlack, wired: Wired) -> None:
    user = wired.gateway.user_info("U0PRIYA")
    assert (user.id, user.display, user.tz, user.deleted) == ("U0PRIYA", "Priya Raman", "Europe/London", False)
    assert slack.calls("users.info")[0].args == {"user": "U0PRIYA"}


# Invites.


def _users(n: int) -> list[str]:
    return [f"U{i:06d}" for i in range(n)]


def test_invites_go_in_batches_of_at_most_100(slack: FakeSlack, wired: Wired) -> None:
    wired.gateway.invite("C0CHAN", _users(250))
    calls = slack.calls("conversations.invite")
    batches = [c.args["users"].split(",") for c in calls]
    assert [len(b) for b in batches] == [100, 100, 50]
    assert [u for b in batches for u in b] == _users(250)
    assert all(c.args["channel"] == "C0CHAN" for c in calls)


def test_invites_drop_duplicates_and_blanks(slack: FakeSlack, wired: Wired) -> None:
    wired.gateway.invite("C0CHAN", ["U0A", "", "U0B", "U0A"])
    assert [c.args["users"] for c in slack.calls("conversations.invite")] == ["U0A,U0B"]


def test_already_in_channel_falls_back_to_one_by_one(slack: FakeSlack, wired: Wired) -> None:
    members = {"U000003"}

    def respond(seen: Seen) -> Reply | None:
        if seen.method == "conversations.invite" and members & set(seen.args["users"].split(",")):
            return error_reply("already_in_channel")
        return None

    slack.responder = respond
    wired.gateway.invite("C0CHAN", _users(5))  # does not raise
    sent = [c.args["users"] for c in slack.calls("conversations.invite")]
    assert sent[0] == ",".join(_users(5))
    assert sent[1:] == _users(5)  # every user tried alone, the member included


def test_a_real_failure_during_the_fallback_is_raised(slack: FakeSlack, wired: Wired) -> None:
    def respond(seen: Seen) -> Reply | None:
        users = seen.args.get("users", "").split(",")
        if "U000001" in users:
            return error_reply("already_in_channel")
        if "U000002" in users:
            return error_reply("user_is_restricted")
        return None

    slack.responder = respond
    with pytest.raises(errors.SlackTargetGone):
        wired.gateway.invite("C0CHAN", _users(3))


# RateLimiter, with a fake clock.


def test_tier_2_allows_a_burst_of_two_then_waits_three_seconds() -> None:
    clock, waits = FakeClock(), []
    limiter = RateLimiter(clock=clock, sleep=waits.append)
    assert limiter.acquire("conversations.create") == 0
    assert limiter.acquire("conversations.create") == 0
    assert waits == []
    assert limiter.acquire("conversations.create") == pytest.approx(3.0)
    assert waits == [pytest.approx(3.0)]


def test_tier_2_sustains_twenty_calls_a_minute() -> None:
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.now += seconds

    limiter = RateLimiter(clock=clock, sleep=sleep)
    start = clock.now
    for _ in range(22):  # the burst of 2, then 20 more
        limiter.acquire("conversations.setTopic")
    assert clock.now - start == pytest.approx(60.0)


def test_the_bucket_refills_with_time() -> None:
    clock, waits = FakeClock(), []
    limiter = RateLimiter(clock=clock, sleep=waits.append)
    for _ in range(2):
        limiter.acquire("pins.add")
    clock.now += 6.0  # two calls' worth at 20/min
    assert limiter.acquire("pins.add") == 0
    assert limiter.acquire("pins.add") == 0
    assert waits == []


def test_methods_have_their_own_buckets() -> None:
    clock, waits = FakeClock(), []
    limiter = RateLimiter(clock=clock, sleep=waits.append)
    for _ in range(2):
        limiter.acquire("conversations.create")
    assert limiter.acquire("views.open") == 0  # Tier 4: not held up by Tier 2's empty bucket
    assert waits == []


def test_post_message_is_limited_per_channel() -> None:
    clock, waits = FakeClock(), []
    limiter = RateLimiter(clock=clock, sleep=waits.append)
    for _ in range(3):
        assert limiter.acquire(POST_MESSAGE, "C0ONE") == 0
    assert limiter.acquire(POST_MESSAGE, "C0TWO") == 0  # another channel does not wait
    assert limiter.acquire(POST_MESSAGE, "C0ONE") == pytest.approx(1.0)  # about one a second
    assert waits == [pytest.approx(1.0)]


def test_the_gateway_keys_post_message_by_channel(server: tuple[FakeSlack, str], slack: FakeSlack) -> None:
    _, url = server
    clock, waits = FakeClock(), []
    gateway = SlackGateway(
        WebClient(token=TOKEN, base_url=url, timeout=5),
        RateLimiter(clock=clock, sleep=waits.append),
        sleep=waits.append,
    )
    for _ in range(3):
        gateway.post_message("C0ONE", "hi")
    gateway.post_message("C0TWO", "hi")
    assert waits == []
    gateway.post_message("C0ONE", "hi")
    assert waits == [pytest.approx(1.0)]


def test_a_call_slack_refused_with_429_is_not_charged_twice(server: tuple[FakeSlack, str], slack: FakeSlack) -> None:
    """Slack's 429 is the truth: its Retry-After is the wait, not Retry-After plus our own pace
    again for the refused call, and the calls after the retry keep Slack's pace from there."""
    _, url = server
    clock = FakeClock()
    limiter_waits: list[float] = []

    def sleep(seconds: float, waits: list[float] | None = None) -> None:
        clock.now += seconds
        if waits is not None:
            waits.append(seconds)

    gateway = SlackGateway(
        WebClient(token=TOKEN, base_url=url, timeout=5),
        RateLimiter(clock=clock, sleep=lambda s: sleep(s, limiter_waits)),
        sleep=sleep,
    )
    start = clock.now
    gateway.set_topic("C0CHAN", "t")
    gateway.set_topic("C0CHAN", "t")  # Tier 2's burst of two, spent
    slack.replies = [Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})]
    gateway.set_topic("C0CHAN", "t")  # our pace: 3 s; Slack refuses it anyway: 1 s more, then it goes
    assert limiter_waits == [pytest.approx(3.0)]
    assert clock.now - start == pytest.approx(4.0)
    gateway.set_topic("C0CHAN", "t")  # one Tier 2 interval after the retry, as Slack counts
    assert clock.now - start == pytest.approx(7.0)
    assert len(slack.calls("conversations.setTopic")) == 5


# Privacy: the gateway never logs a token or message text.


def test_no_token_or_text_in_logs_or_errors(slack: FakeSlack, wired: Wired, caplog: pytest.LogCaptureFixture) -> None:
    secret_text = "Candidate Zebulon Quartermaine: strong no, see notes"
    caplog.set_level(logging.DEBUG)
    # As `hirebot` runs, even with -v: slack_sdk itself logs request bodies at DEBUG, so the CLI keeps it at INFO.
    caplog.set_level(logging.INFO, logger="slack_sdk")
    slack.replies = [
        error_reply("channel_not_found"),
        Reply(503, "<html>down</html>"),
        Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}),
        Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "90"}),
    ]
    raised: list[errors.SlackError] = []
    for _ in range(3):
        with pytest.raises(errors.SlackError) as caught:
            wired.gateway.post_message(
                "C0CHAN", secret_text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": secret_text}}]
            )
        raised.append(caught.value)

    assert any(r.name == "bot.slack_gateway" for r in caplog.records), "the gateway should log failures"
    for record in caplog.records:
        line = record.getMessage() + (caplog.text if record.exc_info else "")
        assert secret_text not in line, record.name
        assert "Zebulon" not in line, record.name
        assert TOKEN not in line and "SECRETSECRET" not in line, record.name
    assert "Zebulon" not in caplog.text and "SECRETSECRET" not in caplog.text
    for error in raised:
        for text in (str(error), error.user_message, repr(error.args)):
            assert "Zebulon" not in text and "SECRETSECRET" not in text


def test_the_gateway_logs_nothing_sensitive_even_at_debug(
    slack: FakeSlack, wired: Wired, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    slack.replies = [error_reply("not_in_channel")]
    with pytest.raises(errors.SlackTargetGone):
        wired.gateway.post_message("C0CHAN", "Ada Lovelace rated 4")
    gateway_records = [r for r in caplog.records if r.name.startswith("bot")]
    assert gateway_records
    for record in gateway_records:
        assert "Lovelace" not in record.getMessage()
        assert "SECRETSECRET" not in record.getMessage()


def test_user_info_is_cached_for_a_minute():
    calls: list[str] = []

    class Client:
        def api_call(self, method, http_verb="POST", params=None, json=None):
            calls.append(method)

            class Response:
                data = {"ok": True, "user": {"id": params["user"], "name": "mei", "tz": "Asia/Tokyo"}}

            return Response()

    now = [0.0]
    gateway = SlackGateway(Client(), RateLimiter(sleep=lambda s: None), clock=lambda: now[0])  # type: ignore[arg-type]
    assert gateway.user_info("U1").tz == "Asia/Tokyo"
    gateway.user_info("U1")
    assert calls == ["users.info"]
    now[0] = 61.0
    gateway.user_info("U1")
    assert calls == ["users.info", "users.info"]


# The ack budget: calls made while a request waits for its answer end in time for it.


def test_inside_the_budget_a_hung_call_times_out_with_it(server: tuple[FakeSlack, str], slack: FakeSlack) -> None:
    _, url = server
    slack.responder = lambda seen: time.sleep(2)  # type: ignore[func-returns-value]
    gateway = SlackGateway.connect(TOKEN, url)  # the production client
    started = time.monotonic()
    with gateway.answering(0.5), pytest.raises(errors.SlackTimeout) as caught:
        gateway.user_info("U0SLOW")
    assert time.monotonic() - started < 1.2
    assert "did not answer in time" in caught.value.user_message


def test_outside_the_budget_a_slow_call_is_waited_for(server: tuple[FakeSlack, str], slack: FakeSlack) -> None:
    _, url = server
    slack.responder = lambda seen: time.sleep(0.8)  # type: ignore[func-returns-value]
    gateway = SlackGateway.connect(TOKEN, url)
    with gateway.answering(0.3):
        pass
    assert gateway.user_info("U0SLOW").tz == "Europe/London"


def test_a_spent_budget_makes_no_call(slack: FakeSlack, wired: Wired) -> None:
    with wired.gateway.answering(0), pytest.raises(errors.SlackTimeout):
        wired.gateway.post_message("C0CHAN", "x")
    assert slack.requests == []


def test_a_429_longer_than_the_budget_is_not_waited_out(slack: FakeSlack, wired: Wired) -> None:
    slack.replies = [Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "2"})]
    with wired.gateway.answering(1.0), pytest.raises(errors.SlackRateLimited):
        wired.gateway.open_view("trig", {"type": "modal"})
    assert wired.sleeps == []


def test_the_rate_limiter_does_not_sleep_past_the_budget() -> None:
    clock, waits = FakeClock(), []
    limiter = RateLimiter(clock=clock, sleep=waits.append)
    limiter.acquire("conversations.create")
    limiter.acquire("conversations.create")
    with pytest.raises(errors.SlackRateLimited):
        limiter.acquire("conversations.create", max_wait=1.0)
    assert waits == []
    # Nothing was taken: the next caller waits as if the refused one had never asked.
    assert limiter.acquire("conversations.create") == pytest.approx(3.0)


def test_calls_429s_and_errors_are_counted_by_method(slack: FakeSlack, wired: Wired) -> None:
    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(f"hirebot_slack_{name}_total", labels) or 0.0

    def counts() -> tuple[float, ...]:
        return (
            value("calls", method="chat.update"),
            value("rate_limited", method="chat.update"),
            value("errors", method="chat.update", code="ratelimited"),
            value("errors", method="chat.update", code="message_not_found"),
            value("errors", method="chat.update", code="http_503"),
        )

    before = counts()
    slack.replies = [
        Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}),  # waited out: not an error
        Reply(),
        Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "45"}),  # handed back: an error
        error_reply("message_not_found"),
        Reply(503, "<html>unavailable</html>"),
    ]
    wired.gateway.update_message("C0CHAN", "1.2", "text")
    for _ in range(3):
        with pytest.raises(errors.SlackError):
            wired.gateway.update_message("C0CHAN", "1.2", "text")
    after = counts()
    assert tuple(a - b for a, b in zip(after, before, strict=True)) == (5, 2, 1, 1, 1)


# File uploads (calendar invites).


def _upload_flow(base: str, upload_status: int = 200) -> Callable[[Seen], Reply | None]:
    upload_url = base.replace("/api/", "/upload/v1/F0FILE")

    def respond(seen: Seen) -> Reply | None:
        if seen.method == "files.getUploadURLExternal":
            return Reply(body={"ok": True, "file_id": "F0FILE", "upload_url": upload_url})
        if seen.method == "F0FILE":
            return Reply(status=upload_status, body="OK" if upload_status == 200 else "nope")
        if seen.method == "files.completeUploadExternal":
            return Reply(body={"ok": True, "files": [{"id": "F0FILE"}]})
        return None

    return respond


def test_an_upload_asks_for_a_url_sends_the_bytes_there_then_shares_in_the_dm(
    server: tuple[FakeSlack, str], slack: FakeSlack, wired: Wired
) -> None:
    slack.responder = _upload_flow(server[1])
    content = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert wired.gateway.upload_file("U0PRIYA", "invite.ics", content, "Interview", "🗓️ hi") == "F0FILE"
    asked, sent, completed = slack.requests
    assert asked.method == "files.getUploadURLExternal"
    # Form arguments, as Slack's file methods take them (not a JSON body).
    assert "json" not in asked.headers.get("Content-Type", "")
    assert asked.args == {"filename": "invite.ics", "length": str(len(content))}
    assert sent.raw == content and "Authorization" not in sent.headers  # the URL itself is the credential
    assert completed.method == "files.completeUploadExternal"
    assert json.loads(completed.args["files"]) == [{"id": "F0FILE", "title": "Interview"}]
    assert completed.args["channels"] == "U0PRIYA" and completed.args["initial_comment"] == "🗓️ hi"


@pytest.mark.parametrize(
    ("status", "error_type", "retryable"), [(503, errors.SlackTransientError, True), (404, errors.SlackError, False)]
)
def test_a_refused_upload_url_is_a_domain_error(
    server: tuple[FakeSlack, str], slack: FakeSlack, wired: Wired, status: int, error_type: type, retryable: bool
) -> None:
    slack.responder = _upload_flow(server[1], upload_status=status)
    with pytest.raises(error_type) as caught:
        wired.gateway.upload_file("U0PRIYA", "invite.ics", b"x", "t", "c")
    assert caught.value.code == f"http_{status}" and caught.value.retryable is retryable
    assert slack.calls("files.completeUploadExternal") == []


def test_an_image_upload_is_shared_nowhere_and_carries_its_alt_text(
    server: tuple[FakeSlack, str], slack: FakeSlack, wired: Wired
) -> None:
    slack.responder = _upload_flow(server[1])
    assert wired.gateway.upload_image("heat.png", b"PNG!", "Ratings", "Heat map of <!channel>") == "F0FILE"
    asked, sent, completed = slack.requests
    assert asked.args == {"filename": "heat.png", "length": "4", "alt_txt": "Heat map of <!channel>"}
    assert sent.raw == b"PNG!"
    # No channel: the image block shows it, and no file message lands anywhere.
    assert completed.args == {"files": json.dumps([{"id": "F0FILE", "title": "Ratings"}])}
    slack.requests.clear()
    wired.gateway.upload_image("heat.png", b"PNG!", "Ratings", "x" * 2000)
    assert slack.requests[0].args["alt_txt"] == "x" * 999 + "…"  # Slack's limit for a file's alt text


@pytest.mark.parametrize("code", ["file_not_found", "file_deleted"])
def test_deleting_a_file_already_gone_is_done(slack: FakeSlack, wired: Wired, code: str) -> None:
    slack.replies = [error_reply(code)]
    wired.gateway.delete_file("F0GONE")
    [call] = slack.calls("files.delete")
    assert call.args == {"file": "F0GONE"}


def test_a_delete_slack_refuses_is_a_domain_error(slack: FakeSlack, wired: Wired) -> None:
    slack.replies = [error_reply("cant_delete_file")]
    with pytest.raises(errors.SlackError) as caught:
        wired.gateway.delete_file("F0THEIRS")
    assert caught.value.code == "cant_delete_file"
