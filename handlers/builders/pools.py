"""Block Kit for interviewer pools: the `/hire pool` modal, the suggestions in *Add interview*,
and the pool and cap warnings of the loop card. Pure functions."""

from __future__ import annotations

from typing import Any

from bot.mrkdwn import escape, mention
from bot.services.pools import PoolView
from bot.services.ports import PickWarning
from bot.services.suggestions import Suggestion, Suggestions
from db.vocabulary import PoolRole
from handlers.builders.common import Block, context, divider, input_block, modal, mrkdwn, option, plain, section
from handlers.ids import Action, Callback
from handlers.ids import Block as B
from rubrics.models import RubricPack

ROLE_NAMES = {
    PoolRole.TRAINED: "trained",
    PoolRole.SHADOWING: "shadowing",
    PoolRole.REVERSE_SHADOWING: "reverse shadowing",
}
MEMBERS_SHOWN = 60  # rows of the pool listed in the modal, below Slack's 100 blocks
SUGGESTIONS_SHOWN = 5


def pool_value(pack: str, stage: str) -> str:
    return f"{pack}/{stage}"


def _stage_select(packs: list[RubricPack], current: str) -> dict[str, Any]:
    groups: list[dict[str, Any]] = [
        {"label": plain(p.role, 75), "options": [option(s.name, pool_value(p.pack, s.key)) for s in p.stages]}
        for p in packs
    ]
    chosen = next((o for g in groups for o in g["options"] if o["value"] == current), None)
    element: dict[str, Any] = {"type": "static_select", "option_groups": groups}
    if chosen:
        element["initial_option"] = chosen
    return element


def _member_row(user: str, role: PoolRole, added_by: str, added: str) -> Block:
    moves = [option(f"Make {name}", f"{r.value}:{user}") for r, name in ROLE_NAMES.items() if r is not role]
    return section(
        f"{mention(user)} · *{ROLE_NAMES[role]}* · added by {mention(added_by)} on {added}",
        accessory={
            "type": "overflow",
            "action_id": Action.POOL_MEMBER,
            "options": [*moves, option("Remove from pool", f"remove:{user}")],
        },
    )


def pool_modal(
    packs: list[RubricPack], pool: PoolView, people: list[str] | None = None, role: str = PoolRole.TRAINED
) -> dict[str, Any]:
    """Pick a stage, people and a role to add; below, the stage's pool with a menu per person.

    `people` and `role` carry what was picked over a redraw (another stage, a member changed)."""
    roles = [option(name.capitalize(), r.value) for r, name in ROLE_NAMES.items()]
    who: dict[str, Any] = {"type": "multi_users_select", "max_selected_items": 30}
    if people:
        who["initial_users"] = people
    blocks: list[Block] = [
        input_block(
            B.POOL_STAGE, "Stage", _stage_select(packs, pool_value(pool.key.pack, pool.key.stage)), dispatch=True
        ),
        input_block(B.POOL_PEOPLE, "People to add", who),
        input_block(
            B.POOL_ROLE,
            "As",
            {"type": "radio_buttons", "options": roles, "initial_option": next(o for o in roles if o["value"] == role)},
            hint="Trained members are suggested in Add interview. Adding someone already here changes their role.",
        ),
        divider(),
        section(f"*{escape(pool.stage_name)}* pool ({escape(pool.pack_name)}): {len(pool.members)} people"),
    ]
    for m in pool.members[:MEMBERS_SHOWN]:
        blocks.append(_member_row(m.user_id, m.role, m.added_by, f"{m.added_at:%Y-%m-%d}"))
    if len(pool.members) > MEMBERS_SHOWN:
        blocks.append(context(f"…and {len(pool.members) - MEMBERS_SHOWN} more."))
    if not pool.members:
        blocks.append(context("Nobody yet. Add interviewers above; Add interview then suggests the trained ones."))
    metadata = {"pack": pool.key.pack, "stage": pool.key.stage}
    return modal(Callback.POOL, "Interviewer pool", blocks, submit="Add to pool", close="Done", metadata=metadata)


# Suggestions in the Add interview modal


def _why(s: Suggestion, suggestions: Suggestions) -> str:
    p = s.prospect
    week = "this week" if suggestions.this_week else f"week of {suggestions.week_of:%d %b}"
    parts = [f"{p.week_count}/{p.cap} {week}" + ("" if s.under_cap else " (at cap)"), f"{p.recent} in 14 days"]
    hours = f"{p.hours.start:%H:%M}-{p.hours.end:%H:%M} {escape(p.zone)}"
    if s.overlaps is None:
        parts.append(hours)
    else:
        parts.append(f"{hours} {'overlaps' if s.overlaps else 'does not overlap'}")
    return " · ".join(parts)


def suggestion_blocks(suggestions: Suggestions | None) -> list[Block]:
    """The ranked trained members of the stage's pool, each with why it ranks there."""
    if suggestions is None:
        return [context("Pick a stage to see suggested interviewers from its pool.")]
    stage = escape(suggestions.stage_name)
    if not suggestions.ranked:
        empty = "no trained interviewers yet" if suggestions.pool_size else "no interviewer pool yet"
        return [context(f"{stage} has {empty}; a recruiter can add them with `/hire pool`.")]
    lines = [
        f"{i}. {mention(s.prospect.user_id)}: {_why(s, suggestions)}"
        for i, s in enumerate(suggestions.ranked[:SUGGESTIONS_SHOWN], 1)
    ]
    if suggestions.slot:
        local = suggestions.slot.starts_at.strftime("%a %d %b %H:%M")
        note = f"The slot is read as {local} {escape(suggestions.slot_zone)} (your time) to find the overlaps."
    else:
        note = "Pick a date and a time to see whose working hours overlap the slot."
    return [
        {"type": "section", "text": mrkdwn(f"*Suggested for {stage}*\n" + "\n".join(lines))},
        context(
            "Ranked by: under their weekly cap, fewest interviews in the last 14 days, working hours overlapping the "
            f"slot. {note} Anyone can be picked; the card warns when they are outside the pool or over their cap."
        ),
    ]


def warning_text(warning: PickWarning, stage_name: str) -> str:
    """The card's warning beside one interview."""
    parts = []
    if warning.outside_pool:
        parts.append(f"not trained for {escape(stage_name)}")
    if warning.over_cap:
        parts.append(f"over their weekly cap ({warning.week_count}/{warning.cap} the week of {warning.week_of:%d %b})")
    return "⚠️ " + " and ".join(parts)
