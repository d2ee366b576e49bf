"""Hostile text end to end: a candidate name, a résumé link, evidence, notes and a rationale
written to break out of Slack's markup reach Slack only escaped, from `/hire new` to the decision."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from db.models import Interview
from handlers.ids import Block, Callback, evidence_block, flag_evidence_block
from tests.support.loops import add_interview, new_loop_values, open_loop, unique_name
from tests.support.markup import mrkdwn_texts
from tests.support.reminders import at, dms_to, sweep_at
from tests.support.scorecards import checks, coding_values, open_scorecard, radio
from tests.support.slack import ack_json, form_values, text

PAYLOAD = "<!channel> <@U0EVIL> <https://evil.example|click here> & co"
RAW = ("<!channel", "<@U0EVIL", "<https://evil")
SENT = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", "views.update", "views.push")


def what_slack_parses(bot) -> list[str]:
    """Every `text` and mrkdwn string the app sent, and what the emulator kept in each channel."""
    texts = []
    for method, args, _ in bot.client.calls:
        if method in SENT:
            texts.append(args.get("text") or "")
            blocks = args.get("blocks") or (args.get("view") or {}).get("blocks") or []
            texts += mrkdwn_texts(json.loads(blocks) if isinstance(blocks, str) else blocks)
    for _, body in bot.slack.responses.posts:  # answers to commands, through their response_url
        texts += [body.get("text") or "", *mrkdwn_texts(body.get("blocks") or [])]
    return texts


@pytest.mark.parametrize(
    "link",
    [
        "https://x|Open> <!channel> <https://evil.example|x>",  # passes a prefix check, breaks out of <url|label>
        "http://ats.example.com/candidates/42",
        "https://ats.example.com/a b",
        "javascript:alert(1)",
    ],
)
def test_a_resume_link_must_be_a_real_https_url(hirebot, link):
    hirebot.slack.command(hirebot.users["rita"], "new")
    view = hirebot.slack.opened_view()
    values = new_loop_values(hirebot, unique_name(), **{Block.RESUME_URL: text(link)})
    reply = ack_json(hirebot.slack.submit(hirebot.users["rita"], view, values))
    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) == {Block.RESUME_URL} and "https://" in reply["errors"][Block.RESUME_URL]
    assert hirebot.run_background() == 0
    assert "conversations.create" not in hirebot.client.methods()


def test_hostile_text_reaches_slack_only_escaped(hirebot):
    hirebot.clock.set(at("2030-03-04 09:00"))
    name = f"{unique_name('Eve')} {PAYLOAD}"
    resume = "https://ats.example.com/c?id=1&tab=cv"
    candidate = open_loop(hirebot, name, **{Block.RESUME_URL: text(resume)})
    add_interview(hirebot, candidate, "coding_round", "priya", "2030-03-06", "14:00")
    with hirebot.services.db.transaction() as session:
        interview = session.scalars(select(Interview).where(Interview.candidate_id == candidate.id)).one()

    assert sweep_at(hirebot, "2030-03-06 13:31").sent == 1  # the prep kit
    assert sweep_at(hirebot, "2030-03-06 15:00").sent == 1  # the scorecard is due
    sweep_at(hirebot, "2030-03-08 09:30")
    assert sweep_at(hirebot, "2030-03-08 15:00").sent == 1  # escalated to the recruiter
    prep = next(m for m in dms_to(hirebot, "priya") if m["text"].startswith("Prep kit"))
    assert "<https://ats.example.com/c?id=1&amp;tab=cv|résumé>" in json.dumps(prep["blocks"], ensure_ascii=False)

    values = coding_values(
        **{
            evidence_block("data_pipelines"): text(f"Said {PAYLOAD}"),
            Block.RED_FLAGS: checks("framework_dependent"),
            flag_evidence_block("framework_dependent"): text(f"Wrote {PAYLOAD}"),
            Block.NOTES: text(PAYLOAD),
        }
    )
    view = open_scorecard(hirebot, interview, "priya")
    assert ack_json(hirebot.slack.submit(hirebot.users["priya"], view, values))["response_action"] == "update"
    hirebot.run_background()
    ack_json(hirebot.slack.command(hirebot.users["rita"], "summary", channel=candidate.channel_id))
    hirebot.run_background()
    ack_json(hirebot.slack.command(hirebot.users["rita"], "decide", channel=candidate.channel_id))
    decide = hirebot.slack.opened_view()
    assert decide["callback_id"] == Callback.DECIDE
    chosen = form_values(**{Block.DECISION: radio("hold"), Block.RATIONALE: text(f"Because {PAYLOAD}")})
    assert ack_json(hirebot.slack.submit(hirebot.users["rita"], decide, chosen)) == {}
    hirebot.run_background()

    sent = what_slack_parses(hirebot)
    history = [m.get("text", "") for m in hirebot.emulator.history(candidate.channel_id)]
    for parsed in sent + history:
        assert not any(raw in parsed for raw in RAW), parsed
    # The name did get there, escaped: in the loop card, the pre-read and the decision.
    escaped = "&lt;!channel&gt; &lt;@U0EVIL&gt; &lt;https://evil.example|click here&gt; &amp; co"
    for start in ("Hiring loop:", "Debrief pre-read for", "Decision for"):
        assert any(t.startswith(start) and escaped in t for t in history), start
    assert any(t.startswith("Opened <#") and escaped in t for t in sent)  # the recruiter's confirmation


def test_an_unknown_subcommand_is_not_echoed_with_its_markup(hirebot):
    reply = ack_json(hirebot.slack.command(hirebot.users["rita"], "<!channel> please"))
    assert "<!channel>" not in reply["text"] and "I don't know that" in reply["text"]
    reply = ack_json(hirebot.slack.command(hirebot.users["rita"], "hrie"))
    assert "I don't know `/hire hrie`" in reply["text"]
