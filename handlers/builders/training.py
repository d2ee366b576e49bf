"""Block Kit for training interviewers: adding a trainee, the practice scorecard, the trainee's
comparison after the decision, and the recruiters' *Mark trained* offer. Pure functions."""

from __future__ import annotations

from typing import Any

from bot.mrkdwn import escape, mention
from bot.services.message import Message
from bot.services.practice import Agreement, Comparison, Progress, TraineeNotice, TraineeSlot
from bot.services.scorecards import ScorecardContext
from db.vocabulary import TraineeMode
from handlers.builders.common import Block, button, context, input_block, modal, option, pack_lines, section, when
from handlers.builders.scorecards import scorecard_modal
from handlers.ids import Action, Callback
from handlers.ids import Block as B
from rubrics.models import Recommendation

PRACTICE_LABEL = "Practice — not counted"
OFFER_LIMIT = 45  # Mark trained offers in one DM, with room under Slack's 50 blocks
MODES = {
    TraineeMode.SHADOW: ("Shadow", "Watches the interviewer lead; fills a practice scorecard"),
    TraineeMode.REVERSE_SHADOW: ("Reverse shadow", "Leads while the interviewer observes and scores"),
}


def _mode_name(mode: TraineeMode) -> str:
    return MODES[mode][0].lower()


def trainee_modal(slot: TraineeSlot) -> dict[str, Any]:
    """Add a shadow or reverse shadow to one interview."""
    modes = [option(name, mode.value, hint) for mode, (name, hint) in MODES.items()]
    already = ", ".join(f"{mention(user)} ({_mode_name(mode)})" for user, mode in slot.trainees)
    blocks: list[Block] = [
        context(
            f"*{escape(slot.candidate_name)}* · {escape(slot.stage_name)} with {mention(slot.interviewer_id)} · "
            f"{when(slot.starts_at, slot.zone)}"
        ),
        input_block(
            B.TRAINEE,
            "Trainee",
            {"type": "users_select"},
            hint="Not someone on this loop's panel or hiring team: a trainee comes to it blind.",
        ),
        input_block(B.TRAINEE_MODE, "Mode", {"type": "radio_buttons", "options": modes, "initial_option": modes[0]}),
        context(
            "The trainee gets the prep kit and a practice scorecard. It is never counted and the panel never "
            "sees it; after the decision they see their ratings beside the panel's."
        ),
    ]
    if already:
        blocks.insert(1, context(f"Training on it already: {already}"))
    return modal(
        Callback.ADD_TRAINEE, "Add a trainee", blocks, submit="Add", metadata={"interview_id": slot.interview_id}
    )


def practice_modal(ctx: ScorecardContext, flags_shown: list[str] | None = None) -> dict[str, Any]:
    """The stage's own scorecard modal, relabelled: practice, never counted, seen by nobody else."""
    view = scorecard_modal(ctx, flags_shown=flags_shown)
    blocks = view["blocks"]
    blocks.insert(
        1,
        section(
            f"🎓 *{PRACTICE_LABEL}.* This is your practice scorecard: it is stored apart, never counted and "
            "never shown to the panel. After the decision you'll see your ratings beside the panel's."
        ),
    )
    for block in blocks:
        if block.get("block_id") == B.NOTES:
            block["hint"]["text"] = "Only you see these notes."
    blocks[-1] = context("Closing this window keeps nothing: submit to save your practice scorecard.")
    view.update(
        callback_id=Callback.PRACTICE_SCORECARD,
        title={"type": "plain_text", "text": "Practice scorecard"},
        notify_on_close=False,
    )
    return view


def practice_saved_view(ctx: ScorecardContext) -> dict[str, Any]:
    what = f"*{escape(ctx.stage.name)}* practice scorecard for *{escape(ctx.candidate_name)}*"
    said = f"✅ Your {what} is {'updated' if ctx.submitted else 'saved'}. {PRACTICE_LABEL}."
    blocks = [section(said), context("You'll get the panel's ratings beside yours once the loop is decided.")]
    return modal(Callback.PRACTICE_SCORECARD, "Practice saved", blocks, submit=None, close="Done")


def _rating(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def agreement_text(agreement: Agreement) -> str:
    if agreement.share is None or agreement.mean_difference is None:
        return "no competency to compare with the panel"
    lean = agreement.mean_difference
    leaning = "more lenient" if lean > 0 else "stricter" if lean < 0 else "level"
    return (
        f"{agreement.share:.0%} of {agreement.compared} ratings within 1 point of the panel's median; "
        f"mean difference {lean:+.2f} ({leaning})"
    )


def _recommendation(value: str | None) -> str:
    try:
        return Recommendation(value).label if value else "–"
    except ValueError:
        return escape(value or "–")


class BlockKitTrainingRenderer:
    """The training services' renderer: what trainees and recruiters are sent."""

    def trainee_notice(self, notice: TraineeNotice) -> Message:
        lead = (
            "you lead the interview while they observe and write the scorecard that counts"
            if notice.mode is TraineeMode.REVERSE_SHADOW
            else "you watch them lead the interview"
        )
        text = (
            f"🎓 You're a *{_mode_name(notice.mode)}* on *{escape(notice.candidate_name)}*'s "
            f"{escape(notice.stage_name)} with {mention(notice.interviewer_id)}, "
            f"{when(notice.starts_at, notice.zone)}: "
            f"{lead}. Your prep kit comes before it. Your scorecard is practice ({PRACTICE_LABEL.lower()}): "
            "the panel never sees it, and after the decision you'll see your ratings beside theirs."
        )
        accessory = button("Practice scorecard", Action.OPEN_PRACTICE, str(notice.interview_id))
        stage, name = escape(notice.stage_name), escape(notice.candidate_name)
        plain = f"You're a {_mode_name(notice.mode)} on the {stage} of {name}"
        return Message(text=plain, blocks=[section(text, accessory=accessory)])

    def comparison(self, comparison: Comparison) -> Message:
        decided = comparison.decision.value.replace("_", " ")
        lines = [
            f"• {escape(line.name)}: you *{_rating(line.practice)}* · interviewer *{_rating(line.interviewer)}* · "
            f"panel median *{_rating(line.panel_median)}*"
            for line in comparison.lines
        ]
        lines.append(
            f"Recommendation: you *{_recommendation(comparison.practice_recommendation)}* · "
            f"{mention(comparison.interviewer_id)} *{_recommendation(comparison.interviewer_recommendation)}*"
        )
        head = (
            f"🎓 *{escape(comparison.candidate_name)}* is decided (*{decided}*). Your practice scorecard as a "
            f"{_mode_name(comparison.mode)} on the {escape(comparison.stage_name)}, beside the panel's:"
        )
        blocks: list[Block] = [section(head), *(section(t) for t in pack_lines(lines))]
        blocks.append(context(f"Agreement: {agreement_text(comparison.agreement)}. {PRACTICE_LABEL}."))
        stage, name = escape(comparison.stage_name), escape(comparison.candidate_name)
        text = f"Your practice ratings beside the panel's: {stage}, {name}"
        return Message(text=text, blocks=blocks)

    def graduation_offers(self, offers: list[Progress]) -> Message:
        """One DM per decision, whoever it made ready: a section with its button for each."""
        shown = offers[:OFFER_LIMIT]
        blocks = [_offer(progress) for progress in shown]
        if len(offers) > len(shown):
            blocks.append(context(f"…and {len(offers) - len(shown)} more ready: mark them trained in `/hire pool`."))
        first = offers[0]
        plain = (
            f"Ready to mark trained: {escape(first.stage_name)} ({escape(first.role_name)})"
            if len(offers) == 1
            else f"Ready to mark trained: {len(offers)} trainees"
        )
        return Message(text=plain, blocks=blocks)


def _offer(progress: Progress) -> Block:
    done = (
        f"{progress.shadows} of {progress.shadows_needed} shadows and "
        f"{progress.reverse_shadows} of {progress.reverse_shadows_needed} reverse shadows"
    )
    text = (
        f"🎓 {mention(progress.user_id)} has done the practice for *{escape(progress.stage_name)}* "
        f"({escape(progress.role_name)}): {done}, on decided loops.\n"
        f"Agreement with the panel: {agreement_text(progress.agreement)}."
    )
    return section(text, accessory=button("Mark trained", Action.MARK_TRAINED, progress.button_value, style="primary"))
