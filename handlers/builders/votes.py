"""Block Kit for sealed votes: the DM that asks for one, the vote modal, the reveal, and the
votes as the decide modal shows them. Reasons are typed by people: always escaped."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from bot.mrkdwn import escape
from bot.services.ports import Message
from bot.services.vote_rules import Reveal, Turn, VoteAsk, VoteForm, VoteLine, VoteStatus
from handlers.builders.common import (
    MESSAGE_BLOCKS_MAX,
    Block,
    button,
    context,
    fit,
    header,
    input_block,
    modal,
    option,
    pack_lines,
    section,
    text_input,
    when,
)
from handlers.ids import Action, Callback
from handlers.ids import Block as B
from rubrics.models import Recommendation

REASON_SHOWN = 600  # per vote in the reveal; the export keeps every word
VOTERS_NAMED = 40  # in the decide modal's context line, whose text Slack caps at 2000 characters
SCALE = list(Recommendation)
ORDER_WHY = (
    "Why this order: whoever speaks first sets the frame and the hiring manager's view anchors the room, so dissent "
    "and what only one person saw are heard first. A suggestion; nothing enforces it."
)
STEP_TITLES = {
    1: "unique evidence or a vote against the majority",
    2: "the rest of the panel",
    3: "the hiring manager",
    4: "the recruiter closes",
}


def vote_ask(ask: VoteAsk) -> Message:
    where = f" in <#{ask.channel_id}>" if ask.channel_id else ""
    name = escape(ask.candidate_name)
    lead = (
        f"A reminder: your sealed vote for *{name}*{where} is not in yet."
        if ask.nudge
        else f"*Cast your sealed vote* for *{name}*{where}: your final recommendation and why."
    )
    body = (
        f"{lead}\nNobody sees any vote, yours included, until they are all revealed together: on the last vote, "
        f"or when the debrief starts ({when(ask.debrief_at, ask.zone)}). You can change it until then."
    )
    blocks: list[Block] = [
        section(body, accessory=button("Cast your sealed vote", Action.CAST_VOTE, str(ask.candidate_id), "primary"))
    ]
    return Message(text=f"Cast your sealed vote for {name}", blocks=blocks)


def vote_modal(form: VoteForm) -> dict[str, Any]:
    choices = [option(r.label, r.value) for r in SCALE]
    radio: dict[str, Any] = {"type": "radio_buttons", "options": choices}
    if form.vote is not None:
        radio["initial_option"] = choices[SCALE.index(form.vote)]
    blocks: list[Block] = [
        context(
            f"Candidate: *{escape(form.candidate_name)}*. Your scorecard said *{form.scorecard.label}*. "
            "Nobody sees your vote until the reveal; you can change it until then."
        ),
        input_block(B.VOTE, "Final recommendation", radio),
        input_block(
            B.VOTE_REASON,
            "Reason",
            text_input(multiline=True, max_length=3000, initial=form.reason or None),
            optional=True,
            hint="Required if your vote differs from your scorecard: what changed your mind?",
        ),
    ]
    return modal(
        Callback.SEALED_VOTE, "Sealed vote", blocks, submit="Cast vote", metadata={"candidate_id": form.candidate_id}
    )


def _shift(line: VoteLine) -> str:
    if not line.shifted:
        return ""
    up = SCALE.index(line.vote) > SCALE.index(line.scorecard)  # type: ignore[arg-type]
    return f" {'⬆️' if up else '⬇️'} *shifted {'up' if up else 'down'}*"


def vote_lines(lines: list[VoteLine], reason_max: int = REASON_SHOWN) -> list[str]:
    out = []
    for line in lines:
        head = f"• <@{line.voter_id}> · "
        if line.vote is None:
            out.append(f"{head}_not cast_ (scorecard: {line.scorecard.label})")
            continue
        said = f": “{fit(escape(' '.join(line.reason.split())), reason_max)}”" if line.reason else ""
        out.append(f"{head}*{line.vote.label}* (scorecard: {line.scorecard.label}){_shift(line)}{said}")
    return out


def _order(order: list[Turn]) -> list[str]:
    """The order as section texts: one line per step, however many people share it."""
    rows = []
    for n, (step, turns) in enumerate(groupby(order, key=lambda t: t.step), start=1):
        people = [f"<@{t.user_id}>" + (f" ({t.why})" if step == 1 else "") for t in turns]
        rows.append(f"{n}. {', '.join(people)}: {STEP_TITLES[step]}")
    return pack_lines(["*Suggested speaking order*", *rows])


def _tally(lines: list[VoteLine]) -> str:
    counts = [(r.label, sum(1 for line in lines if line.vote is r)) for r in SCALE]
    parts = [f"{n} {label}" for label, n in counts if n]
    missing = sum(1 for line in lines if line.vote is None)
    shifted = sum(1 for line in lines if line.shifted)
    return (
        ", ".join(parts + ([f"{missing} not cast"] if missing else [])) + f"; {shifted} shifted"
        if lines
        else "no panel"
    )


def reveal(r: Reveal) -> Message:
    """Every vote at once, each beside its author's scorecard call, then who speaks first."""
    how = "the last vote is in" if r.trigger == "last vote" else "the debrief has started"
    head: list[Block] = [header(f"Sealed votes: {r.candidate_name}"), context(f"Revealed together because {how}.")]
    tail: list[Block] = [*(section(t) for t in _order(r.order)), context(ORDER_WHY)]
    room, per = MESSAGE_BLOCKS_MAX - len(head) - len(tail), REASON_SHOWN
    while True:
        texts = pack_lines(["*Votes* (final call, beside the scorecard's)", *vote_lines(r.lines, per)])
        if len(texts) <= room or per <= 20:
            break
        per //= 2
    blocks = head + [section(t) for t in texts[:room]] + tail
    return Message(text=f"Sealed votes for {escape(r.candidate_name)}: {_tally(r.lines)}", blocks=blocks)


def status_blocks(status: VoteStatus | None, room: int) -> list[Block]:
    """For the decide modal: before the reveal only who has voted; after it, the votes."""
    if status is None or not status.panel:
        return []
    if not status.revealed:
        shown = status.voted[:VOTERS_NAMED]
        more = len(status.voted) - len(shown)
        who = ", ".join(f"<@{u}>" for u in shown) + (f" and {more} more" if more else "") or "nobody yet"
        return [
            context(
                f"*Sealed votes*: {len(status.voted)} of {len(status.panel)} cast ({who}). "
                "Sealed until the reveal: on the last vote or at the debrief's start."
            )
        ]
    per = REASON_SHOWN
    while True:
        texts = pack_lines(["*Sealed votes* (revealed)", *vote_lines(status.lines, per)])
        if len(texts) <= room or per <= 20:
            return [section(t) for t in texts[:room]]
        per //= 2
