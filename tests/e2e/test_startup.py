"""Start-up: every mistake a person can fix is one line and a non-zero exit, never a traceback.

The commands run as an operator would start them (`hirebot ...`, gunicorn with the Procfile's
hooks), against the Slack emulator or, for answers it cannot give, a stub Slack.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.config import Settings, load_settings
from bot.startup import preflight
from db.migrate import upgrade
from tests.conftest import PG_URL
from tests.support.emulator import BOT_TOKEN, ROOT
from tests.support.stubslack import AUTH_OK, stub_slack

VARIABLES = [field.alias for field in Settings.model_fields.values()]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HIREBOT_RECRUITERS", "U0RITA")
    for name in ("slack_sdk", "slack_bolt"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.getLogger(name).level)


def setenv(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def one_line_failure(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    status = cli.main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def migrated_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/hirebot.db"
    upgrade(url)
    return url


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_serve_and_worker_on_a_fresh_database_say_to_migrate(emulator, monkeypatch, capsys, tmp_path, command):
    setenv(
        monkeypatch,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET="s3cret",
        SLACK_API_URL=emulator.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/fresh.db",
    )
    line = one_line_failure(capsys, [command])
    assert "is empty" in line and "run `hirebot migrate` first" in line


def test_migrate_then_export_from_another_folder_sees_the_same_default_database(monkeypatch, capsys, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    assert cli.main(["migrate"]) == 0
    assert (tmp_path / "data" / "hirebot" / "hirebot.db").exists()
    assert not (tmp_path / "a" / "hirebot.db").exists()
    monkeypatch.chdir(tmp_path / "b")
    capsys.readouterr()
    # Migrated, so the question is only whether candidate 42 exists: it never did, and the id is named.
    line = one_line_failure(capsys, ["export", "--candidate", "42"])
    assert line == "hirebot: there is no candidate 42 in this database; the loop card shows each candidate's id."


def test_a_revoked_bot_token_is_one_line_naming_slacks_answer(monkeypatch, capsys, tmp_path):
    with stub_slack({"auth.test": (200, {"ok": False, "error": "token_revoked"})}) as (api, calls):
        setenv(monkeypatch, SLACK_BOT_TOKEN="xoxb-1-old", SLACK_API_URL=api, DATABASE_URL=migrated_sqlite(tmp_path))
        line = one_line_failure(capsys, ["worker"])
    assert line.startswith("hirebot: Slack refused SLACK_BOT_TOKEN (token_revoked)")
    assert "xoxb-1-old" not in line
    assert calls == ["auth.test"]


def test_a_refused_app_level_token_is_one_line(monkeypatch, capsys, tmp_path):
    answers = {"auth.test": AUTH_OK, "apps.connections.open": (200, {"ok": False, "error": "invalid_auth"})}
    with stub_slack(answers) as (api, calls):
        setenv(
            monkeypatch,
            SLACK_BOT_TOKEN="xoxb-1-2",
            SLACK_APP_TOKEN="xapp-1-A1-revoked",
            SLACK_API_URL=api,
            DATABASE_URL=migrated_sqlite(tmp_path),
        )
        line = one_line_failure(capsys, ["run"])
    assert line.startswith("hirebot: Slack refused SLACK_APP_TOKEN (invalid_auth)")
    # The token is checked once, by us: Bolt's own auth.test at boot is off.
    assert calls.count("auth.test") == 1


def test_the_placeholders_of_env_example_are_one_line(capsys):
    shutil.copy(ROOT / ".env.example", ".env")
    line = one_line_failure(capsys, ["run"])
    assert line.startswith("hirebot: SLACK_BOT_TOKEN is still the placeholder from .env.example")


@pytest.mark.parametrize("status", [503, 0])
def test_a_slack_outage_at_start_is_a_warning_not_a_crash(caplog, tmp_path, status):
    if status:
        with stub_slack({"auth.test": (status, {"ok": False})}) as (api, _):
            settings = load_settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-1", SLACK_API_URL=api)
            settings = settings.model_copy(update={"database_url": migrated_sqlite(tmp_path)})
            preflight(settings, needs=("SLACK_BOT_TOKEN",))
    else:  # nothing listens there at all
        settings = load_settings(
            _env_file=None,
            SLACK_BOT_TOKEN="xoxb-1",
            SLACK_API_URL="http://127.0.0.1:9/api/",
            DATABASE_URL=migrated_sqlite(tmp_path),
        )
        preflight(settings, needs=("SLACK_BOT_TOKEN",))
    assert "could not check SLACK_BOT_TOKEN with Slack" in caplog.text


def test_http_mode_on_sqlite_warns_once_and_an_empty_recruiter_list_warns(emulator, caplog, tmp_path):
    settings = load_settings(
        _env_file=None,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=emulator.api_url,
        DATABASE_URL=migrated_sqlite(tmp_path),
        HIREBOT_RECRUITERS="",
    )
    with caplog.at_level(logging.INFO):
        preflight(settings, needs=("SLACK_BOT_TOKEN",))
    assert caplog.text.count("that is for one process on one machine") == 1
    assert "HIREBOT_RECRUITERS is empty: nobody can open a loop" in caplog.text
    caplog.clear()
    # Socket Mode is one process: no SQLite warning there; the worker answers no commands.
    preflight(settings, needs=("SLACK_BOT_TOKEN",), shared=False, serves=False)
    assert "one process on one machine" not in caplog.text and "HIREBOT_RECRUITERS" not in caplog.text


def _missing_pg_database() -> str:
    assert PG_URL
    return PG_URL.rsplit("/", 1)[0] + "/hirebot_no_such_database"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:9/hirebot", "Cannot open the database at"),
        ("postgresql+psycopg2://hire@db/hirebot", "'postgresql+psycopg2' driver is not installed"),
        ("postgresql+psycopg://hire@db:port/hirebot", "DATABASE_URL is invalid: cannot be parsed"),
        ("sqlite:///{tmp}/no/such/folder/hirebot.db", "which does not exist: create the folder"),
        pytest.param(
            "missing-pg",
            'database "hirebot_no_such_database" does not exist',
            marks=pytest.mark.skipif(not PG_URL, reason="HIREBOT_TEST_DATABASE_URL not set"),
        ),
    ],
)
def test_database_mistakes_are_one_line(monkeypatch, capsys, tmp_path, url, expected):
    url = _missing_pg_database() if url == "missing-pg" else url.format(tmp=tmp_path)
    setenv(monkeypatch, DATABASE_URL=url)
    line = one_line_failure(capsys, ["migrate"])
    assert expected in line


def test_gunicorn_stops_with_one_line_before_any_worker_starts(emulator, tmp_path):
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "s3cret",
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    done = subprocess.run(
        [str(gunicorn), "--config", "python:bot.gunicorn_conf", "--bind", "127.0.0.1:0", "bot.web:create_wsgi()"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    ours = [line for line in done.stderr.splitlines() if line.startswith("hirebot:")]
    assert len(ours) == 1 and "run `hirebot migrate` first" in ours[0], done.stderr
    assert "Booting worker" not in done.stderr
