"""bot/web.create_wsgi: the real WSGI application, built from settings with no network beyond 127.0.0.1.

SLACK_API_URL points at a tiny local server that answers auth.test, should anything call it;
everything else is the production wiring.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from bot.config import ConfigError, Settings, load_settings
from bot.edge import MAX_BODY_BYTES
from bot.web import create_wsgi
from db.models import Base
from handlers.ids import Callback
from tests.support.httpd import base_url, serving

SIGNING_SECRET = "s"


class _AuthTest(BaseHTTPRequestHandler):
    timeout = 5

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.calls.append((self.path, self.headers.get("Authorization")))  # type: ignore[attr-defined]
        body = json.dumps(
            {
                "ok": True,
                "url": "https://t.slack.com/",
                "team": "T",
                "user": "hirebot",
                "team_id": "T0TEAM",
                "user_id": "U0BOT",
                "bot_id": "B0BOT",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def slack_api() -> Iterator[tuple[str, list]]:
    with serving(_AuthTest) as httpd:
        httpd.calls = []  # type: ignore[attr-defined]
        yield base_url(httpd), httpd.calls  # type: ignore[attr-defined]


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, slack_api: tuple[str, list]) -> Settings:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_API_URL",
        "DATABASE_URL",
        "HIREBOT_RUBRICS_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    url, _ = slack_api
    return load_settings(
        _env_file=None,
        SLACK_BOT_TOKEN="xoxb-x",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=url,
        DATABASE_URL=f"sqlite:///{tmp_path}/x.db",
    )


@pytest.fixture
def app(settings: Settings):
    return create_wsgi(settings)


def request(
    app,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    content_length: str | None = None,
    stream: Any = None,
):
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)) if content_length is None else content_length,
        "wsgi.input": stream or io.BytesIO(body),
    }
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    setup_testing_defaults(environ)
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list, exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, dict(response_headers)

    payload = b"".join(app(environ, start_response))
    return int(seen["status"].split()[0]), payload, seen["headers"]


def test_building_the_app_calls_no_slack(app, slack_api: tuple[str, list]) -> None:
    # The token is checked once before gunicorn forks (bot.gunicorn_conf); a check in every
    # worker would stop them all from booting during a Slack outage.
    _, calls = slack_api
    assert calls == []


def test_healthz(app) -> None:
    status, body, headers = request(app, "GET", "/healthz")
    assert status == 200
    assert body.strip() == b"ok"
    assert headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/nope"), ("POST", "/healthz"), ("GET", "/healthz/extra"), ("POST", "/slack/events/x")],
)
def test_other_paths_are_404(app, method: str, path: str) -> None:
    status, body, _ = request(app, method, path)
    assert status == 404
    assert b"ok" not in body


def test_slack_events_reach_bolt_which_checks_the_signature(app) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    status, _, _ = request(app, "POST", "/slack/events", body, {"Content-Type": "application/json"})
    assert status == 401  # unsigned: refused at the edge, not 404 from our router


def test_a_signed_url_verification_is_answered(app) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    timestamp = str(int(time.time()))
    signature = (
        "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    )
    status, payload, _ = request(
        app,
        "POST",
        "/slack/events",
        body,
        {"Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature},
    )
    assert status == 200
    assert b"c-123" in payload


def test_http_mode_needs_the_signing_secret(settings: Settings) -> None:
    without = settings.model_copy(update={"slack_signing_secret": None})
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        create_wsgi(without)


# The request edge: nothing unsigned or malformed reaches Bolt, nothing large is read.


def signed(body: bytes, secret: str = SIGNING_SECRET, timestamp: str | None = None) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
HOSTILE = {"type": "plain_text", "text": "<!channel> 100% = a&b+c \u201cq\u201d \n\u4e2d"}
SECRET_TEXT = "Zelda Quux: evidence she fumbled the join"
EVIDENCE = urlencode({"payload": json.dumps({"type": "view_submission", "note": SECRET_TEXT})}).encode()


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"payload=%7Bnot-json", FORM, 400),
        (b"payload=%5B1%2C2%5D", FORM, 400),  # JSON, but not an object
        (b"command=%2Fhire&text=help", {"Content-Type": "application/json"}, 400),
        (b"[1, 2]", {"Content-Type": "application/json"}, 400),
        (b"payload=\xff\xfe", FORM, 400),  # not UTF-8
        # Our workspace's, so that it reaches Bolt's matching, which cannot read an empty list of actions.
        (
            b'{"type": "block_actions", "team": {"id": "T0TEAM"}, "actions": []}',
            {"Content-Type": "application/json"},
            400,
        ),
        # No workspace at all: refused before any listener looks at it.
        (b'{"type": "block_actions", "actions": []}', {"Content-Type": "application/json"}, 403),
    ],
)
def test_a_signed_but_malformed_body_is_a_400(app, body: bytes, headers: dict[str, str], status: int) -> None:
    code, _, _ = request(app, "POST", "/slack/events", body, {**headers, **signed(body)})
    assert code == status


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "12.5", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=ÿ" + "0" * 63},
        signed(EVIDENCE, secret="rotated-secret"),
        signed(EVIDENCE, timestamp=str(int(time.time()) - 600)),  # clock skew past 5 minutes
    ],
)
def test_unsigned_or_badly_signed_requests_are_a_401_logged_without_the_body(
    app, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    code, _, _ = request(app, "POST", "/slack/events", EVIDENCE, {**FORM, **headers})
    assert code == 401
    assert "Zelda" not in caplog.text
    refusals = [r for r in caplog.records if r.name == "bot.edge"]
    assert len(refusals) == 1 and len(refusals[0].getMessage()) < 120


@pytest.mark.parametrize(("length", "status"), [("abc", 400), ("-1", 400), ("", 411), ("10", 400)])
def test_a_bad_content_length_is_refused(app, length: str, status: int) -> None:
    body = b"x=1"  # shorter than "10" says: the client stopped sending
    environ_headers = {**FORM, **signed(body)}
    code, _, _ = request(app, "POST", "/slack/events", body, environ_headers, content_length=length)
    assert code == status


class _Unreadable(io.RawIOBase):
    def read(self, size: int = -1) -> bytes:
        raise AssertionError("an oversized body must be refused before it is read")


def test_an_oversized_body_is_a_413_before_a_byte_is_read(app, caplog: pytest.LogCaptureFixture) -> None:
    size = 100 * 1024 * 1024
    code, body, _ = request(
        app, "POST", "/slack/events", b"", {**FORM, **signed(b"")}, content_length=str(size), stream=_Unreadable()
    )
    assert code == 413
    assert str(MAX_BODY_BYTES).encode() in body
    assert len(caplog.text) < 300  # one short line


def test_a_body_at_the_cap_is_read_and_checked(app) -> None:
    body = b"x=" + b"a" * (MAX_BODY_BYTES - 2)
    code, _, _ = request(app, "POST", "/slack/events", body, {**FORM, **signed(body, secret="wrong")})
    assert code == 401


def test_a_signed_command_from_our_workspace_is_answered_and_another_refused(app) -> None:
    for team, expected in (("T0TEAM", 200), ("T0ELSEWHERE", 403)):
        fields = {"command": "/hire", "text": "help", "team_id": team, "user_id": "U1", "channel_id": "C1"}
        body = urlencode({**fields, "trigger_id": "t"}).encode()
        code, payload, _ = request(app, "POST", "/slack/events", body, {**FORM, **signed(body)})
        assert code == expected, payload


def test_a_signed_modal_submission_reaches_its_listener_through_the_edges_own_decoding(app) -> None:
    # The edge decodes the payload itself and Bolt's signature check is off behind it: the
    # listener must still be found (an unmatched request is Bolt's 404) and a forged one refused.
    view = {"id": "V1", "type": "modal", "hash": "1.h", "callback_id": Callback.SCORECARD, "title": HOSTILE}
    view["private_metadata"] = ""
    view["state"] = {"values": {}}
    payload = {"type": "view_submission", "team": {"id": "T0TEAM"}, "user": {"id": "U1", "team_id": "T0TEAM"}}
    body = urlencode({"payload": json.dumps({**payload, "view": view})}).encode()
    code, answer, _ = request(app, "POST", "/slack/events", body, {**FORM, **signed(body)})
    assert (code, answer) == (200, b"")
    forged = body.replace(b"U1", b"U2")
    code, _, _ = request(app, "POST", "/slack/events", forged, {**FORM, **signed(body)})
    assert code == 401


def test_readyz_touches_the_database_and_answers_head(app) -> None:
    assert request(app, "GET", "/readyz")[:2] == (200, b"ready\n")
    status, body, headers = request(app, "HEAD", "/readyz")
    assert (status, body, headers["Content-Length"]) == (200, b"", "6")
    assert request(app, "HEAD", "/healthz")[:2] == (200, b"")
    assert request(app, "POST", "/readyz")[0] == 404


def test_readyz_is_503_while_the_database_is_unreachable(settings: Settings, tmp_path: Path, caplog) -> None:
    app = create_wsgi(settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/no/such/dir/x.db"}))
    assert request(app, "GET", "/readyz")[:2] == (503, b"database unavailable\n")
    assert request(app, "GET", "/healthz")[0] == 200  # alive all the same: restarting would not help
    assert "no/such/dir" not in caplog.text


def test_metrics_count_each_slack_request_by_kind_and_outcome(app, settings: Settings) -> None:
    Base.metadata.create_all(create_engine(settings.database_url))

    def counted(interaction: str, outcome: str) -> float:
        status, page, headers = request(app, "GET", "/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain; version=")
        for family in text_string_to_metric_families(page.decode()):
            for sample in family.samples:
                if sample.name == "hirebot_requests_total" and sample.labels == {
                    "interaction": interaction,
                    "outcome": outcome,
                }:
                    return sample.value
        return 0.0

    before = counted("url_verification", "ok"), counted("unknown", "rejected")
    body = json.dumps({"type": "url_verification", "challenge": "c-1", "token": "t"}).encode()
    request(app, "POST", "/slack/events", body, {"Content-Type": "application/json"})  # unsigned: never parsed
    test_a_signed_url_verification_is_answered(app)
    assert (counted("url_verification", "ok"), counted("unknown", "rejected")) == (before[0] + 1, before[1] + 1)
    page = request(app, "GET", "/metrics")[1].decode()
    assert 'hirebot_ack_seconds_bucket{interaction="url_verification",le="0.1"}' in page
    assert 'hirebot_outbox_rows{status="pending"} 0.0' in page


def _with_gunicorn_conf(tmp_path, probe: str, **settings: str) -> str:
    """What `probe` prints, run in a fresh interpreter after `import bot.gunicorn_conf as conf`
    (which picks its own metrics directory, removed afterwards), with `settings` in the environment."""
    drop = ("PROMETHEUS_MULTIPROC_DIR", "HIREBOT_ACCESS_LOG")
    env = {**{k: v for k, v in os.environ.items() if k not in drop}, **settings}
    script = (
        f"import bot.gunicorn_conf as conf, shutil, os\n{probe}shutil.rmtree(os.environ['PROMETHEUS_MULTIPROC_DIR'])\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True
    )
    return found.stdout


def test_gunicorn_config_sets_the_metrics_directory_before_prometheus_client_is_imported(tmp_path) -> None:
    """Imported later, prometheus_client keeps each worker's counts in its own memory and a
    scrape, which reads the directory, counts no request at all."""
    probe = "from prometheus_client import values\nprint(values.ValueClass.__name__)\n"
    assert _with_gunicorn_conf(tmp_path, probe).strip() == "MmapedValue"  # prometheus_client's multiprocess value


def test_gunicorns_worker_exit_hook_starts_the_background_runners_grace(tmp_path) -> None:
    """worker_exit runs in the stopping worker before Python drains its background threads."""
    probe = (
        "import threading\n"
        "from bot.background import ThreadBackground\n"
        "release, ran = threading.Event(), []\n"
        "runner = ThreadBackground(follow_up_workers=1)\n"
        "runner.submit(lambda: release.wait(5), user=None, key=('card', 1))\n"
        "runner.submit(lambda: ran.append('card'), user=None, key=('card', 2))\n"
        "conf.EXIT_GRACE_SECONDS = 0.0\n"
        "conf.worker_exit(None, None)\n"
        "release.set(); runner.wait(); runner.shutdown()\n"
        "print(len(ran), runner.dropped)\n"
    )
    assert _with_gunicorn_conf(tmp_path, probe).split() == ["0", "1"]


@pytest.mark.parametrize(("setting", "written"), [(None, 0), ("0", 0), ("1", 1)])
def test_gunicorns_access_line_is_built_only_when_hirebot_access_log_is_on(tmp_path, setting, written) -> None:
    probe = (
        "from gunicorn import glogging\n"
        "built = []\n"
        "glogging.Logger.access = lambda self, *args: built.append(args)\n"  # gunicorn's own, which conf's wraps
        "conf.Logger.access(object.__new__(conf.Logger), None, None, {}, None)\n"
        "print(len(built))\n"
    )
    settings = {} if setting is None else {"HIREBOT_ACCESS_LOG": setting}
    assert _with_gunicorn_conf(tmp_path, probe, **settings).strip() == str(written)


def test_the_procfiles_web_workers_take_no_more_connections_than_they_have_threads() -> None:
    """With keep-alive, a load's 16 connections are split between 2 workers at connect time and
    stay so for the run, and an uneven split queues the busier worker's requests throughout
    (p99 72.7-107.8 ms in one machine's runs, 61.7-73.9 ms with this cap; make bench-load)."""
    web = next(
        line for line in (Path(__file__).parents[2] / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    args = shlex.split(web.removeprefix("web:"))
    option = {name: value for name, value in zip(args, args[1:], strict=False) if name.startswith("--")}
    assert option["--worker-class"] == "gthread"
    assert option["--worker-connections"] == option["--threads"]
    assert option["--keep-alive"] == "0"  # gthread keeps none alive at that cap; saying so keeps it from warning
