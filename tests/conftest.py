"""Fixtures shared by the whole suite: databases, the Slack emulator, and a wired app."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.app import create_app
from bot.background import QueuedBackground
from bot.bootstrap import Services, build_services
from bot.config import Settings, load_settings
from bot.logs import logging_config
from bot.slack_gateway import RateLimiter, SlackGateway
from db.models import Base
from db.session import Database, make_engine
from tests.support.emulator import BOT_TOKEN, SlackEmulator, start_emulator
from tests.support.fakes import MutableClock
from tests.support.invites import check_invites
from tests.support.logs import assert_not_logged, personal_data
from tests.support.pgworker import per_worker_url
from tests.support.slack import SIGNING_SECRET, RecordingClient, SlackDriver

PG_URL = per_worker_url(os.environ.get("HIREBOT_TEST_DATABASE_URL"))
DATABASES = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def database_url(kind: str, tmp_path) -> str:
    return f"sqlite:///{tmp_path}/hirebot.db" if kind == "sqlite" else PG_URL  # type: ignore[return-value]


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:
    engine = make_engine(database_url(request.param, tmp_path))
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield Database(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackEmulator]:
    emu = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield emu
    emu.stop()


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@dataclass
class Hirebot:
    """The app as Slack sees it, plus handles on everything behind it."""

    services: Services
    slack: SlackDriver
    emulator: SlackEmulator
    client: RecordingClient
    clock: MutableClock
    limiter_waits: list[float]
    # Off only where a test writes the database behind the app's back (no invite follows that).
    invites_match_db: bool = True

    @property
    def users(self) -> dict[str, str]:
        return self.emulator.users

    def run_background(self) -> int:
        """Run what the listeners handed off after their ack, as the worker threads would."""
        return self.services.background.drain()  # type: ignore[attr-defined]


def make_settings(emulator: SlackEmulator, db_url: str, token: str = BOT_TOKEN, **extra: object) -> Settings:
    return load_settings(
        _env_file=None,
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=emulator.api_url,
        DATABASE_URL=db_url,
        HIREBOT_RECRUITERS=emulator.users["rita"],
        HIREBOT_TIMEZONE="Europe/London",
        **extra,
    )


@pytest.fixture
def hirebot(
    emulator: SlackEmulator, database: Database, clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> Iterator[Hirebot]:
    # Every end-to-end test runs with logging at DEBUG, as `hirebot -v` does, and fails if a
    # candidate name, a note, evidence, the token or the signing secret reached a log record.
    caplog.set_level(logging.DEBUG)
    token = emulator.next_bot_token()
    client = RecordingClient(token=token, base_url=emulator.api_url, timeout=10)
    waits: list[float] = []
    # Rate limiting is exercised by its own tests; here waits are recorded, not slept.
    gateway = SlackGateway(client, RateLimiter(sleep=waits.append), sleep=waits.append)
    settings = make_settings(emulator, str(database.engine.url.render_as_string(hide_password=False)), token)
    services = build_services(settings, slack=gateway, db=database, clock=clock, background=QueuedBackground)
    app = create_app(services)
    driver = SlackDriver(app, emulator, client)
    bot = Hirebot(services, driver, emulator, client, clock, waits)
    yield bot
    driver.stop()
    if services.loops.channel.watch is not None:
        services.loops.channel.watch.stop(wait=False)
    assert not client.violations, "payloads Slack would refuse:\n" + "\n".join(client.violations)
    # Every calendar invite sent in the end-to-end run is parsed and checked against its database.
    check_invites(client, emulator, database, against_db=bot.invites_match_db)
    assert_not_logged(caplog, personal_data(database) | {token, SIGNING_SECRET})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e, and anything that needs the emulator, is end-to-end.

    Applied here rather than by hand so that a new e2e test cannot forget its marker, and so
    that `make unit` (-m "not e2e") never starts the emulator.
    """
    e2e = pytest.mark.e2e
    for item in items:
        in_e2e = "e2e" in item.path.parts
        if in_e2e or "emulator" in getattr(item, "fixturenames", ()):
            item.add_marker(e2e)


@pytest.fixture(autouse=True)
def restore_logging_setup() -> Iterator[None]:
    """`cli.main` configures logging for the whole process; each test gets back the set-up it had."""
    root = logging.getLogger()
    names = list(logging_config()["loggers"])
    saved = (root.level, root.handlers[:], {name: logging.getLogger(name).level for name in names})
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def no_log_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No HIREBOT_LOG_* from the environment, and no stray .env, for tests of the logging set-up."""
    for name in ("HIREBOT_LOG_LEVEL", "HIREBOT_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
