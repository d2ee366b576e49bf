"""Settings (bot/config.py) and the CLI's one-sentence failures (bot/cli.py)."""

from __future__ import annotations

import logging
from datetime import time
from pathlib import Path

import pytest

from bot import cli
from bot.bootstrap import build_services
from bot.config import ConfigError, Settings, load_settings

# Every variable Settings reads: cleared for each test so the machine's environment cannot leak in.
VARIABLES = [field.alias for field in Settings.model_fields.values()]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # No stray .env in the working directory either, and the default database stays in tmp_path.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def restore_logging() -> None:
    """cli.main() sets library log levels process-wide; put them back for the other tests."""
    names = ["slack_sdk", "slack_bolt"]
    saved = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def config_error(**overrides: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, **overrides)
    message = str(caught.value)
    assert "\n" not in message, f"ConfigError must be one line: {message!r}"
    return message


def test_the_defaults() -> None:
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite:///" + str(Path.cwd() / "data" / "hirebot" / "hirebot.db")
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.recruiters == frozenset()
    assert settings.timezone == "UTC"
    assert settings.slack_bot_token is None and settings.slack_app_token is None
    assert settings.working_hours_start == time(9, 0)
    assert settings.working_hours_end == time(18, 0)


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("HIREBOT_TIMEZONE", "Europe/London")
    settings = load_settings(_env_file=None)
    assert settings.slack_bot_token == "xoxb-from-env"
    assert settings.zone.key == "Europe/London"


def test_a_dotenv_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    assert load_settings().slack_bot_token == "xoxb-from-dotenv"


def test_recruiters_are_split_into_a_frozenset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIREBOT_RECRUITERS", "U1AAA, U2BBB")
    settings = load_settings(_env_file=None)
    assert settings.recruiters == frozenset({"U1AAA", "U2BBB"})
    assert isinstance(settings.recruiters, frozenset)


def test_recruiters_accept_semicolons_and_stray_separators(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIREBOT_RECRUITERS", " U1AAA;W2BBB,, ")
    assert load_settings(_env_file=None).recruiters == frozenset({"U1AAA", "W2BBB"})


@pytest.mark.parametrize("value", ["U1AAA, rita", "u1aaa", "U1AAA, @rita", "C0123ABC"])
def test_a_malformed_recruiter_id_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("HIREBOT_RECRUITERS", value)
    message = config_error()
    assert "HIREBOT_RECRUITERS" in message
    assert "not a Slack user id" in message


def test_an_unknown_timezone_names_the_variable() -> None:
    message = config_error(HIREBOT_TIMEZONE="Mars/Olympus_Mons")
    assert "HIREBOT_TIMEZONE" in message
    assert "Mars/Olympus_Mons" in message


@pytest.mark.parametrize("url", ["mysql://user@host/db", "mongodb://localhost/hirebot"])
def test_an_unsupported_database_is_refused(url: str) -> None:
    message = config_error(DATABASE_URL=url)
    assert "DATABASE_URL" in message
    assert "not supported" in message
    assert url.split(":")[0] in message


def test_a_bare_postgresql_url_gets_the_psycopg3_driver() -> None:
    settings = load_settings(_env_file=None, DATABASE_URL="postgresql://hire:pw@db.internal:5432/hirebot")
    assert settings.database_url == "postgresql+psycopg://hire:pw@db.internal:5432/hirebot"


def test_a_heroku_style_postgres_url_gets_the_psycopg3_driver() -> None:
    settings = load_settings(_env_file=None, DATABASE_URL="postgres://hire:pw@db.internal:5432/hirebot")
    assert settings.database_url == "postgresql+psycopg://hire:pw@db.internal:5432/hirebot"


def test_an_explicit_postgresql_driver_is_kept() -> None:
    url = "postgresql+psycopg://hire@db/hirebot"
    assert load_settings(_env_file=None, DATABASE_URL=url).database_url == url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg2://hire@db/hirebot", "'postgresql+psycopg2' driver is not installed"),
        ("postgresql+psycopg://hire@db:notaport/hirebot", "cannot be parsed"),
        ("sqlite+aiosqlite:///x.db", "driver is not installed"),
    ],
)
def test_an_unusable_database_url_is_one_line(url: str, expected: str) -> None:
    message = config_error(DATABASE_URL=url)
    assert "DATABASE_URL" in message and expected in message


def test_the_slack_api_url_gets_a_trailing_slash() -> None:
    settings = load_settings(_env_file=None, SLACK_API_URL="http://127.0.0.1:3000/api")
    assert settings.slack_api_url == "http://127.0.0.1:3000/api/"
    # ...and one that has it is not doubled.
    assert load_settings(_env_file=None, SLACK_API_URL="http://x/api/").slack_api_url == "http://x/api/"


def test_a_slack_api_url_that_is_not_http_names_the_variable() -> None:
    assert "SLACK_API_URL" in config_error(SLACK_API_URL="slack.com/api")


def test_missing_tokens_are_one_sentence_naming_both_and_the_manifest_step() -> None:
    settings = load_settings(_env_file=None)
    with pytest.raises(ConfigError) as caught:
        settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    message = str(caught.value)
    assert "\n" not in message
    assert "SLACK_BOT_TOKEN" in message
    assert "SLACK_APP_TOKEN" in message
    assert "Create app from manifest" in message


def test_a_missing_signing_secret_says_where_to_find_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-1").require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    assert "Basic Information > App Credentials > Signing Secret" in str(caught.value)


def test_the_workers_message_does_not_ask_for_the_app_token() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None).require("SLACK_BOT_TOKEN")
    assert "SLACK_BOT_TOKEN" in str(caught.value)
    assert "App-Level" not in str(caught.value) and "xapp" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("SLACK_BOT_TOKEN", {"SLACK_BOT_TOKEN": "xoxb-...", "SLACK_APP_TOKEN": "xapp-1-A"}),
        ("SLACK_APP_TOKEN", {"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_APP_TOKEN": "xapp-..."}),
    ],
)
def test_placeholder_tokens_from_the_example_env_are_refused(name: str, overrides: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, **overrides).require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    assert str(caught.value).startswith(f"{name} is still the placeholder from .env.example")


def test_only_the_missing_token_is_named() -> None:
    settings = load_settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-1")
    with pytest.raises(ConfigError) as caught:
        settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    assert "SLACK_APP_TOKEN" in str(caught.value)
    assert "SLACK_BOT_TOKEN" not in str(caught.value)


def test_a_user_token_given_as_the_bot_token_names_the_variable() -> None:
    settings = load_settings(_env_file=None, SLACK_BOT_TOKEN="xoxp-123-456", SLACK_APP_TOKEN="xapp-1-A1-2")
    with pytest.raises(ConfigError) as caught:
        settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    message = str(caught.value)
    assert "\n" not in message
    assert "SLACK_BOT_TOKEN" in message
    assert "xoxb-" in message
    # The token itself is never echoed back.
    assert "xoxp-123-456" not in message


def test_a_bot_token_given_as_the_app_token_names_the_app_variable() -> None:
    settings = load_settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xoxb-2")
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")


def test_correct_tokens_pass() -> None:
    settings = load_settings(
        _env_file=None, SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1", SLACK_SIGNING_SECRET="s"
    )
    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")


def test_cli_run_without_tokens_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    status = cli.main(["run"])
    out, err = capsys.readouterr()
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "SLACK_BOT_TOKEN" in lines[0] and "SLACK_APP_TOKEN" in lines[0]
    assert "Traceback" not in err
    assert out == ""


def test_cli_bad_setting_exits_2_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    monkeypatch.setenv("HIREBOT_RECRUITERS", "rita")
    status = cli.main(["run"])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "HIREBOT_RECRUITERS" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("start", "end"), [("18:00", "09:00"), ("09:00", "09:00")])
def test_a_working_day_that_never_opens_is_refused_in_one_line(start: str, end: str) -> None:
    message = config_error(HIREBOT_WORKDAY_START=start, HIREBOT_WORKDAY_END=end)
    assert "HIREBOT_WORKDAY_START" in message and "HIREBOT_WORKDAY_END" in message
    assert start in message and end in message


def test_cli_refuses_an_inverted_working_day_at_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    monkeypatch.setenv("HIREBOT_WORKDAY_START", "18:00")
    monkeypatch.setenv("HIREBOT_WORKDAY_END", "09:00")
    status = cli.main(["run"])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "HIREBOT_WORKDAY_START" in err
    assert "Traceback" not in err


def test_the_message_pace_is_a_setting_the_gateway_keeps(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert load_settings(_env_file=None).slack_messages_per_minute == 300
    monkeypatch.setenv("HIREBOT_SLACK_MESSAGES_PER_MINUTE", "150")
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/pace.db")
    services = build_services(settings)
    assert services.slack._limiter.messages_per_minute == 150
    services.db.engine.dispose()


def test_a_message_pace_of_zero_names_the_variable() -> None:
    assert "HIREBOT_SLACK_MESSAGES_PER_MINUTE" in config_error(HIREBOT_SLACK_MESSAGES_PER_MINUTE=0)
