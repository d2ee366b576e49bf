"""Block Kit for the debrief pre-read and the decision. The pre-read must fit one message
(50 blocks, 3000 characters a section) however many scorecards and red flags there are, and
must never drop a red flag: evidence is trimmed before anything else is."""

from __future__ import annotations

from bot.mrkdwn import escape
from bot.services.ports import Message, PreReadChange
from bot.services.summary import Summary
from db.models import Decision
from handlers.builders.common import (
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    Block,
    actions,
    button,
    context,
    divider,
    fit,
    header,
    input_block,
    modal,
    option,
    section,
    text_input,
)
from handlers.ids import Action, Callback
from handlers.ids import Block as B

DECISION_LABELS = {Decision.HIRE: "✅ Hire", Decision.NO_HIRE: "❌ No hire", Decision.HOLD: "⏸ Hold"}
EVIDENCE_MAX = 280
EVIDENCE_MIN = 40


def _headline(s: Summary) -> str:
    tally = " · ".join(f"{r.label} {n}" for r, n in s.tally.items())
    min_w, max_w = s.target_weeks
    pace = "on track" if s.days_open <= max_w * 7 else "over target"
    fit_line = f"*Profile fit*: {s.profile_fit:.2f} / 4" if s.profile_fit is not None else "*Profile fit*: no ratings"
    return (
        f"*{escape(s.candidate_name)}* · {escape(s.role)} · {escape(s.profile_name)}\n"
        f"*Recommendations*: {tally}\n"
        f"*Scorecards*: {s.submitted} of {s.expected} in · *Loop*: day {s.days_open} of a {min_w}-{max_w} week "
        f"target ({pace})\n{fit_line}"
        + (
            f" · {s.amendments} amendment{'s' if s.amendments != 1 else ''} after the first posting"
            if s.amendments
            else ""
        )
    )


def _matrix(s: Summary) -> str:
    lines = []
    for row in s.matrix:
        if not row.count:
            continue
        mark = " ⚠️ *disagreement*" if row.disagreement else ""
        weight = f" · weight {row.weight:g}" if row.weight != 1 else ""
        lines.append(f"• {escape(row.name)}: *{row.mean:.1f}* (n={row.count}, spread {row.spread}{weight}){mark}")
    return "*Competencies* (mean of 1-4)\n" + ("\n".join(lines) or "_No ratings yet._")


def _disagreements(s: Summary) -> str | None:
    if not s.disagreements:
        return None
    lines = [
        f"• {escape(row.name)}: " + ", ".join(f"<@{who}> {rating}" for who, rating in row.ratings)
        for row in s.disagreements
    ]
    return "*Disagreements* (2+ points apart: worth discussing first)\n" + "\n".join(lines)


def _flag_lines(s: Summary, budget_chars: int) -> list[str]:
    """One line per flag raised, evidence trimmed so that all of them fit in `budget_chars`."""
    if not s.flags:
        return []
    heads = [
        f"🚩 *{escape(f.label)}*{' (repeated)' if f.repeated else ''} · {escape(f.stage_name)}, <@{f.interviewer_id}>"
        for f in s.flags
    ]
    spare = budget_chars - sum(len(h) + 5 for h in heads)
    per_flag = max(EVIDENCE_MIN, min(EVIDENCE_MAX, spare // len(s.flags)))
    # Escaping can lengthen evidence (& becomes &amp;), so trim what is shown, not what was typed.
    return [
        f"{head}: “{fit(escape(' '.join(f.evidence.split())), per_flag)}”"
        for head, f in zip(heads, s.flags, strict=True)
    ]


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


def debrief(s: Summary, candidate_id: int, changes: list[PreReadChange]) -> Message:
    """The pre-read; `changes` are what arrived since it was last posted (empty the first time)."""
    note = _update_note(changes)
    blocks: list[Block] = [
        header(f"Debrief pre-read: {s.candidate_name}"),
        section(_headline(s)),
        context(f"Profile fit: {escape(s.fit_explanation)}"),
        divider(),
        section(_matrix(s)),
    ]
    tail: list[Block] = []
    disagreements = _disagreements(s)
    if disagreements:
        tail.append(section(fit(disagreements, SECTION_TEXT_MAX)))
    if s.gaps:
        tail.append(section("*Coverage gaps* (no scorecard rated these)\n" + ", ".join(escape(g) for g in s.gaps)))
    if s.missing:
        lines = [
            f"• <@{m.interviewer_id}> · {escape(m.stage_name)} · "
            + (f"overdue by {age(m.overdue_by.total_seconds())}" if m.overdue_by else "not due yet")
            for m in s.missing
        ]
        tail.append(section(fit("*Missing scorecards*\n" + "\n".join(lines), SECTION_TEXT_MAX)))
    if s.calibration:
        lines = [
            f"• <@{c.interviewer_id}> rates {abs(c.offset):.2f} points {'above' if c.offset > 0 else 'below'} "
            f"their panel mates on average ({c.samples} past ratings)"
            for c in s.calibration
        ]
        tail.append(section(fit("*Calibration*: weigh these accordingly\n" + "\n".join(lines), SECTION_TEXT_MAX)))
    if note:
        tail.append(context(f"_{note}_"))
    tail.append(actions("debrief", button("Full scorecards", Action.VIEW_PANEL, str(candidate_id))))

    room = MESSAGE_BLOCKS_MAX - len(blocks) - len(tail)
    flag_title = f"*Red flags* ({len(s.flags)})" if s.flags else "*Red flags*: none raised"
    flag_sections = _pack(flag_title, _flag_lines(s, room * (SECTION_TEXT_MAX - 100)))
    blocks += [section(text) for text in flag_sections[:room]] + tail

    repeated = sum(1 for f in s.flags if f.repeated)
    text = (
        f"Debrief pre-read for {escape(s.candidate_name)}: {s.submitted} of {s.expected} scorecards, "
        + ", ".join(f"{n} {r.label}" for r, n in s.tally.items() if n)
        + f"; {len(s.flags)} red flag{'s' if len(s.flags) != 1 else ''}"
        + (f" ({repeated} repeated)" if repeated else "")
        + f"; {len(s.disagreements)} disagreement{'s' if len(s.disagreements) != 1 else ''}"
        + (f". {note}" if note else "")
    )
    return Message(text=text, blocks=blocks)


def age(seconds: float) -> str:
    """How long overdue, to the unit that matters: 50m, 5h 10m, 1d 2h (never '0h')."""
    minutes = max(1, int(seconds // 60))
    hours = minutes // 60
    if hours == 0:
        return f"{minutes}m"
    if hours < 24:
        return f"{hours}h {minutes % 60}m" if minutes % 60 else f"{hours}h"
    return f"{hours // 24}d {hours % 24}h"


def decision(name: str, outcome: Decision, rationale: str, actor: str, archive_for: int | None) -> Message:
    """The decision line; `archive_for` is the loop to offer archiving for (None: not offered)."""
    label = DECISION_LABELS[outcome]
    quoted = "\n".join(f">{line}" for line in escape(fit(rationale, 2500)).splitlines())
    blocks: list[Block] = [
        section(f"*Decision for {escape(name)}: {label}* (recorded by <@{actor}>)\n{quoted}"),
        context("All pending reminders for this loop are cancelled. Archiving keeps the channel's history."),
    ]
    if archive_for is not None:
        blocks.append(actions("decided", button("Archive this channel", Action.ARCHIVE, str(archive_for))))
    return Message(text=f"Decision for {escape(name)}: {label}", blocks=blocks)


def decide_modal(candidate_id: int, name: str) -> dict:
    choices = [option(DECISION_LABELS[d], d.value) for d in Decision]
    blocks: list[Block] = [
        context(f"Candidate: *{escape(name)}*. Recording a decision closes the loop and cancels its reminders."),
        input_block(B.DECISION, "Decision", {"type": "radio_buttons", "options": choices}),
        input_block(
            B.RATIONALE,
            "Rationale",
            text_input(multiline=True, max_length=3000),
            hint="Kept with the loop and included in the ATS export.",
        ),
    ]
    return modal(Callback.DECIDE, "Record decision", blocks, submit="Record", metadata={"candidate_id": candidate_id})
