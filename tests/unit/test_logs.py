"""bot/logs.py: one logging set-up for every process; quiet libraries; text or JSON on stdout."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from slack_sdk import WebClient

from bot import cli
from bot.config import ConfigError, LogSettings, load_log_settings
from bot.logs import BOLT_TOKEN_UNUSED, bolt_logger, configure_logging

# Logging reads its level and format from the environment (and a .env in the working folder).
pytestmark = pytest.mark.usefixtures("no_log_env")


def test_text_lines_go_to_stdout_with_a_utc_timestamp_the_pid_and_the_logger(capsys) -> None:
    configure_logging()
    logging.getLogger("bot.example").info("hello %s", "there")
    logging.getLogger("bot.example").debug("not at INFO")
    out, err = capsys.readouterr()
    assert err == ""
    [line] = out.splitlines()
    stamp, pid, level, rest = line.split(" ", 3)
    assert stamp.endswith("+00:00") and stamp[10] == "T" and len(stamp) == len("2030-03-06T14:00:00.000+00:00")
    assert (int(pid), level, rest) == (os.getpid(), "INFO", "bot.example: hello there")


def test_json_lines_are_one_object_each(capsys) -> None:
    configure_logging(settings=LogSettings(HIREBOT_LOG_FORMAT="json", HIREBOT_LOG_LEVEL="WARNING"))
    logging.getLogger("bot.example").info("dropped at WARNING")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bot.example").exception("it failed")
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["level"] == "ERROR" and record["logger"] == "bot.example" and record["message"] == "it failed"
    assert record["pid"] == os.getpid() and record["time"].endswith("+00:00")
    assert "ValueError: boom" in record["exc_info"]


def test_the_settings_are_read_from_the_environment_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIREBOT_LOG_FORMAT", "json")
    monkeypatch.setenv("HIREBOT_LOG_LEVEL", "DEBUG")
    assert load_log_settings(_env_file=None) == LogSettings(HIREBOT_LOG_FORMAT="json", HIREBOT_LOG_LEVEL="DEBUG")
    monkeypatch.setenv("HIREBOT_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match="HIREBOT_LOG_FORMAT is invalid"):
        load_log_settings(_env_file=None)


def test_the_cli_says_a_bad_log_setting_in_one_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("HIREBOT_LOG_FORMAT", "xml")
    assert cli.main(["rubrics", "check"]) == 2
    assert "HIREBOT_LOG_FORMAT is invalid" in capsys.readouterr().err


def test_verbose_logs_debug_but_never_slack_sdk_bodies(capsys) -> None:
    configure_logging(verbose=True)
    logging.getLogger("bot.example").debug("detail")
    logging.getLogger("slack_sdk.web.base_client").debug("Sending a request - body: candidate notes")
    logging.getLogger("slack_bolt.App").debug("body: scorecard text")
    out = capsys.readouterr().out
    assert "detail" in out and "candidate notes" not in out and "scorecard text" not in out


def test_apschedulers_per_run_lines_are_silenced(capsys) -> None:
    configure_logging()
    ran = threading.Event()
    scheduler = BackgroundScheduler()
    scheduler.add_job(ran.set, "interval", seconds=1, id="quiet")
    scheduler.start()
    try:
        assert ran.wait(timeout=5)
    finally:
        scheduler.shutdown(wait=True)
    out = capsys.readouterr().out
    assert "apscheduler" not in out, out


def test_hirebot_migrate_logs_its_upgrades_without_alembics_plugin_lines(tmp_path: Path) -> None:
    """A process of its own: Alembic sets its plugins up once, when first used in a process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIREBOT_", "SLACK_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/quiet.db"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Running upgrade" in done.stdout and "latest schema" in done.stdout
    assert "setup plugin" not in done.stdout + done.stderr


def test_bolts_token_notice_is_dropped(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Bolt reads SLACK_BOT_TOKEN itself even when handed a client, and says so on every boot."""
    configure_logging()
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")
    client = WebClient(token="xoxb-from-env")
    App(signing_secret="s", client=client, token_verification_enabled=False, logger=logging.getLogger("bare"))
    assert BOLT_TOKEN_UNUSED in capsys.readouterr().out  # what happens without the filter
    App(signing_secret="s", client=client, token_verification_enabled=False, logger=bolt_logger())
    bolt_logger().warning("other warnings still show")
    out = capsys.readouterr().out
    assert BOLT_TOKEN_UNUSED not in out and "other warnings still show" in out
    assert len(bolt_logger().filters) == len(set(map(type, bolt_logger().filters)))  # once, however many apps
