"""Block Kit for the interviewer's side: the stage's scorecard modal, the confirmation, and
the panel feedback an interviewer may see once their own scorecard is in."""

from __future__ import annotations

from typing import Any

from bot.mrkdwn import escape
from bot.services.scorecard_form import ScorecardForm
from bot.services.scorecards import Panel, PanelEntry, ScorecardContext, SubmitResult
from handlers.builders.common import (
    MODAL_BLOCKS_MAX,
    Block,
    actions,
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
from handlers.ids import Action, Callback, evidence_block, flag_evidence_block, rating_block
from handlers.ids import Block as B
from rubrics.models import Recommendation

RATING_LABELS = {1: "1 · Concern", 2: "2 · Below the bar", 3: "3 · Meets the bar", 4: "4 · Exceptional"}
EVIDENCE_MAX = 3000
NUDGE_TEXT_MAX = 1000
KEEP_WORDING = "keep"  # the Keep my wording option's value
IMPRESSION_MARK = " · 💭 _impression, not behaviour_"


def _rating_options(anchors: dict[int, str]) -> list[dict[str, Any]]:
    return [option(RATING_LABELS[n], str(n), anchors[n]) for n in sorted(anchors)]


def _recommendation_options() -> list[dict[str, Any]]:
    return [option(r.label, r.value) for r in Recommendation]


def _competency_blocks(ctx: ScorecardContext, prefill: ScorecardForm, nudges: dict[str, str]) -> list[Block]:
    """A rating and an evidence box per competency; a nudge under evidence that reads as an impression."""
    pack, stage = ctx.pack, ctx.stage
    needed = "Required." if pack.evidence_required == "all" else "Required for a 1 or a 4."
    blocks: list[Block] = []
    for competency in pack.stage_competencies(stage.key):
        options = _rating_options(competency.anchors)
        radio: dict[str, Any] = {"type": "radio_buttons", "options": options}
        chosen = prefill.ratings.get(competency.key)
        if chosen in competency.anchors:
            radio["initial_option"] = options[sorted(competency.anchors).index(chosen)]
        blocks.append(
            input_block(rating_block(competency.key), competency.name, radio, hint=fit(competency.description, 2000))
        )
        blocks.append(
            input_block(
                evidence_block(competency.key),
                f"Evidence: {competency.name}",
                text_input(
                    multiline=True,
                    max_length=EVIDENCE_MAX,
                    initial=prefill.evidence.get(competency.key),
                    placeholder=f"What did they say, do or choose? {needed}",
                ),
                optional=True,
            )
        )
        said = nudges.get(evidence_block(competency.key))
        if said:
            blocks.append(context(fit(f"💭 {escape(said)}", NUDGE_TEXT_MAX)))
    return blocks


def _flag_blocks(ctx: ScorecardContext, prefill: ScorecardForm, ticked: list[str]) -> list[Block]:
    """The stage's red flags as one checkbox group, and an evidence box for each one ticked."""
    flags = ctx.pack.stage_red_flags(ctx.stage.key)
    if not flags:
        return []
    flag_options = [option(f.label, f.key, f.description) for f in flags]
    checkboxes: dict[str, Any] = {"type": "checkboxes", "options": flag_options}
    initial = [o for o in flag_options if o["value"] in ticked]
    if initial:
        checkboxes["initial_options"] = initial
    blocks: list[Block] = [
        input_block(
            B.RED_FLAGS,
            "Red flags",
            checkboxes,
            optional=True,
            dispatch=True,
            hint="Tick only what you saw evidence of; each one asks for that evidence.",
        )
    ]
    for flag in flags:
        if flag.key in ticked:
            blocks.append(
                input_block(
                    flag_evidence_block(flag.key),
                    f"Evidence: {flag.label}",
                    text_input(multiline=True, max_length=EVIDENCE_MAX, initial=prefill.flag_evidence.get(flag.key)),
                    optional=True,
                )
            )
    return blocks


def _keep_wording(count: int, kept: bool) -> list[Block]:
    """Why the modal came back, and the one tick that stores the wording as it is."""
    keep = option("Keep my wording", KEEP_WORDING, "Store it as typed, marked as an impression")
    tick: dict[str, Any] = {"type": "checkboxes", "options": [keep]}
    if kept:
        tick["initial_options"] = [keep]
    return [
        section(
            f"💭 *{count} evidence box{'es' if count != 1 else ''} read{'s' if count == 1 else ''} as an impression.* "
            "Ratings backed by what the candidate said or did are more accurate, and vague praise is "
            "given unevenly. Add what you saw or heard, or tick *Keep my wording*. Nothing you typed is lost."
        ),
        input_block(B.KEEP_WORDING, "Keep my wording", tick, optional=True),
    ]


def scorecard_modal(
    ctx: ScorecardContext,
    flags_shown: list[str] | None = None,
    nudges: dict[str, str] | None = None,
    kept: bool = False,
) -> dict[str, Any]:
    """The modal for one interview's stage. `flags_shown` are the red flags ticked so far,
    each of which gets its own evidence box; `nudges` (field -> text) are evidence that reads
    as an impression, which brings a Keep my wording tick (ticked already if `kept`)."""
    pack, stage, prefill = ctx.pack, ctx.stage, ctx.prefill or ScorecardForm()
    nudges = nudges or {}
    ticked = flags_shown if flags_shown is not None else list(prefill.flags)
    blocks: list[Block] = [
        header(f"{ctx.candidate_name} · {stage.name}"),
        context(
            f"Interview {when(ctx.starts_at, ctx.zone)} · rubric {pack.ref}"
            + (" · *editing your submitted scorecard*" if ctx.submitted else "")
        ),
        section("*Focus questions*\n" + "\n".join(f"• {escape(q)}" for q in stage.focus_questions)),
        *_competency_blocks(ctx, prefill, nudges),
    ]
    blocks += _flag_blocks(ctx, prefill, ticked)
    rec_options = _recommendation_options()
    rec: dict[str, Any] = {"type": "radio_buttons", "options": rec_options}
    if prefill.recommendation:
        rec["initial_option"] = next((o for o in rec_options if o["value"] == prefill.recommendation), None)
        if rec["initial_option"] is None:
            del rec["initial_option"]
    blocks.append(input_block(B.RECOMMENDATION, "Overall recommendation", rec))
    blocks.append(
        input_block(
            B.NOTES,
            "Notes",
            text_input(multiline=True, max_length=EVIDENCE_MAX, initial=prefill.notes or None),
            optional=True,
            hint="Seen by the hiring team after they submit, and in the debrief.",
        )
    )
    if nudges:
        blocks += _keep_wording(len(nudges), kept)
    blocks.append(
        context(
            "Closing this window keeps a draft. Nobody sees your ratings until you submit, "
            "and you see nobody's until you have."
        )
    )
    return modal(
        Callback.SCORECARD,
        "Scorecard",
        blocks,
        submit="Save changes" if ctx.submitted else "Submit",
        close="Close",
        metadata={"interview_id": ctx.interview_id},
        notify_on_close=True,
    )


def submitted_view(result: SubmitResult) -> dict[str, Any]:
    what = f"*{escape(result.stage_name)}* scorecard for *{escape(result.candidate_name)}*"
    if result.created:
        said = f"✅ Your {what} is in. Thank you."
    elif result.changed:
        said = f"✅ Your {what} is updated. Thank you."
    else:
        said = f"✅ Your {what} is in, unchanged: it already said exactly this."
    blocks = [
        section(said),
        actions("scorecard_done", button("View panel feedback", Action.VIEW_PANEL, str(result.candidate_id))),
    ]
    return modal(Callback.SCORECARD, "Scorecard sent", blocks, submit=None, close="Done")


PANEL_PAGE_SIZE = 10  # scorecards a page shows at most
# A page's own blocks besides the scorecards: its heading, a continuation line, Previous/Next.
PANEL_PAGE_BLOCKS = MODAL_BLOCKS_MAX - 3


def _entry_blocks(entry: PanelEntry) -> list[Block]:
    """One scorecard in full: nothing typed into it is trimmed, long texts run over several sections."""
    amended = f" · amended {entry.amendments}×" if entry.amendments else ""
    title = f"*{escape(entry.stage_name)}* · <@{entry.interviewer_id}> · *{entry.recommendation.label}*{amended}"
    lines = [
        f"• {escape(name)}: *{rating}*"
        + (IMPRESSION_MARK if n in entry.impressions else "")
        + (f" — {escape(ev)}" if ev else "")
        for n, (name, rating, ev) in enumerate(entry.ratings)
    ]
    lines += [f"🚩 {escape(label)} — {escape(ev)}" for label, ev in entry.flags]
    if entry.notes:
        lines.append(f"*Notes*: {escape(entry.notes)}")
    return [section(title)] + [section(text) for text in pack_lines(lines or ["_No ratings._"])]


def panel_pages(panel: Panel) -> list[list[Block]]:
    """The scorecards laid out on pages: up to ten a page, as many blocks as a modal holds. A
    scorecard starts on a fresh page when it doesn't fit the rest of one; one too long for any
    page carries on over the next, under a 'continued' line."""
    pages: list[list[Block]] = [[]]
    entries_on_page = 0
    for entry in panel.entries:
        blocks = _entry_blocks(entry)
        page = pages[-1]
        if page and (entries_on_page == PANEL_PAGE_SIZE or len(page) + len(blocks) > PANEL_PAGE_BLOCKS):
            page, entries_on_page = [], 0
            pages.append(page)
        entries_on_page += 1
        for block in blocks:
            if len(page) == PANEL_PAGE_BLOCKS:
                page, entries_on_page = [context("…continued: " + blocks[0]["text"]["text"])], 1
                pages.append(page)
            page.append(block)
    return pages


def panel_modal(panel: Panel, page: int = 0, candidate_id: int | None = None) -> dict[str, Any]:
    """Every submitted scorecard, every character of it, a page at a time."""
    laid_out = panel_pages(panel)
    pages = len(laid_out)
    page = min(max(page, 0), pages - 1)
    where = f" (page {page + 1} of {pages})" if pages > 1 else ""
    blocks: list[Block] = [
        section(
            f"*{escape(panel.candidate_name)}*: {len(panel.entries)} of {panel.expected} scorecards submitted{where}."
        ),
        *laid_out[page],
    ]
    if not panel.entries:
        blocks.append(section("No scorecards yet."))
    if pages > 1 and candidate_id is not None:
        turns = []
        if page > 0:
            turns.append(button("Previous", Action.PANEL_PAGE, f"{candidate_id}:{page - 1}"))
        if page < pages - 1:
            turns.append(button("Next", Action.PANEL_PAGE, f"{candidate_id}:{page + 1}"))
        blocks.append(actions("panel_pages", *turns))
    return modal(Callback.PANEL_FEEDBACK, "Panel feedback", blocks, submit=None, close="Close")
