"""bot/web.create_wsgi: the real WSGI application, built from settings with no network beyond 127.0.0.1.

Bolt verifies the bot token with auth.test when the app is built, so SLACK_API_URL points at a
tiny local server that answers it; everything else is the production wiring.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from bot.config import ConfigError, Settings, load_settings
from bot.web import create_wsgi
from db.models import Base

SIGNING_SECRET = "s"


class _AuthTest(BaseHTTPRequestHandler):
    timeout = 5

    def do_POST(self) -> None:  # noqa: N802
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

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def slack_api() -> Iterator[tuple[str, list]]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _AuthTest)
    httpd.daemon_threads = True
    httpd.calls = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/", httpd.calls  # type: ignore[attr-defined]
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


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
def app(settings: Settings):  # noqa: ANN201
    return create_wsgi(settings)


def request(app, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):  # noqa: ANN001, ANN201
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
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


def test_building_the_app_verifies_the_token_locally(app, slack_api: tuple[str, list]) -> None:  # noqa: ANN001
    _, calls = slack_api
    assert ("/api/auth.test", "Bearer xoxb-x") in calls


def test_healthz(app) -> None:  # noqa: ANN001
    status, body, headers = request(app, "GET", "/healthz")
    assert status == 200
    assert body.strip() == b"ok"
    assert headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/nope"), ("POST", "/healthz"), ("GET", "/healthz/extra"), ("POST", "/slack/events/x")],
)
def test_other_paths_are_404(app, method: str, path: str) -> None:  # noqa: ANN001
    status, body, _ = request(app, method, path)
    assert status == 404
    assert b"ok" not in body


def test_slack_events_reach_bolt_which_checks_the_signature(app) -> None:  # noqa: ANN001
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    status, _, _ = request(app, "POST", "/slack/events", body, {"Content-Type": "application/json"})
    assert status == 401  # unsigned: refused by Bolt, not 404 from our router


def test_a_signed_url_verification_is_answered(app) -> None:  # noqa: ANN001
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


def test_readyz_touches_the_database_and_answers_head(app) -> None:  # noqa: ANN001
    assert request(app, "GET", "/readyz")[:2] == (200, b"ready\n")
    status, body, headers = request(app, "HEAD", "/readyz")
    assert (status, body, headers["Content-Length"]) == (200, b"", "6")
    assert request(app, "HEAD", "/healthz")[:2] == (200, b"")
    assert request(app, "POST", "/readyz")[0] == 404


def test_readyz_is_503_while_the_database_is_unreachable(settings: Settings, tmp_path: Path, caplog) -> None:  # noqa: ANN001
    app = create_wsgi(settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/no/such/dir/x.db"}))
    assert request(app, "GET", "/readyz")[:2] == (503, b"database unavailable\n")
    assert request(app, "GET", "/healthz")[0] == 200  # alive all the same: restarting would not help
    assert "no/such/dir" not in caplog.text


def test_metrics_count_each_slack_request_by_kind_and_outcome(app, settings: Settings) -> None:  # noqa: ANN001
    Base.metadata.create_all(create_engine(settings.database_url))
    def counted(outcome: str) -> float:
        status, page, headers = request(app, "GET", "/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain; version=")
        for family in text_string_to_metric_families(page.decode()):
            for sample in family.samples:
                if sample.name == "hirebot_requests_total" and sample.labels == {
                    "interaction": "url_verification",
                    "outcome": outcome,
                }:
                    return sample.value
        return 0.0

    before = counted("ok"), counted("rejected")
    body = json.dumps({"type": "url_verification", "challenge": "c-1", "token": "t"}).encode()
    request(app, "POST", "/slack/events", body, {"Content-Type": "application/json"})  # unsigned
    test_a_signed_url_verification_is_answered(app)
    assert (counted("ok"), counted("rejected")) == (before[0] + 1, before[1] + 1)
    page = request(app, "GET", "/metrics")[1].decode()
    assert 'hirebot_ack_seconds_bucket{interaction="url_verification",le="0.1"}' in page
    assert 'hirebot_outbox_rows{status="pending"} 0.0' in page
