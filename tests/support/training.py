"""Training on interviews the way Slack drives it: a trainee added from the interview menu, the
practice scorecard opened from their DM, and a decision recorded with /hire decide."""

from __future__ import annotations

from bot.services.interview_plan import InterviewPlan
from bot.services.opening import NewLoop
from bot.services.scorecard_form import ScorecardForm
from handlers.ids import Action, Block, Callback, evidence_block, flag_evidence_block, rating_block
from tests.support.loops import unique_name
from tests.support.scorecards import checks, radio
from tests.support.slack import ack_json, form_values, text

MARKER = "PRACTICE-ONLY-7f3a"  # written only into practice scorecards: it must never reach the panel


def add_trainee(bot, interview_id: int, who: str, mode: str = "shadow", actor: str = "rita", channel: str = "C0X"):
    """Status message's interview menu, then the Add a trainee modal; returns the modal's ack."""
    bot.slack.click(bot.users[actor], Action.INTERVIEW_MENU, channel=channel, selected=f"trainee:{interview_id}")
    view = bot.slack.opened_view()
    assert view["callback_id"] == Callback.ADD_TRAINEE
    values = form_values(
        **{
            Block.TRAINEE: {"type": "users_select", "selected_user": bot.users[who]},
            Block.TRAINEE_MODE: radio(mode),
        }
    )
    reply = ack_json(bot.slack.submit(bot.users[actor], view, values))
    bot.run_background()
    return reply


def open_practice(bot, interview_id: int, who: str) -> dict:
    bot.slack.click(bot.users[who], Action.OPEN_PRACTICE, str(interview_id), channel="D0DM")
    return bot.slack.opened_view()


def harsh_coding_practice() -> dict:
    """A practice Coding round at the bottom of the scale, Strong No, and a blocking red flag."""
    return form_values(
        **{
            rating_block("software_engineering"): radio("1"),
            evidence_block("software_engineering"): text(f"{MARKER} never tested the code they wrote."),
            rating_block("data_pipelines"): radio("1"),
            evidence_block("data_pipelines"): text(f"{MARKER} joined the label table before the split."),
            Block.RED_FLAGS: checks("ignores_data_quality"),
            flag_evidence_block("ignores_data_quality"): text(f"{MARKER} tuned on the test set."),
            Block.RECOMMENDATION: radio("strong_no"),
            Block.NOTES: text(f"{MARKER} notes."),
        }
    )


def decide(bot, candidate, choice: str = "hire", actor: str = "rita") -> None:
    said = ack_json(bot.slack.command(bot.users[actor], "decide", channel=candidate.channel_id))
    view = bot.slack.opened_view()
    assert view["callback_id"] == Callback.DECIDE, said
    values = form_values(
        **{
            Block.DECISION: radio(choice),
            Block.RATIONALE: text("Discussed at the debrief."),
            Block.OVERRIDE: text("The panel weighed it and decided otherwise."),
        }
    )
    reply = ack_json(bot.slack.submit(bot.users[actor], view, values))
    assert reply == {}, reply
    bot.run_background()


def practised_loop(bot, trainee: str, mode: str, day: str) -> None:
    """A decided loop with `trainee` on its Coding round, built through the services (the
    same code the listeners call) so that a test needing several stays within Slack's rate
    limits: Priya rates 3 and 4, the trainee 1 and 1."""
    services, users = bot.services, bot.users
    form = NewLoop(
        candidate_name=unique_name("Seeded"),
        pack="ml-engineer",
        profile="balanced",
        recruiter_id=users["rita"],
        hiring_manager_id=users["hank"],
        team=[],
        resume_url=None,
    )
    candidate_id = services.loops.begin_loop(form, users["rita"], f"V0SEED{day.replace('-', '')}")
    assert candidate_id is not None and services.loops.open_loop(candidate_id) is not None
    plan = InterviewPlan("coding_round", users["priya"], day, "10:00", 60)
    interview_id = services.loops.add_interview(candidate_id, plan, users["rita"])
    services.training.add_trainee(interview_id, users["rita"], users[trainee], mode)
    stage = services.rubrics.get("ml-engineer").stage("coding_round")
    evidence = dict.fromkeys(stage.competencies, "Walked through the failing test and fixed it.")
    practice = ScorecardForm(ratings=dict.fromkeys(stage.competencies, 1), evidence=evidence, recommendation="no")
    services.training.submit_practice(interview_id, users[trainee], practice)
    real = ScorecardForm(
        ratings={"software_engineering": 3, "data_pipelines": 4}, evidence=evidence, recommendation="yes"
    )
    services.scorecards.submit(interview_id, users["priya"], real)
    services.debrief.decide(candidate_id, users["rita"], "hire", "Discussed.", override="Discussed at length.")
    bot.run_background()
