"""Driving loops the way a recruiter does, for tests that need a loop to work on."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from db.models import Candidate
from handlers.ids import Action, Block, Callback
from tests.support.slack import ack_json, clock_time, date, form_values, number, text, user, users
from tests.support.slack import select as pick

_names = itertools.count(1)


def unique_name(first: str = "Priya") -> str:
    """The emulator keeps channels for the whole session, so each test has its own candidate."""
    return f"{first}{next(_names)} Tester"


def new_loop_values(bot, name: str, **overrides) -> dict:
    fields = {
        Block.CANDIDATE_NAME: text(name),
        Block.PACK: pick("ml-engineer"),
        Block.PROFILE: pick("ml-engineer/balanced"),
        Block.RECRUITER: user(bot.users["rita"]),
        Block.HIRING_MANAGER: user(bot.users["hank"]),
        Block.TEAM: users([bot.users["priya"], bot.users["omar"]]),
        Block.RESUME_URL: text("https://ats.example.com/candidates/42"),
    }
    fields.update(overrides)
    return form_values(**fields)


def open_loop(bot, name: str | None = None, **overrides) -> Candidate:
    name = name or unique_name()
    assert ack_json(bot.slack.command(bot.users["rita"], "new")) == {}
    view = bot.slack.opened_view()
    assert view["callback_id"] == Callback.NEW_LOOP
    assert ack_json(bot.slack.submit(bot.users["rita"], view, new_loop_values(bot, name, **overrides))) == {}
    # The set-up, then (through LoopOpened) the recruiters' Homes, where this runner has recruiters.
    assert bot.run_background() in (1, 2)
    with bot.services.db.transaction() as session:
        return session.scalars(select(Candidate).where(Candidate.name == name)).one()


# One argument per field of the interview modal.
def add_interview(  # noqa: PLR0913
    bot,
    candidate: Candidate,
    stage: str,
    who: str,
    day: str,
    at: str,
    minutes: int = 60,
    actor: str = "rita",
    via_command: bool = False,
):
    if via_command:
        ack_json(bot.slack.command(bot.users[actor], "schedule", channel=candidate.channel_id))
    else:
        bot.slack.click(bot.users[actor], Action.ADD_INTERVIEW, str(candidate.id), channel=candidate.channel_id)
    view = bot.slack.opened_view()
    assert view["callback_id"] == Callback.ADD_INTERVIEW
    values = form_values(
        **{
            Block.STAGE: pick(stage),
            Block.INTERVIEWER: user(bot.users[who]),
            Block.START_DATE: date(day),
            Block.START_TIME: clock_time(at),
            Block.DURATION: number(minutes),
        }
    )
    reply = ack_json(bot.slack.submit(bot.users[actor], view, values))
    bot.run_background()
    return reply
