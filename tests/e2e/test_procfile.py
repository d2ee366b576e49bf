"""The Procfile, as a Heroku-style platform runs it: installed from requirements.txt alone.

A copy of the repository gets a fresh virtualenv with `pip install -r requirements.txt` (as a
buildpack does), then honcho runs `release`, and `web` + `worker` together, against
PostgreSQL and the Slack emulator, until /healthz answers and the worker logs its first sweep.

Wheels are kept per requirements.txt in .venv/procfile-wheels, so only the first run on a
machine pays for downloads; hirebot itself is rebuilt from the copy every time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.support.emulator import BOT_TOKENS, ROOT

pytestmark = pytest.mark.skipif(not PG_URL, reason="runs against PostgreSQL: set HIREBOT_TEST_DATABASE_URL")

NOT_SHIPPED = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "__pycache__", "*.egg-info", "build", ".env", "*.db", ".pytest_cache"
)


def wheelhouse() -> Path:
    """Wheels for requirements.txt's pins and the build backend, downloaded once per requirements.txt."""
    requirements = (ROOT / "requirements.txt").read_text()
    key = hashlib.sha256(f"{sys.version_info[:2]}{requirements}".encode()).hexdigest()[:16]
    wheels = ROOT / ".venv" / "procfile-wheels" / key
    if not (wheels / ".complete").exists():
        pins = [line for line in requirements.splitlines() if "==" in line]
        pip = [sys.executable, "-m", "pip", "--quiet"]
        subprocess.run([*pip, "wheel", "--no-deps", "-w", wheels, *pins], check=True, timeout=600)
        subprocess.run([*pip, "download", "-d", wheels, "setuptools>=68"], check=True, timeout=600)
        (wheels / ".complete").touch()
    return wheels


def install(app: Path, venv: Path) -> None:
    # No pip inside (seconds saved on a busy machine): this pip installs into it with --python.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", "--no-index"]
        + ["--find-links", wheelhouse(), "-r", "requirements.txt"],
        cwd=app,
        check=True,
        timeout=300,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )


@pytest.fixture
def procfile_database() -> str:
    """A database of its own, empty, so `release` really migrates from nothing."""
    url = make_url(PG_URL)
    name = f"{url.database}_procfile"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    # As Heroku sets it: the bare postgres:// scheme.
    yield url.set(drivername="postgres", database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthz(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except OSError:
        return False


def test_the_procfile_runs_from_the_locked_requirements(emulator, procfile_database, tmp_path):
    app = tmp_path / "app"
    shutil.copytree(ROOT, app, ignore=NOT_SHIPPED)
    venv = tmp_path / "venv"
    install(app, venv)
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": procfile_database,
        "SLACK_BOT_TOKEN": BOT_TOKENS[-1],
        "SLACK_SIGNING_SECRET": "procfile-secret",
        "SLACK_API_URL": emulator.api_url,
        "HIREBOT_RECRUITERS": emulator.users["rita"],
    }
    honcho = str(Path(sys.executable).with_name("honcho"))

    release = subprocess.run(
        [honcho, "start", "--no-colour", "release"], cwd=app, env=env, capture_output=True, text=True, timeout=60
    )
    assert release.returncode == 0, release.stdout + release.stderr
    assert "is at the latest schema" in release.stdout

    port = free_port()
    running = subprocess.Popen(
        [honcho, "start", "--no-colour", "-p", str(port), "web", "worker"],
        cwd=app,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(running.stdout), daemon=True)
    reader.start()
    try:
        answered = swept = False
        deadline = time.monotonic() + 40
        while not (answered and swept) and time.monotonic() < deadline and running.poll() is None:
            answered = answered or healthz(port)
            swept = any("first reminder sweep done" in line for line in lines)
            time.sleep(0.3)
    finally:
        running.send_signal(signal.SIGTERM)
        try:
            running.wait(timeout=20)
        except subprocess.TimeoutExpired:
            running.kill()
        reader.join(timeout=5)
    output = "".join(lines)
    assert answered, f"/healthz never answered on the web process's $PORT:\n{output}"
    assert swept, f"the worker never logged its first sweep:\n{output}"
    assert "Traceback" not in output, output
    # PostgreSQL: no SQLite warning; the token was checked once, before gunicorn forked.
    assert "one process on one machine" not in output
    assert "Booting worker" in output
