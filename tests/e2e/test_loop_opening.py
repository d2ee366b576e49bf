"""Opening a loop when things go wrong: replayed submissions, Slack failing at each step of
the channel's set-up, the database refusing, and input PostgreSQL would refuse."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.background import Lane
from bot.errors import SlackSetupError, SlackTransientError
from db.models import Candidate, LoopStatus
from handlers.ids import Action, Block, Callback
from tests.support.loops import new_loop_values, open_loop, unique_name
from tests.support.slack import ack_json, clock_time, date, form_values, number, text, user, users
from tests.support.slack import select as pick


def base_name(name: str) -> str:
    return f"hire-{name.split()[0].lower()}-t-ml-engineer"


def channels_named(hirebot, name: str) -> list[dict]:
    """Every private channel the bot is in whose name is this candidate's (any suffix)."""
    found, cursor = [], ""
    while True:
        page = hirebot.emulator.post("conversations.list", types="private_channel", limit=1000, cursor=cursor)
        found += [c for c in page["channels"] if c["name"].startswith(base_name(name))]
        cursor = page.get("response_metadata", {}).get("next_cursor", "")
        if not cursor:
            return found


def submit_new(hirebot, name: str, **overrides) -> tuple[dict, dict]:
    ack_json(hirebot.slack.command(hirebot.users["rita"], "new"))
    view = hirebot.slack.opened_view()
    reply = ack_json(hirebot.slack.submit(hirebot.users["rita"], view, new_loop_values(hirebot, name, **overrides)))
    return view, reply


def loop_named(hirebot, name: str) -> Candidate:
    with hirebot.services.db.transaction() as session:
        return session.scalars(select(Candidate).where(Candidate.name == name)).one()


def loops_named(hirebot, name: str) -> int:
    with hirebot.services.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Candidate).where(Candidate.name == name))


def told(hirebot) -> str:
    """Everything the bot said to Rita: at the command's response_url, ephemerally or by DM."""
    rita = hirebot.users["rita"]
    said = [r.get("text", "") for r in hirebot.slack.replies()]
    said += [a["text"] for a in hirebot.client.all("chat.postEphemeral") if a.get("user") == rita]
    said += [a["text"] for a in hirebot.client.all("chat.postMessage") if a.get("channel") == rita]
    return "\n".join(said)


def slack_fails(hirebot, monkeypatch, *, except_for: tuple[str, ...] = (), after_create: bool = False) -> None:
    """Every Web API call fails as if Slack were down, except `except_for`. With
    `after_create`, conversations.create really creates the channel, then its answer is lost."""
    real = hirebot.services.slack.call

    def down(method: str, **kwargs):
        if method in except_for:
            return real(method, **kwargs)
        if method == "conversations.create" and after_create:
            real(method, **kwargs)
        raise SlackTransientError(method, "http_503")

    monkeypatch.setattr(hirebot.services.slack, "call", down)


def retry_buttons(blocks: list[dict]) -> list[str]:
    return [b["accessory"]["value"] for b in blocks if b.get("accessory", {}).get("action_id") == Action.RETRY_SETUP]


def status_outside_a_channel(hirebot) -> dict:
    return ack_json(hirebot.slack.command(hirebot.users["rita"], "status", channel="C0GENERAL"))


def home_of_rita(hirebot) -> dict:
    rita = hirebot.users["rita"]
    hirebot.slack.event({"type": "app_home_opened", "user": rita, "tab": "home", "channel": "D0RITA", "event_ts": "1"})
    hirebot.run_background()  # the Home is published after the event is answered
    args = hirebot.client.last("views.publish")[0]
    assert args["user_id"] == rita
    return args["view"]


# Replays


def test_a_replayed_new_loop_submission_opens_one_loop_and_one_channel(hirebot):
    name = unique_name("Lena")
    view, reply = submit_new(hirebot, name)
    assert reply == {}
    # Slack's signed request, sent again within its five minutes: once before and once after
    # the first one's set-up ran.
    again = ack_json(hirebot.slack.submit(hirebot.users["rita"], view, new_loop_values(hirebot, name)))
    assert again == {}
    hirebot.run_background()
    ack_json(hirebot.slack.submit(hirebot.users["rita"], view, new_loop_values(hirebot, name)))
    hirebot.run_background()
    assert loops_named(hirebot, name) == 1
    assert hirebot.client.methods().count("conversations.create") == 1
    assert [c["name"] for c in channels_named(hirebot, name)] == [base_name(name)]


def test_a_second_modal_for_the_same_candidate_is_a_second_loop(hirebot):
    """De-duplication is by view: a recruiter who really opens two loops gets two."""
    name = unique_name("Lena")
    submit_new(hirebot, name)
    submit_new(hirebot, name)
    hirebot.run_background()
    assert loops_named(hirebot, name) == 2


# Slack failing


def test_a_lost_create_response_leaves_a_saved_loop_that_retry_opens(hirebot, monkeypatch):
    name = unique_name("Ines")
    submit_new(hirebot, name)
    assert hirebot.services.background.lanes[-1] is Lane.SETUP  # never ahead of a vote (bot/background.py)
    slack_fails(hirebot, monkeypatch, after_create=True)
    hirebot.run_background()
    loop = loop_named(hirebot, name)
    assert loop.status is LoopStatus.OPENING and loop.channel_id is None
    assert loop.channel_name == base_name(name)  # the name whose creation may have happened
    assert loop.problems == ["channel: http_503"]
    monkeypatch.undo()

    status = status_outside_a_channel(hirebot)
    assert retry_buttons(status["blocks"]) == [str(loop.id)]
    hirebot.slack.click(hirebot.users["rita"], Action.RETRY_SETUP, str(loop.id))
    assert hirebot.services.background.lanes[-1] is Lane.SETUP
    hirebot.run_background()

    loop = loop_named(hirebot, name)
    assert loop.status is LoopStatus.OPEN and loop.card_ts
    # The lost call did create its channel; the bot cannot look a private channel up by name
    # with its scopes, so the loop moves to -2 and says which name may be left empty.
    assert loop.channel_name == base_name(name) + "-2"
    assert loop.problems == [f"lost-create: {base_name(name)}"]
    assert sorted(c["name"] for c in channels_named(hirebot, name)) == [base_name(name), base_name(name) + "-2"]
    assert hirebot.users["priya"] in hirebot.emulator.members(loop.channel_id)
    assert f"<#{loop.channel_id}>" in told(hirebot)
    assert retry_buttons(status_outside_a_channel(hirebot)["blocks"]) == []


def test_slack_down_for_every_call_still_leaves_the_loop_reachable(hirebot, monkeypatch):
    name = unique_name("Ines")
    submit_new(hirebot, name)
    slack_fails(hirebot, monkeypatch)  # the recruiter cannot even be told
    hirebot.run_background()
    loop = loop_named(hirebot, name)
    assert loop.status is LoopStatus.OPENING and loop.problems == ["channel: http_503"]
    monkeypatch.undo()

    home = home_of_rita(hirebot)
    assert retry_buttons(home["blocks"]) == [str(loop.id)]
    assert name in json.dumps(home)
    hirebot.slack.click(hirebot.users["rita"], Action.RETRY_SETUP, str(loop.id))  # from Home: no channel
    hirebot.run_background()

    loop = loop_named(hirebot, name)
    assert loop.status is LoopStatus.OPEN and loop.problems == []
    # Nothing was created by the failed call, so the retry gets the plain name.
    assert loop.channel_name == base_name(name)
    assert [c["name"] for c in channels_named(hirebot, name)] == [base_name(name)]
    pinned = hirebot.emulator.post("pins.list", channel=loop.channel_id)["items"]
    assert [p["message"]["ts"] for p in pinned] == [loop.card_ts]
    assert f"Opened <#{loop.channel_id}>" in told(hirebot)


def test_slack_failing_after_the_channel_exists_keeps_each_step_for_the_retry(hirebot, monkeypatch):
    name = unique_name("Ines")
    submit_new(hirebot, name)
    slack_fails(hirebot, monkeypatch, except_for=("conversations.create",))
    hirebot.run_background()
    loop = loop_named(hirebot, name)
    assert loop.status is LoopStatus.OPEN and loop.channel_id and loop.card_ts is None
    steps = {p.split(":")[0] for p in loop.problems}
    assert {"invite", "topic", "purpose", "bookmark", "card"} <= steps
    monkeypatch.undo()

    status = status_outside_a_channel(hirebot)
    assert retry_buttons(status["blocks"]) == [str(loop.id)]
    assert retry_buttons(home_of_rita(hirebot)["blocks"]) == [str(loop.id)]
    hirebot.slack.click(hirebot.users["rita"], Action.RETRY_SETUP, str(loop.id))
    hirebot.run_background()

    loop = loop_named(hirebot, name)
    assert loop.problems == [] and loop.card_ts
    channel = hirebot.emulator.channel(loop.channel_id)
    assert "Machine Learning Engineer" in channel["topic"]["value"]
    assert {hirebot.users[h] for h in ("rita", "hank", "priya", "omar")} <= set(
        hirebot.emulator.members(loop.channel_id)
    )
    assert [c["name"] for c in channels_named(hirebot, name)] == [base_name(name)]
    assert retry_buttons(status_outside_a_channel(hirebot)["blocks"]) == []


def test_the_recruiter_is_told_when_only_the_channel_side_fails(hirebot, monkeypatch):
    name = unique_name("Ines")
    submit_new(hirebot, name)
    real = hirebot.services.slack.call
    rita = hirebot.users["rita"]

    def channel_side_down(method: str, **kwargs):
        if method == "conversations.create" or (method == "chat.postMessage" and kwargs.get("channel") == rita):
            return real(method, **kwargs)
        raise SlackTransientError(method, "http_503")

    monkeypatch.setattr(hirebot.services.slack, "call", channel_side_down)
    hirebot.run_background()
    loop = loop_named(hirebot, name)
    said = told(hirebot)
    assert f"<#{loop.channel_id}>" in said and "Retry set-up" in said and "http_503" in said


def test_a_run_that_dies_midway_leaves_its_remaining_steps_marked(hirebot, monkeypatch):
    name = unique_name("Ines")
    submit_new(hirebot, name)

    def crash(*args):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(hirebot.services.loops.channel, "run_setup", crash)
    hirebot.run_background()
    monkeypatch.undo()
    loop = loop_named(hirebot, name)
    assert loop.channel_id and loop.card_ts is None and loop.setup_until is None
    assert {p.split(":")[0] for p in loop.problems} == {"invite", "topic", "purpose", "bookmark", "pin", "card"}
    assert retry_buttons(home_of_rita(hirebot)["blocks"]) == [str(loop.id)]

    hirebot.slack.click(hirebot.users["rita"], Action.RETRY_SETUP, str(loop.id))
    hirebot.run_background()
    loop = loop_named(hirebot, name)
    assert loop.problems == [] and loop.card_ts
    assert hirebot.users["priya"] in hirebot.emulator.members(loop.channel_id)
    # The retry refreshed the Home tab, which no longer lists the loop.
    assert retry_buttons(hirebot.client.last("views.publish")[0]["view"]["blocks"]) == []


def test_a_refused_channel_whose_recruiter_cannot_be_told_stays_listed(hirebot, monkeypatch):
    name = unique_name("Ines")
    submit_new(hirebot, name)

    def refuse(method: str, **kwargs):
        if method == "conversations.create":
            raise SlackSetupError(method, "restricted_action")
        raise SlackTransientError(method, "http_503")

    def unanswerable(url: str, text: str, blocks: object = None):
        raise SlackTransientError("response_url", "http_503")

    monkeypatch.setattr(hirebot.services.slack, "call", refuse)
    monkeypatch.setattr(hirebot.services.slack, "respond", unanswerable)
    hirebot.run_background()
    monkeypatch.undo()
    loop = loop_named(hirebot, name)
    assert loop.status is LoopStatus.OPENING and loop.problems == ["channel: restricted_action"]
    assert retry_buttons(status_outside_a_channel(hirebot)["blocks"]) == [str(loop.id)]


def test_a_retry_while_another_run_holds_the_loop_creates_nothing(hirebot, monkeypatch):
    name = unique_name("Ines")
    submit_new(hirebot, name)
    loop_id = loop_named(hirebot, name).id
    assert hirebot.services.loops.opening._claim(loop_id)  # a run in another process
    hirebot.slack.click(hirebot.users["rita"], Action.RETRY_SETUP, str(loop_id))
    hirebot.run_background()
    assert "conversations.create" not in hirebot.client.methods()
    assert "being set up right now" in told(hirebot)


def test_a_database_refusal_is_answered_in_the_modal_before_any_channel(hirebot, monkeypatch):
    opening = hirebot.services.loops.opening
    real = opening._row

    def refused(*args):
        row = real(*args)
        row.pack_version = None  # NOT NULL: both databases refuse the insert
        return row

    monkeypatch.setattr(opening, "_row", refused)
    name = unique_name("Ines")
    _, reply = submit_new(hirebot, name)
    assert reply["response_action"] == "errors"
    assert "nothing was created in Slack" in reply["errors"][Block.CANDIDATE_NAME]
    assert hirebot.run_background() == 0
    assert "conversations.create" not in hirebot.client.methods()


# Input the database would refuse


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (Block.CANDIDATE_NAME, text("Ada\x00 Lovelace"), "control characters"),
        (Block.CANDIDATE_NAME, text("Ada\x1b[31m Lovelace"), "control characters"),
        (Block.RESUME_URL, text("https://ats.example.com/\x00"), "control characters"),
        (Block.RESUME_URL, text("https://ats.example.com/" + "a" * 2000), "under 2000 characters"),
        (Block.TEAM, users(["U0\x00X"]), "Pick the hiring team"),
        (Block.TEAM, users(["U" + "1" * 40]), "Pick the hiring team"),
    ],
)
def test_new_loop_input_postgres_would_refuse_is_answered_inline(hirebot, field, value, message):
    _, reply = submit_new(hirebot, unique_name(), **{field: value})
    assert reply["response_action"] == "errors"
    assert message in reply["errors"][field]
    assert hirebot.run_background() == 0
    assert "conversations.create" not in hirebot.client.methods()
    with hirebot.services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Candidate)) == 0


@pytest.mark.parametrize(
    ("day", "at", "who", "field"),
    [
        ("9999-12-31", "23:00", "omar", Block.START_DATE),
        ("0001-01-01", "00:30", "omar", Block.START_DATE),
        ("1999-12-31", "10:00", "omar", Block.START_DATE),
        ("2030\x00-03-04", "10:00", "omar", Block.START_DATE),
        ("2030-03-04", "10:00", None, Block.INTERVIEWER),
    ],
)
def test_interview_dates_and_people_out_of_range_are_answered_inline(hirebot, day, at, who, field):
    candidate = open_loop(hirebot)
    hirebot.slack.click(hirebot.users["rita"], Action.ADD_INTERVIEW, str(candidate.id), channel=candidate.channel_id)
    view = hirebot.slack.opened_view()
    values = form_values(
        **{
            Block.STAGE: pick("coding_round"),
            Block.INTERVIEWER: user(hirebot.users[who] if who else "U0\x00OMAR"),
            Block.START_DATE: date(day),
            Block.START_TIME: clock_time(at),
            Block.DURATION: number(60),
        }
    )
    reply = ack_json(hirebot.slack.submit(hirebot.users["rita"], view, values))
    assert reply["response_action"] == "errors" and field in reply["errors"]
    assert hirebot.run_background() == 0


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2099-01-01"])
def test_debrief_dates_out_of_range_are_answered_inline(hirebot, day):
    candidate = open_loop(hirebot)
    hirebot.slack.click(hirebot.users["rita"], Action.SET_DEBRIEF, str(candidate.id), channel=candidate.channel_id)
    view = hirebot.slack.opened_view()
    assert view["callback_id"] == Callback.SET_DEBRIEF
    values = form_values(**{Block.DEBRIEF_DATE: date(day), Block.DEBRIEF_TIME: clock_time("23:30")})
    reply = ack_json(hirebot.slack.submit(hirebot.users["rita"], view, values))
    assert reply["response_action"] == "errors" and Block.DEBRIEF_DATE in reply["errors"]
    assert hirebot.run_background() == 0


def test_a_decision_rationale_with_nul_is_answered_inline(hirebot):
    candidate = open_loop(hirebot)
    hirebot.slack.command(hirebot.users["rita"], "decide", channel=candidate.channel_id)
    view = hirebot.slack.opened_view()
    assert view["callback_id"] == Callback.DECIDE
    values = form_values(
        **{
            Block.DECISION: {"type": "radio_buttons", "selected_option": {"value": "hold"}},
            Block.RATIONALE: text("Strong.\n\x00Needs a second look."),
        }
    )
    reply = ack_json(hirebot.slack.submit(hirebot.users["rita"], view, values))
    assert reply["response_action"] == "errors" and "control characters" in reply["errors"][Block.RATIONALE]
    assert hirebot.run_background() == 0
    # Line breaks are what a rationale is made of: they stay allowed.
    values[Block.RATIONALE] = {next(iter(values[Block.RATIONALE])): text("Strong.\n\tNeeds a second look.")}
    assert ack_json(hirebot.slack.submit(hirebot.users["rita"], view, values)) == {}
