"""A slash command is answered where it was typed: in its ack, or, for work that goes on after
the ack, through its response_url. Neither needs the person to be in the channel, and neither is
a Web API call; a DM is the fallback once the response_url is used up or too old."""

from __future__ import annotations

import json
import urllib.request

from sqlalchemy import select

from db.models import Candidate, LoopStatus
from tests.support.loops import new_loop_values, open_loop, unique_name
from tests.support.slack import ack_json


def test_new_typed_where_the_recruiter_is_no_member_is_answered_through_its_response_url(hirebot):
    name = unique_name()
    # C0ELSEWHERE: a conversation neither the bot nor the recruiter is in.
    assert ack_json(hirebot.slack.command(hirebot.users["rita"], "new", channel="C0ELSEWHERE")) == {}
    command_url = hirebot.slack.response_url
    hirebot.slack.submit(hirebot.users["rita"], hirebot.slack.opened_view(), new_loop_values(hirebot, name))
    hirebot.run_background()
    with hirebot.services.db.transaction() as session:
        channel = session.scalars(select(Candidate.channel_id).where(Candidate.name == name)).one()
    [told] = hirebot.slack.replies(command_url)
    assert told == {"text": f"Opened <#{channel}> for {name}.", "response_type": "ephemeral", "replace_original": False}
    assert "chat.postEphemeral" not in hirebot.client.methods()
    assert not [m for m in hirebot.client.all("chat.postMessage") if m["channel"] == hirebot.users["rita"]]


def test_a_summary_that_fails_after_the_ack_is_answered_through_the_commands_response_url(hirebot):
    candidate = open_loop(hirebot)
    with hirebot.services.db.transaction() as session:
        session.get(Candidate, candidate.id).status = LoopStatus.DECIDED
    accepted = ack_json(hirebot.slack.command(hirebot.users["rita"], "summary", channel=candidate.channel_id))
    assert "Posting the debrief pre-read" in accepted["text"]
    hirebot.run_background()
    assert [r["text"] for r in hirebot.slack.replies()] == ["This loop is closed."]
    assert "chat.postEphemeral" not in hirebot.client.methods()


def test_a_used_up_response_url_falls_back_to_a_dm(hirebot):
    hirebot.slack.command(hirebot.users["rita"], "new", channel="C0ELSEWHERE")
    for _ in range(5):  # Slack takes five answers per response_url
        request = urllib.request.Request(
            hirebot.slack.response_url, data=json.dumps({"text": "earlier"}).encode(), method="POST"
        )
        urllib.request.urlopen(request, timeout=5).close()
    name = unique_name()
    hirebot.slack.submit(hirebot.users["rita"], hirebot.slack.opened_view(), new_loop_values(hirebot, name))
    hirebot.run_background()
    dm = [m for m in hirebot.client.all("chat.postMessage") if m["channel"] == hirebot.users["rita"]]
    assert [m["text"] for m in dm] == [
        f"Opened <#{hirebot.client.last('conversations.create')[1]['channel']['id']}> for {name}."
    ]
    assert "chat.postEphemeral" not in hirebot.client.methods()
