"""Block Kit for the debrief pre-read and the decision. The pre-read must fit one message
(50 blocks, 3000 characters a section) however many scorecards and red flags there are, and
must never drop a red flag or a point only one person saw: evidence is trimmed before
anything else is."""

from __future__ import annotations

import handlers.builders.votes as vote_views
from bot.mrkdwn import escape
from bot.services.decision_rule import ADVICE, RuleOutcome
from bot.services.ports import Message, Override, PreReadChange, SlackImage
from bot.services.summary import Summary
from bot.services.vote_rules import VoteStatus
from db.vocabulary import Decision
from handlers.builders.common import (
    MESSAGE_BLOCKS_MAX,
    MODAL_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    Block,
    actions,
    button,
    context,
    divider,
    fit,
    header,
    image,
    input_block,
    modal,
    option,
    section,
    text_input,
)
from handlers.builders.measures import calibration_section, coverage_blocks
from handlers.ids import Action, Callback
from handlers.ids import Block as B

DECISION_LABELS = {Decision.HIRE: "✅ Hire", Decision.NO_HIRE: "❌ No hire", Decision.HOLD: "⏸ Hold"}
EVIDENCE_MAX = 280
EVIDENCE_MIN = 40


UNIQUE_TITLE = "*Only one person saw this*"
UNIQUE_WHY = "nobody else in the room knows these unless they are said: hear them first"


def _headline(s: Summary) -> str:
    """Who and how far along; the recommendation tally waits below the evidence on purpose."""
    min_w, max_w = s.target_weeks
    pace = "on track" if s.days_open <= max_w * 7 else "over target"
    amended = (
        f" · {s.amendments} amendment{'s' if s.amendments != 1 else ''} after the first posting" if s.amendments else ""
    )
    return (
        f"*{escape(s.candidate_name)}* · {escape(s.role)} · {escape(s.profile_name)}\n"
        f"*Scorecards*: {s.submitted} of {s.expected} in · *Loop*: day {s.days_open} of a {min_w}-{max_w} week "
        f"target ({pace}){amended}"
    )


def _tally(s: Summary) -> str:
    return "*Recommendations*: " + " · ".join(f"{r.label} {n}" for r, n in s.tally.items())


def _matrix(s: Summary) -> str:
    lines = []
    for row in s.matrix:
        if not row.count:
            continue
        mark = " ⚠️ *disagreement*" if row.disagreement else ""
        weight = f" · weight {row.weight:g}" if row.weight != 1 else ""
        lines.append(f"• {escape(row.name)}: *{row.mean:.1f}* (n={row.count}, spread {row.spread}{weight}){mark}")
    fit_line = f"*Profile fit*: {s.profile_fit:.2f} / 4" if s.profile_fit is not None else "*Profile fit*: no ratings"
    return "*Competencies* (mean of 1-4)\n" + ("\n".join(lines) or "_No ratings yet._") + f"\n{fit_line}"


def _disagreements(s: Summary) -> str | None:
    if not s.disagreements:
        return None
    lines = [
        f"• {escape(row.name)}: " + ", ".join(f"<@{who}> {rating}" for who, rating in row.ratings)
        for row in s.disagreements
    ]
    return "*Disagreements* (2+ points apart: worth discussing first)\n" + "\n".join(lines)


def _rule(rule: RuleOutcome | None) -> str | None:
    """One line: the rule's answer, why with the arithmetic, and that it is advice. The advice
    is kept whole however long the reasons are."""
    if rule is None:
        return None
    head = f"*Decision rule* says *{rule.verdict.value}* — {'; '.join(rule.reasons)}."
    return fit(head, SECTION_TEXT_MAX - len(ADVICE) - 1) + " " + ADVICE


def _impressions(s: Summary) -> str | None:
    """Per scorecard, how many ratings rest on an impression the interviewer kept as written."""
    if not s.impressions:
        return None
    lines = [
        f"• <@{row.interviewer_id}> · {escape(row.stage_name)}: {row.count} of {row.rated} "
        f"rating{'s' if row.rated != 1 else ''}"
        for row in s.impressions
    ]
    title = "*Impression-only evidence* (kept as written after a nudge: weigh these ratings less)"
    return fit(title + "\n" + "\n".join(lines), SECTION_TEXT_MAX)


Item = tuple[str, str | None]  # a line's head, and the evidence to quote after it (None: no quote)


def _unique_items(s: Summary) -> list[Item]:
    return [
        (
            f"• <@{u.interviewer_id}> · {escape(u.stage_name)} · "
            + (f"*{escape(u.topic)}* rated {u.rating}" if u.rating is not None else f"red flag *{escape(u.topic)}*"),
            u.evidence,
        )
        for u in s.unique
    ]


def _flag_items(s: Summary) -> list[Item]:
    """Every flag raised. A flag only one person raised has its evidence quoted under unique
    evidence already, so it is not quoted twice."""
    above = {(u.interviewer_id, u.topic, u.stage_name) for u in s.unique if u.rating is None}
    items: list[Item] = []
    for f in s.flags:
        repeated = " (repeated)" if f.repeated else ""
        head = f"🚩 *{escape(f.label)}*{repeated} · {escape(f.stage_name)}, <@{f.interviewer_id}>"
        if (f.interviewer_id, f.label, f.stage_name) in above:
            items.append((f"{head}: evidence above, under _Only one person saw this_", None))
        else:
            items.append((head, f.evidence))
    return items


def _quoted(items: list[Item], per_item: int) -> list[str]:
    # Escaping can lengthen evidence (& becomes &amp;), so trim what is shown, not what was typed.
    lines = []
    for head, evidence in items:
        if evidence is None:
            lines.append(head)
        else:
            lines.append(f"{head}: “{fit(escape(' '.join(evidence.split())), max(2, per_item))}”")
    return lines


def _evidence_sections(s: Summary, room: int) -> tuple[list[str], list[str]]:
    """Unique evidence and red flags in at most `room` sections. Evidence is trimmed, evenly and
    then harder, before any line is left out: no flag and no unique point is dropped."""
    unique, flags = _unique_items(s), _flag_items(s)
    unique_title = f"{UNIQUE_TITLE} ({len(unique)}): {UNIQUE_WHY}" if unique else None
    flag_title = f"*Red flags* ({len(s.flags)})" if s.flags else "*Red flags*: none raised"
    quoted = sum(1 for _, e in unique + flags if e is not None) or 1
    spare = room * (SECTION_TEXT_MAX - 100) - sum(len(h) + 8 for h, _ in unique + flags)
    per_item = max(EVIDENCE_MIN, min(EVIDENCE_MAX, spare // quoted))
    while True:
        unique_sections = _pack(unique_title, _quoted(unique, per_item)) if unique_title else []
        flag_sections = _pack(flag_title, _quoted(flags, per_item))
        if len(unique_sections) + len(flag_sections) <= room or per_item <= 2:
            break
        per_item //= 2
    # Only reachable if the line heads alone overflow the message; never in a real loop.
    unique_sections = unique_sections[:room]
    return unique_sections, flag_sections[: room - len(unique_sections)]


def _pack(title: str, lines: list[str]) -> list[str]:
    """Lines into section texts of at most 3000 characters, the first one titled."""
    sections, current = [], title
    for line in lines:
        if len(current) + 1 + len(line) > SECTION_TEXT_MAX:
            sections.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    sections.append(current)
    return sections


def _update_note(changes: list[PreReadChange]) -> str | None:
    """'updated: +1 scorecard (Coding round, <@U1>)': the mention is ours, so only the stage is escaped."""
    added = [f"{escape(c.stage_name)}, <@{c.interviewer_id}>" for c in changes if not c.amended]
    amended = [f"{escape(c.stage_name)}, <@{c.interviewer_id}>" for c in changes if c.amended]
    parts = []
    if added:
        parts.append(f"+{len(added)} scorecard{'s' if len(added) > 1 else ''} ({'; '.join(added)})")
    if amended:
        parts.append(f"{len(amended)} amended ({'; '.join(amended)})")
    return "updated: " + ", ".join(parts) if parts else None


def _after_votes(s: Summary) -> list[Block]:
    """Coverage gaps, missing scorecards and calibration: read last."""
    blocks: list[Block] = []
    if s.gaps:
        blocks.append(section("*Coverage gaps* (no scorecard rated these)\n" + ", ".join(escape(g) for g in s.gaps)))
    if s.missing:
        lines = [
            f"• <@{m.interviewer_id}> · {escape(m.stage_name)} · "
            + (f"overdue by {age(m.overdue_by.total_seconds())}" if m.overdue_by else "not due yet")
            for m in s.missing
        ]
        blocks.append(section(fit("*Missing scorecards*\n" + "\n".join(lines), SECTION_TEXT_MAX)))
    blocks += coverage_blocks(s.coverage, "rated")
    calibration = calibration_section(s.calibration)
    if calibration:
        blocks.append(calibration)
    impressions = _impressions(s)
    if impressions:
        blocks.append(section(impressions))
    return blocks


def debrief(s: Summary, candidate_id: int, changes: list[PreReadChange], picture: SlackImage | None = None) -> Message:
    """The pre-read; `changes` are what arrived since it was last posted (empty the first time).

    Evidence comes first and votes last: what only one person saw, then where the panel
    disagrees, then the aggregates (with the heat map, when it was uploaded) and red flags,
    then the pack's rule, then the tally."""
    note = _update_note(changes)
    disagreements, rule = _disagreements(s), _rule(s.rule)
    middle: list[Block] = ([section(fit(disagreements, SECTION_TEXT_MAX))] if disagreements else []) + [
        section(_matrix(s)),
        *([image(picture.file_id, picture.alt_text, picture.title)] if picture else []),
        context(f"Profile fit: {escape(s.fit_explanation)}"),
    ]
    tail: list[Block] = ([section(rule)] if rule else []) + [section(_tally(s))] + _after_votes(s)
    if note:
        tail.append(context(f"_{note}_"))
    tail.append(actions("debrief", button("Full scorecards", Action.VIEW_PANEL, str(candidate_id))))
    head: list[Block] = [header(f"Debrief pre-read: {s.candidate_name}"), section(_headline(s)), divider()]

    room = MESSAGE_BLOCKS_MAX - len(head) - len(middle) - len(tail)
    unique, flags = _evidence_sections(s, room)
    blocks = head + [section(t) for t in unique] + middle + [section(t) for t in flags] + tail
    return Message(text=_summary_text(s, note), blocks=blocks)


def _summary_text(s: Summary, note: str | None) -> str:
    """The notification line, in the same order: evidence before votes."""
    repeated = sum(1 for f in s.flags if f.repeated)
    votes = ", ".join(f"{n} {r.label}" for r, n in s.tally.items() if n) or "none yet"
    return (
        f"Debrief pre-read for {escape(s.candidate_name)}: {s.submitted} of {s.expected} scorecards; "
        f"{len(s.unique)} point{'s' if len(s.unique) != 1 else ''} only one person saw"
        + f"; {len(s.flags)} red flag{'s' if len(s.flags) != 1 else ''}"
        + (f" ({repeated} repeated)" if repeated else "")
        + f"; {len(s.disagreements)} disagreement{'s' if len(s.disagreements) != 1 else ''}"
        + f"; recommendations: {votes}"
        + (f". {note}" if note else "")
    )


def age(seconds: float) -> str:
    """How long overdue, to the unit that matters: 50m, 5h 10m, 1d 2h (never '0h')."""
    minutes = max(1, int(seconds // 60))
    hours = minutes // 60
    if hours == 0:
        return f"{minutes}m"
    if hours < 24:
        return f"{hours}h {minutes % 60}m" if minutes % 60 else f"{hours}h"
    return f"{hours // 24}d {hours % 24}h"


def decision(
    name: str,
    outcome: Decision,
    rationale: str,
    actor: str,
    archive_for: int | None,
    override: Override | None = None,
) -> Message:
    """The decision line; `archive_for` is the loop to offer archiving for (None: not offered)."""
    label = DECISION_LABELS[outcome]
    quoted = "\n".join(f">{line}" for line in escape(fit(rationale, 2500)).splitlines())
    blocks: list[Block] = [
        section(f"*Decision for {escape(name)}: {label}* (recorded by <@{actor}>)\n{quoted}"),
        context("All pending reminders for this loop are cancelled. Archiving keeps the channel's history."),
    ]
    if override is not None:
        reason = "\n".join(f">{line}" for line in fit(escape(override.reason), 2500).splitlines())
        blocks.insert(
            1,
            section(
                f"*Against the decision rule* (it said {override.rule_outcome}) · override {override.overrides} of "
                f"{override.ruled} decisions with this pack\n{reason}"
            ),
        )
    if archive_for is not None:
        blocks.append(actions("decided", button("Archive this channel", Action.ARCHIVE, str(archive_for))))
    return Message(text=f"Decision for {escape(name)}: {label}", blocks=blocks)


def decide_modal(
    candidate_id: int, name: str, rule: RuleOutcome | None = None, votes: VoteStatus | None = None
) -> dict:
    """The decision; the pack's rule and the sealed votes (only who voted, until the reveal) are
    shown above the choice as a reminder, never preselected."""
    choices = [option(DECISION_LABELS[d], d.value) for d in Decision]
    advice = _rule(rule)
    blocks: list[Block] = [
        context(f"Candidate: *{escape(name)}*. Recording a decision closes the loop and cancels its reminders."),
        *([context(advice)] if advice else []),
        *vote_views.status_blocks(votes, room=MODAL_BLOCKS_MAX - 6),
        input_block(B.DECISION, "Decision", {"type": "radio_buttons", "options": choices}),
        input_block(
            B.RATIONALE,
            "Rationale",
            text_input(multiline=True, max_length=3000),
            hint="Kept with the loop and included in the ATS export.",
        ),
    ]
    if rule is not None:
        blocks.append(
            input_block(
                B.OVERRIDE,
                "Override reason",
                text_input(multiline=True, max_length=3000),
                optional=True,
                hint=f"Needed if you decide against the rule ({rule.verdict.value}): it is recorded and exported.",
            )
        )
    return modal(Callback.DECIDE, "Record decision", blocks, submit="Record", metadata={"candidate_id": candidate_id})
