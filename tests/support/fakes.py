"""Fakes for the services' outbound ports, so the services can be tested without Slack.

RecordingGateway stands in for bot.services.ports.Gateway, RecordingRenderer for Renderer,
MutableClock for the clock, and `memory_database` for PostgreSQL or a file: a SQLite
database in memory shared by one connection. `fake_services` wires them with the real
bootstrap, so the services under test are the ones production builds.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.pool import StaticPool

from bot.background import QueuedBackground
from bot.bootstrap import Services, build_services
from bot.config import Settings, load_settings
from bot.errors import SlackError
from bot.services.ports import (
    Escalation,
    LoopCard,
    Message,
    Override,
    PersonalStatus,
    Picture,
    PrepKit,
    PreReadChange,
    ScorecardReminder,
    SlackImage,
)
from bot.services.summary import Summary
from bot.services.vote_rules import Reveal, VoteAsk
from bot.slack_gateway import SlackUser
from db.models import Base, Decision
from db.session import Database, make_engine
from rubrics.loader import PACKS_DIR, RubricRegistry

RECRUITER = "U0RITA0001"
MANAGER = "U0HANK0001"
PRIYA = "U0PRIYA001"
OMAR = "U0OMAR0001"


class MutableClock:
    """The app's idea of now, moved by tests. Starts at the real time so Slack timestamps agree."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> None:
        assert moment.tzinfo is not None
        self.now = moment


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class RecordingGateway:
    """Records every call; answers with plausible ids. `fail(method, error)` makes the next
    calls of that method raise `error` (all of them, or `times` of them; with `to`, only those
    to that channel or person)."""

    calls: list[Call] = field(default_factory=list)
    zones: dict[str, str] = field(default_factory=dict)  # user -> tz, for users.info
    _failures: dict[str, tuple[SlackError, int | None, str | None]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def fail(self, method: str, error: SlackError, times: int | None = None, to: str | None = None) -> None:
        self._failures[method] = (error, times, to)

    def _record(self, method: str, **args: Any) -> None:
        self.calls.append(Call(method, args))
        if method in self._failures:
            error, times, to = self._failures[method]
            if to is not None and args.get("channel") != to:
                return
            if times is not None:
                if times <= 1:
                    del self._failures[method]
                else:
                    self._failures[method] = (error, times - 1, to)
            raise error

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def create_private_channel(self, name: str) -> str:
        self._record("create_private_channel", name=name)
        return f"C{next(self._ids):09d}"

    def invite(self, channel: str, users: list[str]) -> None:
        self._record("invite", channel=channel, users=list(users))

    def set_topic(self, channel: str, topic: str) -> None:
        self._record("set_topic", channel=channel, topic=topic)

    def set_purpose(self, channel: str, purpose: str) -> None:
        self._record("set_purpose", channel=channel, purpose=purpose)

    def add_bookmark(self, channel: str, title: str, link: str) -> None:
        self._record("add_bookmark", channel=channel, title=title, link=link)

    def pin(self, channel: str, ts: str) -> None:
        self._record("pin", channel=channel, ts=ts)

    def archive(self, channel: str) -> None:
        self._record("archive", channel=channel)

    def post_message(self, channel: str, text: str, blocks: list[dict] | None = None) -> str:
        self._record("post_message", channel=channel, text=text, blocks=blocks)
        return f"1700000000.{next(self._ids):06d}"

    def update_message(self, channel: str, ts: str, text: str, blocks: list[dict] | None = None) -> None:
        self._record("update_message", channel=channel, ts=ts, text=text, blocks=blocks)

    def post_ephemeral(self, channel: str, user: str, text: str, blocks: list[dict] | None = None) -> None:
        self._record("post_ephemeral", channel=channel, user=user, text=text, blocks=blocks)

    def publish_home(self, user: str, view: dict) -> None:
        self._record("publish_home", user=user, view=view)

    def user_info(self, user: str) -> SlackUser:
        self._record("user_info", user=user)
        return SlackUser(id=user, name=user.lower(), real_name="", tz=self.zones.get(user), deleted=False, is_bot=False)

    def upload_file(self, user: str, filename: str, content: bytes, title: str, initial_comment: str) -> str:
        self._record("upload_file", user=user, filename=filename, content=content, title=title)
        return f"F{next(self._ids):09d}"

    def upload_image(self, filename: str, content: bytes, title: str, alt_text: str) -> str:
        self._record("upload_image", filename=filename, content=content, title=title, alt_text=alt_text)
        return f"F{next(self._ids):09d}"

    def delete_file(self, file_id: str) -> None:
        self._record("delete_file", file_id=file_id)

    def respond(self, url: str, text: str) -> None:  # for bootstrap.tell, outside the services' port
        self._record("respond", url=url, text=text)


@dataclass
class RecordingRenderer:
    """Records what the services asked to show; returns a message naming what it was."""

    rendered: list[tuple[str, Any]] = field(default_factory=list)

    def _message(self, what: str, subject: Any) -> Message:
        self.rendered.append((what, subject))
        return Message(text=what, blocks=[{"type": "section", "text": {"type": "plain_text", "text": what}}])

    def of(self, what: str) -> list[Any]:
        return [subject for kind, subject in self.rendered if kind == what]

    def loop_card(self, card: LoopCard) -> Message:
        return self._message("loop_card", card)

    def home(self, status: PersonalStatus) -> dict[str, Any]:
        self.rendered.append(("home", status))
        return {"type": "home", "blocks": []}

    def prep_kit(self, kit: PrepKit) -> Message:
        return self._message("prep_kit", kit)

    def scorecard_reminder(self, reminder: ScorecardReminder) -> Message:
        return self._message("scorecard_reminder", reminder)

    def escalation(self, escalation: Escalation) -> Message:
        return self._message("escalation", escalation)

    def debrief(
        self, summary: Summary, candidate_id: int, changes: list[PreReadChange], image: SlackImage | None = None
    ) -> Message:
        message = self._message("debrief", (summary, candidate_id, changes))
        if image is not None:
            message.blocks.append({"type": "image", "slack_file": {"id": image.file_id}, "alt_text": image.alt_text})
        return message

    def pre_read_picture(self, summary: Summary, names: dict[str, str]) -> Picture:
        self.rendered.append(("pre_read_picture", (summary, names)))
        return Picture(png=b"\x89PNG fake", alt_text="A heat map.", title="Ratings", width=1, height=1)

    def loop_age_chart(self, ages: Any, target_weeks: tuple[int, int]) -> Picture:
        self.rendered.append(("loop_age_chart", (tuple(ages), target_weeks)))
        return Picture(png=b"\x89PNG ages", alt_text="Loop ages.", title="Loop ages", width=1, height=1)

    def agreement_chart(self, rows: Any) -> Picture:
        self.rendered.append(("agreement_chart", tuple(rows)))
        return Picture(png=b"\x89PNG alpha", alt_text="Agreement.", title="Agreement", width=1, height=1)

    def decision(
        self,
        name: str,
        decision: Decision,
        rationale: str,
        actor: str,
        archive_for: int | None,
        override: Override | None = None,
    ) -> Message:
        return self._message("decision", (decision, rationale, actor, archive_for))

    def vote_ask(self, ask: VoteAsk) -> Message:
        return self._message("vote_ask", ask)

    def reveal(self, reveal: Reveal) -> Message:
        return self._message("reveal", reveal)


def memory_database() -> Database:
    """SQLite in memory; StaticPool keeps the one connection, so every session sees the same data."""
    engine = make_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    return Database(engine)


@functools.cache
def shipped_rubrics() -> RubricRegistry:
    """The packs that ship, read once per test run: they are data, and no test changes them."""
    return RubricRegistry.from_directory(PACKS_DIR)


def unit_settings(**extra: Any) -> Settings:
    return load_settings(
        _env_file=None,
        SLACK_BOT_TOKEN="xoxb-unit",
        SLACK_SIGNING_SECRET="unit",
        DATABASE_URL="sqlite://",
        HIREBOT_RECRUITERS=RECRUITER,
        HIREBOT_TIMEZONE="Europe/London",
        **extra,
    )


@dataclass
class FakeWorld:
    services: Services
    slack: RecordingGateway
    render: RecordingRenderer
    clock: MutableClock

    @property
    def db(self) -> Database:
        return self.services.db


def fake_services(clock: MutableClock, settings: Settings | None = None) -> FakeWorld:
    slack, render = RecordingGateway(), RecordingRenderer()
    background: Callable[..., QueuedBackground] = QueuedBackground
    services = build_services(
        settings or unit_settings(),
        slack=slack,  # type: ignore[arg-type]  # a fake of the gateway's port, not a SlackGateway
        db=memory_database(),
        rubrics=shipped_rubrics(),
        clock=clock,
        background=background,
        renderer=render,
    )
    return FakeWorld(services, slack, render, clock)
