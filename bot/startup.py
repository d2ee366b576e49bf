"""Start-up checks for every process that talks to Slack or the database.

A mistake a person can fix (a placeholder or revoked token, a database that is down or was
never migrated, a folder that does not exist) becomes one ConfigError line; the CLI and the
gunicorn hook print it and exit non-zero. A Slack outage at start is only a warning: a deploy
during one must still bring the processes up, and they recover when Slack does.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import pool
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.config import WHERE, ConfigError, Settings, default_database_path
from bot.errors import SlackError, SlackTransientError
from bot.slack_gateway import SlackGateway
from db.migrate import current_revision, head_revision, known_revisions, upgrade
from db.session import make_engine

log = logging.getLogger("hirebot")


def safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def preflight(
    settings: Settings, *, needs: tuple[str, ...], migrate: bool = False, serves: bool = True, shared: bool = True
) -> None:
    """What `run`, `serve`, `worker` and gunicorn check before they start.

    `serves`: the process answers slash commands, so an empty recruiter list matters to it.
    `shared`: it is one of several processes (HTTP mode), which SQLite cannot serve safely.
    """
    settings.require(*needs)
    check_database(settings, migrate=migrate)
    if shared and settings.is_sqlite:
        log.warning(
            "the database is SQLite (%s): that is for one process on one machine; "
            "set DATABASE_URL to PostgreSQL to run the Procfile's web and worker processes",
            make_url(settings.database_url).database,
        )
    if serves and not settings.recruiters:
        log.warning("HIREBOT_RECRUITERS is empty: nobody can open a loop with /hire new until you list member ids")
    verify_token(SlackGateway.connect(settings.slack_bot_token or "", settings.slack_api_url))


def check_database(settings: Settings, *, migrate: bool) -> None:
    """Connect once and compare the schema with this release's; migrate it or say how to."""
    url = settings.database_url
    _check_sqlite_folder(url)
    # make_engine bounds the connect, so an unreachable host does not hang a deploy.
    engine = make_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            current = current_revision(connection)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise ConfigError(f"Cannot open the database at {safe_url(url)} (DATABASE_URL): {reason}") from None
    finally:
        engine.dispose()
    head = head_revision()
    if current == head:
        return
    if current is not None and current not in known_revisions():
        raise ConfigError(
            f"The database at {safe_url(url)} is at schema {current}, newer than this hirebot knows ({head}); "
            "deploy the release that migrated it."
        )
    if not migrate:
        state = "empty" if current is None else f"at schema {current}"
        raise ConfigError(
            f"The database at {safe_url(url)} is {state}, this release needs {head}: run `hirebot migrate` first."
        )
    upgrade(url)
    log.info("database migrated from %s to %s", current or "empty", head)


def _check_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    if path.parent == default_database_path().parent:
        # The default location is ours to create; a folder someone typed is theirs.
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise ConfigError(
            f"DATABASE_URL points into {path.parent}, which does not exist: create the folder or fix the path."
        )


def verify_token(slack: SlackGateway) -> None:
    """One auth.test: a refused token stops the start; an unreachable Slack does not."""
    try:
        identity = slack.auth_test()
    except SlackTransientError as exc:
        log.warning("could not check SLACK_BOT_TOKEN with Slack (%s); starting anyway", exc.code)
        return
    except SlackError as exc:
        raise ConfigError(
            f"Slack refused SLACK_BOT_TOKEN ({exc.code}): it was revoked or belongs to another app or workspace; "
            f"copy the current one from {WHERE['SLACK_BOT_TOKEN']}."
        ) from None
    log.info("Slack token is for bot %s in team %s", identity.get("user_id"), identity.get("team_id"))
