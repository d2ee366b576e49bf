"""Block Kit for reminder DMs: the prep kit, scorecard due notices, chasers, digests, the
pre-debrief nudge and the escalation to the recruiter. Pure functions of domain objects."""

from __future__ import annotations

from bot.mrkdwn import escape, link
from bot.services.ports import Escalation, Message, PrepKit, ScorecardReminder
from handlers.builders.common import Block, actions, button, context, fit, header, section, when
from handlers.ids import Action

INTRO = {
    "due": "Your interview has ended: the scorecard is due now, while it's fresh.",
    "chaser": "A friendly nudge: this scorecard is still missing, and the team is waiting on it to decide.",
    "digest": "These scorecards are still missing. The team is waiting on them to decide.",
    "nudge": "The debrief is coming up and your scorecard isn't in yet: the team decides with what it has.",
}


def _snooze(reminder_id: int) -> Block:
    value = str(reminder_id)
    return actions(
        "snooze",
        button("Snooze 2h", Action.SNOOZE_2H, value),
        button("Snooze until tomorrow", Action.SNOOZE_TOMORROW, value),
    )


def prep_kit(kit: PrepKit) -> Message:
    where = f" · <#{kit.channel_id}>" if kit.channel_id else ""
    resume = f" · {link(kit.resume_url, 'résumé')}" if kit.resume_url else ""
    competencies = "\n".join(f"• *{escape(name)}*: {escape(fit(desc, 200))}" for name, desc in kit.competencies)
    blocks: list[Block] = [
        header(f"Prep: {kit.stage_name} with {kit.candidate_name}"),
        context(f"{when(kit.starts_at, kit.zone)}{where}{resume}"),
        section(f"*What this stage assesses*\n{competencies}"),
        section("*Questions to get answered*\n" + "\n".join(f"• {escape(q)}" for q in kit.focus_questions)),
    ]
    if kit.red_flags:
        blocks.append(section("*Red flags to watch for*\n" + "\n".join(f"🚩 {escape(f)}" for f in kit.red_flags)))
    if kit.practice:
        blocks.append(
            section(
                "🎓 *You are training on this interview.* Your scorecard is practice: it is not counted and "
                "nobody on the panel sees it. After the decision you'll see your ratings beside the panel's.",
                accessory=button("Practice scorecard", Action.OPEN_PRACTICE, str(kit.interview_id)),
            )
        )
    else:
        blocks.append(context("Your scorecard opens here when the interview ends. Rate only what you saw evidence of."))
    text = f"Prep kit: {escape(kit.stage_name)} with {escape(kit.candidate_name)}"
    return Message(text=text, blocks=blocks)


def scorecard_reminder(reminder: ScorecardReminder) -> Message:
    blocks: list[Block] = [section(INTRO[reminder.kind])]
    for item in reminder.items[:20]:
        where = f" · <#{item.channel_id}>" if item.channel_id else ""
        late = " · ⚠️ overdue" if item.overdue else ""
        blocks.append(
            section(
                f"*{escape(item.candidate_name)}* · {escape(item.stage_name)}{where}\n"
                f"Ended {when(item.ends_at, reminder.zone)}{late}",
                accessory=button("Submit scorecard", Action.OPEN_SCORECARD, str(item.interview_id), style="primary"),
            )
        )
    if len(reminder.items) > 20:
        blocks.append(context(f"…and {len(reminder.items) - 20} more: see the hirebot Home tab."))
    if reminder.kind in ("due", "chaser", "digest"):
        blocks.append(_snooze(reminder.reminder_id))
    names = ", ".join(f"{escape(i.stage_name)} ({escape(i.candidate_name)})" for i in reminder.items)
    return Message(text=f"Scorecard{'s' if len(reminder.items) > 1 else ''} to submit: {names}", blocks=blocks)


def escalation(item: Escalation) -> Message:
    where = f" in <#{item.channel_id}>" if item.channel_id else ""
    stage, name = escape(item.stage_name), escape(item.candidate_name)
    text = (
        f"<@{item.interviewer_id}>'s {stage} scorecard for {name}{where} is overdue: "
        f"the interview ended {when(item.ends_at, item.zone)}."
    )
    return Message(
        text=f"Overdue scorecard: {stage} for {name}",
        blocks=[section("⏰ " + text), context("hirebot keeps chasing them each working morning.")],
    )
