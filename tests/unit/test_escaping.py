"""Whatever a person types reaches Slack inert: every builder is fed hostile text in every field
(candidate names, résumé links, evidence, notes, rationales, and the rubric's names too), and no
rendered `text` or mrkdwn may carry markup that was typed rather than built by hirebot."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.mrkdwn import escape, link, url_problem
from bot.services.decision_rule import RuleFacts, evaluate
from bot.services.dispatch import ReminderDispatcher
from bot.services.ports import (
    Escalation,
    InterviewLine,
    LoopCard,
    Message,
    Override,
    PendingScorecard,
    PersonalStatus,
    PrepKit,
    PreReadChange,
    ScorecardReminder,
)
from bot.services.scorecard_form import ScorecardForm
from bot.services.scorecards import Panel, PanelEntry, ScorecardContext, SubmitResult
from bot.services.summary import CompetencyRow, FlagRow, MissingRow, Summary, UniqueRow
from bot.services.vote_rules import Reveal, VoteAsk, VoteForm, VoteLine, VoteStatus, speaking_order
from db.models import Decision, InterviewStatus, LoopStatus, ReminderKind
from handlers.builders import debrief, loops, reminders, scorecards
from handlers.builders import votes as vote_views
from rubrics.loader import RubricRegistry
from rubrics.models import DecisionRule, Recommendation
from tests.support.markup import mrkdwn_texts

PACK = RubricRegistry.from_directory().get("ml-engineer")
NOW = datetime(2030, 3, 6, 10, 0, tzinfo=UTC)
# Ids come from Slack's own pickers, never from typing: these are the only mentions allowed out.
PEOPLE = ("U0RECRUITER", "U0MANAGER", "U0000000001", "U0000000002")
CHANNELS = ("C0123456789",)

INJECTIONS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0EVIL>",
    "<@U0EVIL>",
    "<@U0RECRUITER>",  # a real person's id, typed: still not a mention hirebot made
    "<#C0EVIL>",
    "<https://evil.example|click here>",
    "<http://evil.example>",
    "<mailto:x@evil.example|mail>",
    "<!date^1^{date}|x>",
    "https://x|Open> <!channel> <https://evil.example",
    "&",
    "&lt;!channel&gt;",
    "<",
    ">",
    "|",
    "\n> ",
]
typed = st.lists(
    st.one_of(st.sampled_from(INJECTIONS), st.text(alphabet="ab *_~`é🚀\u202e", max_size=8)), max_size=6
).map("".join)
GOOD_URLS = ["https://ats.example.com/candidates/42", "https://ats.example.com/c?id=1&tab=cv"]
urls = st.one_of(
    st.sampled_from(GOOD_URLS),
    st.sampled_from(["http://ats.example.com/1", "javascript:alert(1)", "https://", "ats/42"]),
    typed,
    typed.map(lambda t: "https://ats.example.com/" + t),
)
DATE = re.compile(r"<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>|&]*>")
TOKEN = re.compile(r"<[^<>]*>")


def allowed_link(token: str, resume: str | None) -> bool:
    if not resume or not resume.startswith("https://") or re.search(r"[\s|<>\x00-\x1f\x7f-\x9f\u202e]", resume):
        return False
    return token == f"<{resume.replace('&', '&amp;')}|résumé>"


def assert_inert(text: str, resume: str | None = None) -> None:
    for token in TOKEN.findall(text):
        built = (
            token in {f"<@{p}>" for p in PEOPLE}
            or token in {f"<#{c}>" for c in CHANNELS}
            or DATE.fullmatch(token)
            or allowed_link(token, resume)
        )
        assert built, f"typed markup reached Slack: {token!r} in {text!r}"
    rest = re.sub(r"(?m)^>", "", TOKEN.sub("", text))  # a line-leading > is our own quote
    assert "<" not in rest and ">" not in rest, f"unescaped angle bracket in {text!r}"
    for match in re.finditer("&", rest):
        entity = rest[match.start() : match.start() + 5]
        # fit() may cut an entity short before its ellipsis, which shows as text and is harmless.
        assert re.match(r"&(amp;|lt;|gt;)|&[a-z]{0,3}…", entity), f"bare & in {text!r}"


def assert_message_inert(message: Message, resume: str | None = None) -> None:
    assert_inert(message.text, resume)
    for text in mrkdwn_texts(message.blocks):
        assert_inert(text, resume)


def assert_view_inert(view: dict[str, Any]) -> None:
    for text in mrkdwn_texts(view["blocks"]):
        assert_inert(text)


@st.composite
def lines(draw) -> list[InterviewLine]:
    return [
        InterviewLine(
            id=n,
            stage_key=PACK.stages[n].key,
            stage_name=draw(typed),
            interviewer_id=PEOPLE[n % len(PEOPLE)],
            starts_at=NOW + timedelta(hours=n),
            ends_at=NOW + timedelta(hours=n + 1),
            timezone="Europe/London",
            status=draw(st.sampled_from(list(InterviewStatus))),
            submitted=draw(st.booleans()),
            overdue=draw(st.booleans()),
        )
        for n in range(draw(st.integers(0, 4)))
    ]


@st.composite
def loop_cards(draw) -> LoopCard:
    return LoopCard(
        candidate_id=1,
        name=draw(typed),
        role=draw(typed),
        profile=draw(typed),
        channel_id=CHANNELS[0],
        recruiter_id=PEOPLE[0],
        hiring_manager_id=PEOPLE[1],
        resume_url=draw(urls),
        stages=[(s.key, draw(typed)) for s in PACK.stages],
        interviews=draw(lines()),
        debrief_at=draw(st.sampled_from([None, NOW])),
        problems=draw(st.lists(typed, max_size=2)),
        status=LoopStatus.OPEN,
        decision=draw(st.sampled_from([None, *Decision])),
        days_open=3,
        target_weeks=(4, 6),
        zone="Europe/London",
        imported=draw(st.sampled_from([None, (12, 50)])),
    )


@settings(max_examples=80, deadline=None)
@given(loop_cards())
def test_the_loop_card_status_and_plan_modals_escape_what_was_typed(card):
    assert_message_inert(loops.loop_card(card))
    assert_message_inert(loops.loop_status(card, NOW))
    assert_view_inert(loops.interview_modal(PACK, card, "Europe/London"))
    assert_view_inert(loops.debrief_modal(card, "Europe/London"))


@st.composite
def pendings(draw) -> list[PendingScorecard]:
    return [
        PendingScorecard(n, draw(typed), CHANNELS[0], draw(typed), NOW, draw(st.booleans()))
        for n in range(draw(st.integers(1, 3)))
    ]


@settings(max_examples=80, deadline=None)
@given(pendings(), lines(), typed, st.sampled_from(["due", "chaser", "digest", "nudge"]))
def test_reminders_and_personal_views_escape_what_was_typed(items, upcoming, name, kind):
    assert_message_inert(reminders.scorecard_reminder(ScorecardReminder(1, kind, items, "Europe/London")))
    status = PersonalStatus(PEOPLE[2], items, upcoming, {line.id: (name, CHANNELS[0]) for line in upcoming}, "UTC")
    assert_message_inert(loops.personal_status(status))
    assert_view_inert(loops.home_view(status))


@settings(max_examples=120, deadline=None)
@given(typed, typed, urls, st.lists(st.tuples(typed, typed), max_size=3), st.lists(typed, max_size=3))
def test_the_prep_kit_and_escalation_escape_what_was_typed(name, stage, resume, competencies, questions):
    kit = PrepKit(1, 2, name, CHANNELS[0], resume, stage, NOW, "UTC", competencies, questions, questions)
    assert_message_inert(reminders.prep_kit(kit), resume)
    assert_message_inert(reminders.escalation(Escalation(name, CHANNELS[0], PEOPLE[2], stage, NOW, "UTC")))


@st.composite
def summaries(draw) -> Summary:
    rows = [CompetencyRow(c.key, draw(typed), [(PEOPLE[2], 1), (PEOPLE[3], 4)], 1.0) for c in PACK.competencies[:3]]
    flags = [
        FlagRow(f"f{n}", draw(typed), draw(typed), PEOPLE[n % 4], draw(typed), draw(st.booleans()))
        for n in range(draw(st.integers(0, 3)))
    ]
    return Summary(
        candidate_name=draw(typed),
        role=draw(typed),
        profile_name=draw(typed),
        tally={r: 1 for r in Recommendation},
        submitted=2,
        expected=3,
        days_open=9,
        target_weeks=(4, 6),
        matrix=rows,
        profile_fit=2.5,
        fit_explanation=draw(typed),
        flags=flags,
        gaps=draw(st.lists(typed, max_size=2)),
        missing=[MissingRow(PEOPLE[3], draw(typed), timedelta(hours=30))],
        calibration=[],
        amendments=1,
        unique=[
            UniqueRow(PEOPLE[n % 4], draw(typed), draw(typed), draw(st.sampled_from([None, 1, 4])), draw(typed))
            for n in range(draw(st.integers(0, 3)))
        ],
        # A red flag's label comes from the pack, but once stored it is text: the rule quotes it inert.
        rule=evaluate(
            DecisionRule(block_on_strong_no=True, blocking_flags=["lone_wolf"]),
            RuleFacts(2, 3, 2.5, [PEOPLE[1]], [("lone_wolf", draw(typed), PEOPLE[2])]),
        ),
    )


@settings(max_examples=80, deadline=None)
@given(summaries(), st.lists(st.tuples(typed, st.sampled_from(PEOPLE), st.booleans()), max_size=3))
def test_the_pre_read_escapes_what_was_typed(summary, changes):
    update = [PreReadChange(stage, who, amended) for stage, who, amended in changes]
    assert_message_inert(debrief.debrief(summary, 7, update))


@settings(max_examples=80, deadline=None)
@given(typed, typed, st.sampled_from(list(Decision)))
def test_the_decision_escapes_what_was_typed(name, rationale, outcome):
    assert_message_inert(debrief.decision(name, outcome, rationale, PEOPLE[0], 1))
    assert_view_inert(debrief.decide_modal(1, name))
    rule = evaluate(
        DecisionRule(blocking_flags=["lone_wolf"]), RuleFacts(3, 3, 3.0, [], [("lone_wolf", name, PEOPLE[2])])
    )
    assert_view_inert(debrief.decide_modal(1, name, rule))


@settings(max_examples=60, deadline=None)
@given(typed, typed, typed, typed)
def test_scorecard_views_escape_what_was_typed(name, stage, evidence, notes):
    entry = PanelEntry(
        PEOPLE[2], stage, Recommendation.YES, [(stage, 4, evidence)], [(stage, evidence)], notes, NOW, 1, "p@1"
    )
    assert_view_inert(scorecards.panel_modal(Panel(name, [entry], 3), 0, 1))
    stage_key = PACK.stages[1].key
    prefill = ScorecardForm(evidence=dict.fromkeys(PACK.stage(stage_key).competencies, evidence), notes=notes)
    context = ScorecardContext(1, 1, name, CHANNELS[0], PACK, PACK.stage(stage_key), NOW, "UTC", prefill, True)
    assert_view_inert(scorecards.scorecard_modal(context))
    assert_view_inert(scorecards.submitted_view(SubmitResult(1, True, True, False, 1, name, CHANNELS[0], stage)))


class _StageNamed:
    """A rubric registry whose every stage is called `name` (stage names come from YAML)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def get(self, pack: str) -> SimpleNamespace:
        return SimpleNamespace(stage_name=lambda key: self.name)


@settings(max_examples=40, deadline=None)
@given(typed)
def test_the_submission_receipt_escapes_the_stage_name(stage):
    dispatcher = ReminderDispatcher(None, None, _StageNamed(stage), None, None, None, "UTC")  # type: ignore[arg-type]
    interview = SimpleNamespace(
        candidate=SimpleNamespace(pack="ml-engineer"),
        stage_key="coding_round",
        interviewer_id=PEOPLE[2],
        scorecard=SimpleNamespace(interviewer_id=PEOPLE[2]),
        candidate_id=1,
    )
    row = SimpleNamespace(id=1, target_user_id=CHANNELS[0], kind=ReminderKind.RECEIPT)
    text = dispatcher._receipt(row, interview).message.text  # type: ignore[arg-type]
    assert_inert(text)
    assert text.startswith(f"✅ <@{PEOPLE[2]}> submitted")


# The rule itself


@pytest.mark.parametrize(
    "url",
    [
        "https://x|Open> <!channel> <https://evil.example",
        "http://ats.example.com/1",
        "javascript:alert(1)",
        "https://",
        "https:///path-only",
        "https://ats.example.com/a b",
        "https://ats.example.com/\u202eevil",
        "https://ats.example.com:port/",
        "ats.example.com/42",
        "https://ats.example.com/" + "x" * 2000,
    ],
)
def test_only_a_real_https_url_becomes_a_link(url):
    assert url_problem(url) is not None
    shown = link(url, "résumé")
    assert "<" not in shown and ">" not in shown


def test_a_real_https_url_is_linked_with_its_ampersands_escaped():
    assert url_problem("https://ats.example.com/c?id=1&tab=cv") is None
    assert link("https://ats.example.com/c?id=1&tab=cv", "a <b>") == (
        "<https://ats.example.com/c?id=1&amp;tab=cv|a &lt;b&gt;>"
    )
    assert link(None, "résumé & co") == "résumé &amp; co"
    assert "http://" in (url_problem("http://ats.example.com/1") or "")


def test_escape_is_the_three_characters_slack_reads():
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert escape("*bold* _it_ `code`") == "*bold* _it_ `code`"


@settings(max_examples=80, deadline=None)
@given(typed, st.lists(st.tuples(st.sampled_from(PEOPLE[2:]), st.sampled_from(list(Recommendation)), typed)))
def test_sealed_votes_and_overrides_escape_what_was_typed(name, cast):
    lines = [VoteLine(who, Recommendation.YES, vote, reason) for who, vote, reason in cast]
    order = speaking_order(lines, {PEOPLE[2]}, PEOPLE[1], PEOPLE[0])
    assert_message_inert(vote_views.reveal(Reveal(name, lines, order, "last vote")))
    assert_message_inert(vote_views.vote_ask(VoteAsk(1, name, CHANNELS[0], NOW, "Europe/London", nudge=True)))
    assert_view_inert(vote_views.vote_modal(VoteForm(1, name, Recommendation.NO, None, name)))
    status = VoteStatus([line.voter_id for line in lines], [], revealed=True, lines=lines)
    assert_view_inert(debrief.decide_modal(1, name, None, status))
    override = Override("no hire", name, 1, 2)
    assert_message_inert(debrief.decision(name, Decision.HIRE, name, PEOPLE[0], 1, override))
