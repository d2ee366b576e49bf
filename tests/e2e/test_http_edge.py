"""The request edge under a hostile or broken world: a Slack that hangs, stalled HTTP
clients, requests from another workspace, and bodies that must never reach a log."""

from __future__ import annotations

import json
import logging
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import BoltRequest, BoltResponse

from bot.app import create_app
from bot.background import QueuedBackground
from bot.bootstrap import Services, build_services
from db.migrate import upgrade
from db.models import Candidate, LoopStatus
from db.session import Database
from handlers.builders import loops as views
from handlers.ids import Action, Block
from tests.conftest import make_settings
from tests.support.emulator import ROOT, SlackEmulator
from tests.support.httpd import base_url, serving
from tests.support.slack import SlackDriver, ack_json, form_values, sign, text, user, users
from tests.support.slack import select as pick

# Slack closes an interaction that is not answered within 3 seconds.
SLACK_ACK_WINDOW = 3.0


class _Hanging(BaseHTTPRequestHandler):
    """Slack's Web API answering auth.test, then never answering anything else."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.endswith("/auth.test"):
            self._json({"ok": True, "team_id": "T000000001", "user_id": "U0BOT", "bot_id": "B0BOT", "user": "hirebot"})
            return
        self.server.release.wait(timeout=20)  # type: ignore[attr-defined]
        self._json({"ok": False, "error": "too_late"})

    do_GET = do_POST

    def _json(self, data: dict[str, Any]) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up long ago, as it should

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def hanging_slack() -> Iterator[str]:
    with serving(_Hanging) as httpd:
        httpd.release = threading.Event()  # type: ignore[attr-defined]
        yield base_url(httpd)
        httpd.release.set()  # type: ignore[attr-defined]


@dataclass
class Stalled:
    slack: SlackDriver
    services: Services


@pytest.fixture
def stalled(emulator: SlackEmulator, database: Database, hanging_slack: str) -> Stalled:
    """The production wiring (SlackGateway.connect) against a Slack that never answers."""
    url = str(database.engine.url.render_as_string(hide_password=False))
    settings = make_settings(emulator, url).model_copy(update={"slack_api_url": hanging_slack})
    services = build_services(settings, db=database, background=QueuedBackground)
    driver = SlackDriver(create_app(services, token_verification=False), emulator, None)  # type: ignore[arg-type]
    return Stalled(driver, services)


def _timed(call: Callable[[], BoltResponse]) -> tuple[BoltResponse, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_modal_whose_validation_waits_on_a_hung_slack_still_answers_in_time(stalled: Stalled, emulator):
    rita = emulator.users["rita"]
    view = views.new_loop_modal(stalled.services.rubrics.all(), rita, origin_channel="C0GENERAL")
    values = form_values(
        **{
            Block.CANDIDATE_NAME: text("Hung Slack Candidate"),
            Block.PACK: pick("ml-engineer"),
            Block.PROFILE: pick("ml-engineer/balanced"),
            Block.RECRUITER: user(rita),
            Block.HIRING_MANAGER: user(emulator.users["hank"]),
            Block.TEAM: users([emulator.users["priya"]]),
        }
    )
    response, took = _timed(lambda: stalled.slack.submit(rita, view, values))
    assert took < SLACK_ACK_WINDOW, f"answered after {took:.1f}s"
    reply = ack_json(response)
    assert reply["response_action"] == "errors"
    assert "did not answer in time" in " ".join(reply["errors"].values())


def test_a_command_whose_modal_hangs_still_answers_in_time(stalled: Stalled, emulator):
    response, took = _timed(lambda: stalled.slack.command(emulator.users["rita"], "new"))
    assert took < SLACK_ACK_WINDOW, f"answered after {took:.1f}s"
    assert "did not answer in time" in ack_json(response)["text"]


def test_a_click_whose_modal_hangs_is_answered_in_time_and_told_afterwards(stalled: Stalled, emulator, database):
    rita = emulator.users["rita"]
    with database.transaction() as session:
        candidate = Candidate(
            name="Hung Modal Candidate",
            pack="ml-engineer",
            pack_version=1,
            profile="balanced",
            status=LoopStatus.OPEN,
            recruiter_id=rita,
            hiring_manager_id=emulator.users["hank"],
            created_by=rita,
        )
        session.add(candidate)
        session.flush()
        candidate_id = candidate.id
    response, took = _timed(lambda: stalled.slack.click(rita, Action.ADD_INTERVIEW, str(candidate_id), "C0LOOP"))
    assert took < SLACK_ACK_WINDOW, f"answered after {took:.1f}s"
    assert response.status == 200
    # "Slack did not answer in time" waits for after the answer: it is a Slack call too.
    assert len(stalled.services.background.queue) == 1  # type: ignore[attr-defined]


def test_after_the_ack_slack_calls_get_their_full_timeout(stalled: Stalled):
    """The budget is the request's: a background job is not cut short by it."""
    assert stalled.services.slack.web_client.timeout == 10.0
    with stalled.services.slack.answering(1.0):
        assert stalled.services.slack.web_client.timeout <= 1.0
    assert stalled.services.slack.web_client.timeout == 10.0


# Bodies never reach a log.

CANARY = "Evidence-canary: candidate Zelda Quux fumbled the join"


def test_bolt_never_logs_the_body_of_a_request_it_refuses(hirebot, caplog):
    """Bolt logs a failed signature check with the whole body; it is cut off before a handler sees it."""
    caplog.set_level(logging.DEBUG)
    body = "payload=" + json.dumps({"type": "view_submission", "view": {"state": {"values": {"n": CANARY}}}})
    stale = {"content-type": "application/x-www-form-urlencoded", **sign(body, timestamp=1_000_000_000)}
    assert hirebot.slack.app.dispatch(BoltRequest(body=body, headers=stale)).status == 401
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Invalid request signature" in logged  # the line is still there, without the body
    assert "Zelda" not in logged


# Only the workspace hirebot is installed in.


def test_a_request_from_another_workspace_is_refused(hirebot, caplog):
    other = SlackDriver(hirebot.slack.app, hirebot.emulator, hirebot.client, team="T0OTHERTEAM")
    response = other.command(hirebot.users["rita"], "status")
    assert response.status == 403
    assert hirebot.client.methods() == []
    assert "refused a request from team T0OTHERTEAM" in caplog.text


def test_a_request_from_another_enterprise_is_refused(hirebot):
    """Our team id, but inside an Enterprise Grid org hirebot is not installed in."""
    payload = {
        "type": "block_actions",
        "user": {"id": hirebot.users["rita"]},
        "team": {"id": "T000000001", "enterprise_id": "E0OTHER"},
        "enterprise": {"id": "E0OTHER"},
        "actions": [{"action_id": "x", "block_id": "b", "type": "button", "value": "1", "action_ts": "1"}],
    }
    assert hirebot.slack._interaction(payload).status == 403
    assert hirebot.client.methods() == []


# Stalled HTTP clients.


def _stall(port: int, partial: bytes) -> socket.socket:
    """A client that sends part of a request and then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(partial)
    return sock


STALLS = [
    b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\npayload=",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow",
]


def _healthz_within(port: int, seconds: float) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=seconds) as answer:
        assert answer.read().strip() == b"ok"
    return time.monotonic() - started


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def web_env(emulator: SlackEmulator, tmp_path: Path) -> dict[str, str]:
    upgrade(f"sqlite:///{tmp_path}/web.db")  # the release step: web processes check the schema, never migrate
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": emulator.next_bot_token(),
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/web.db",
        "PYTHONPATH": str(ROOT),
    }


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            _healthz_within(port, 1)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def test_the_procfile_web_process_answers_healthz_past_stalled_clients(web_env: dict[str, str]):
    port = _free_port()
    line = next(entry for entry in (ROOT / "Procfile").read_text().splitlines() if entry.startswith("web:"))
    command = shlex.split(line.removeprefix("web:").replace("${PORT:-3000}", str(port)))
    command[0] = str(Path(sys.executable).parent / command[0])
    process = _start(command, web_env)
    try:
        _wait_for(port, process)
        stalled = [_stall(port, partial) for partial in STALLS + STALLS]  # more than the two workers
        time.sleep(0.3)
        assert _healthz_within(port, 1.0) < 1.0
        for sock in stalled:
            sock.close()
    finally:
        _stop(process)


def test_hirebot_serve_answers_healthz_past_stalled_clients(web_env: dict[str, str]):
    port = _free_port()
    process = _start([str(Path(sys.executable).parent / "hirebot"), "serve", "--port", str(port)], web_env)
    try:
        _wait_for(port, process)
        stalled = [_stall(port, partial) for partial in STALLS]
        time.sleep(0.3)
        assert _healthz_within(port, 1.0) < 1.0
        for sock in stalled:
            sock.close()
    finally:
        _stop(process)
