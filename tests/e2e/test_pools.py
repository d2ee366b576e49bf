"""Interviewer pools end to end: `/hire pool` for recruiters only, a cap lowered in App Home,
ranked suggestions in Add interview with the cap respected, a warning on the card for a pick
outside the pool or over the cap, and `hirebot report load`; SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.cli import main as cli
from bot.errors import SlackTransientError
from bot.services.pools import PoolKey
from bot.slack_gateway import SlackUser
from db.models import Person, PoolMember
from db.vocabulary import PoolRole
from handlers.ids import Action, Block, Callback, element_id
from tests.support.loops import add_interview, open_loop, unique_name
from tests.support.markup import mrkdwn_texts
from tests.support.reminders import at
from tests.support.slack import ack_json, clock_time, date, form_values, number, text, users
from tests.support.slack import select as pick

CODING = PoolKey("ml-engineer", "coding_round")
HOSTILE = "<!channel> <@U0EVIL> <https://evil.example|click here> & co"
RAW = ("<!channel", "<@U0EVIL", "<https://evil")


def dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)


def radio(value: str) -> dict:
    return {"type": "radio_buttons", "selected_option": {"value": value}}


def pool_values(stage: str = "ml-engineer/coding_round", people: list[str] | None = None, role: str = "trained"):
    return form_values(
        **{Block.POOL_STAGE: pick(stage), Block.POOL_PEOPLE: users(people or []), Block.POOL_ROLE: radio(role)}
    )


def pool_rows(bot) -> list[tuple[str, str, str]]:
    with bot.services.db.transaction() as session:
        rows = session.scalars(select(PoolMember).order_by(PoolMember.id)).all()
        return [(r.stage, r.user_id, str(r.role)) for r in rows]


def updated_view(bot) -> dict:
    args, response = bot.client.last("views.update")
    assert response["ok"] is True
    return {**args["view"], "id": response["view"]["id"], "hash": response["view"].get("hash", "")}


def test_hire_pool_is_refused_to_anyone_but_a_recruiter(hirebot):
    reply = ack_json(hirebot.slack.command(hirebot.users["priya"], "pool"))
    assert "Only recruiters can change interviewer pools" in reply["text"] and "HIREBOT_RECRUITERS" in reply["text"]
    assert "views.open" not in hirebot.client.methods()

    # A forged click on a member's menu changes nothing either, and says why.
    hirebot.services.pools.add(hirebot.users["rita"], CODING, [hirebot.users["omar"]], PoolRole.TRAINED)
    view = {"id": "V0FORGED", "private_metadata": dumps(vars(CODING))}
    omar = hirebot.users["omar"]
    hirebot.slack.click(hirebot.users["priya"], Action.POOL_MEMBER, view=view, selected=f"remove:{omar}")
    assert pool_rows(hirebot) == [("coding_round", omar, "trained")]
    told = [m for m in hirebot.client.all("chat.postMessage") if m["channel"] == hirebot.users["priya"]]
    assert "Only recruiters" in told[-1]["text"]


def test_a_recruiter_keeps_a_pool_in_its_modal(hirebot):
    rita, priya, omar, mei = (hirebot.users[n] for n in ("rita", "priya", "omar", "mei"))
    assert ack_json(hirebot.slack.command(rita, "pool")) == {}
    view = hirebot.slack.opened_view()
    assert view["callback_id"] == Callback.POOL

    # Bad input is answered beside its field, and nothing is stored.
    refused = ack_json(hirebot.slack.submit(rita, view, pool_values(people=[])))
    assert refused == {"response_action": "errors", "errors": {Block.POOL_PEOPLE: "Pick at least one person."}}
    refused = ack_json(hirebot.slack.submit(rita, view, pool_values("ml-engineer/no_such_stage", [priya])))
    assert set(refused["errors"]) == {Block.POOL_STAGE}
    refused = ack_json(hirebot.slack.submit(rita, view, pool_values(people=[priya], role="guru")))
    assert set(refused["errors"]) == {Block.POOL_ROLE}
    assert pool_rows(hirebot) == []

    added = ack_json(hirebot.slack.submit(rita, view, pool_values(people=[priya, omar])))
    assert added["response_action"] == "update"
    shown = dumps(added["view"])
    assert f"<@{priya}> · *trained*" in shown and f"<@{omar}> · *trained*" in shown
    assert pool_rows(hirebot) == [("coding_round", priya, "trained"), ("coding_round", omar, "trained")]

    # Another stage: its own (empty) pool, with the people and role picked so far kept.
    state = {"state": {"values": pool_values(people=[mei], role="shadowing")}}
    hirebot.slack.click(
        rita, element_id(Block.POOL_STAGE), view={**view, **state}, selected="ml-engineer/ml_system_design"
    )
    other = updated_view(hirebot)
    people = next(b for b in other["blocks"] if b.get("block_id") == Block.POOL_PEOPLE)
    assert people["element"]["initial_users"] == [mei]
    assert json.loads(other["private_metadata"]) == {"pack": "ml-engineer", "stage": "ml_system_design"}
    assert "Nobody yet" in dumps(other)

    # A member's menu changes their role, or takes them out.
    # (each click carries the view's latest hash, as Slack sends it)
    coding = {**other, "private_metadata": dumps(vars(CODING))}
    hirebot.slack.click(rita, Action.POOL_MEMBER, view=coding, selected=f"reverse_shadowing:{omar}")
    redrawn = updated_view(hirebot)
    assert f"<@{omar}> · *reverse shadowing*" in dumps(redrawn)
    hirebot.slack.click(rita, Action.POOL_MEMBER, view=redrawn, selected=f"remove:{priya}")
    assert pool_rows(hirebot) == [("coding_round", omar, "reverse_shadowing")]
    assert f"<@{priya}>" not in dumps(updated_view(hirebot))


def test_a_change_made_while_slack_fails_to_redraw_is_kept_and_the_recruiter_told(hirebot, monkeypatch):
    rita, priya = hirebot.users["rita"], hirebot.users["priya"]
    hirebot.services.pools.add(rita, CODING, [priya], PoolRole.TRAINED)

    def down(*args, **kwargs):
        raise SlackTransientError("views.update", "internal_error")

    monkeypatch.setattr(hirebot.services.slack, "update_view", down)
    view = {"id": "V0POOL", "hash": "h", "private_metadata": dumps(vars(CODING))}
    hirebot.slack.click(rita, Action.POOL_MEMBER, view=view, selected=f"remove:{priya}")

    assert pool_rows(hirebot) == []
    told = [m for m in hirebot.client.all("chat.postMessage") if m["channel"] == rita]
    assert told and "views.update" in told[-1]["text"]


def hours_values(cap: str) -> dict:
    checked = {"type": "checkboxes", "selected_options": [{"value": str(d)} for d in range(5)]}
    return form_values(
        **{
            Block.HOURS_START: clock_time("09:00"),
            Block.HOURS_END: clock_time("18:00"),
            Block.HOURS_DAYS: checked,
            Block.HOURS_HOLIDAYS: text(""),
            Block.WEEKLY_CAP: text(cap),
        }
    )


def set_cap_in_app_home(bot, who: str, cap: str) -> dict:
    bot.slack.click(bot.users[who], Action.MY_HOURS, "open")
    view = bot.slack.opened_view()
    assert any(b.get("block_id") == Block.WEEKLY_CAP for b in view["blocks"])
    reply = ack_json(bot.slack.submit(bot.users[who], view, hours_values(cap)))
    bot.run_background()
    return reply


def test_a_person_lowers_their_own_cap_in_app_home_and_never_raises_it(hirebot):
    omar = hirebot.users["omar"]
    refused = set_cap_in_app_home(hirebot, "omar", "9")
    assert refused["response_action"] == "errors" and set(refused["errors"]) == {Block.WEEKLY_CAP}
    assert "from 1 to 4" in refused["errors"][Block.WEEKLY_CAP]
    with hirebot.services.db.transaction() as session:
        assert session.get(Person, omar) is None
    assert set_cap_in_app_home(hirebot, "omar", "2") == {}
    with hirebot.services.db.transaction() as session:
        assert session.get_one(Person, omar).weekly_cap == 2
    shown = dumps(hirebot.client.last("views.publish")[0]["view"])
    assert "at most 2 interviews a week (your own cap)" in shown


def plan_changed(bot, view: dict, stage: str, day: str, at_time: str) -> dict:
    """Pick the stage in the open Add interview modal, with a date and a time already picked."""
    values = form_values(
        **{Block.START_DATE: date(day), Block.START_TIME: clock_time(at_time), Block.DURATION: number(60)}
    )
    bot.slack.click(
        bot.users["rita"], element_id(Block.STAGE), view={**view, "state": {"values": values}}, selected=stage
    )
    return updated_view(bot)


def suggestion_lines(view: dict) -> list[str]:
    listing = next(t for t in mrkdwn_texts(view["blocks"]) if t.startswith("*Suggested for"))
    return listing.splitlines()[1:]


def test_add_interview_ranks_the_trained_pool_within_caps_and_the_card_warns_of_other_picks(hirebot):
    rita, priya, omar, mei, lars, hank = (hirebot.users[n] for n in ("rita", "priya", "omar", "mei", "lars", "hank"))
    hirebot.clock.set(at("2030-02-25 09:00"))
    hirebot.services.pools.add(rita, CODING, [priya, omar, mei], PoolRole.TRAINED)
    hirebot.services.pools.add(rita, CODING, [hank], PoolRole.SHADOWING)
    assert set_cap_in_app_home(hirebot, "omar", "1") == {}
    earlier = open_loop(hirebot)
    add_interview(hirebot, earlier, "recruiter_screen", "priya", "2030-02-27", "10:00")  # 1 in the last 14 days
    hirebot.clock.set(at("2030-03-04 09:00"))
    add_interview(hirebot, earlier, "ml_system_design", "omar", "2030-03-05", "10:00")  # Omar at his cap this week

    candidate = open_loop(hirebot)
    hirebot.slack.click(rita, Action.ADD_INTERVIEW, str(candidate.id), channel=candidate.channel_id)
    view = hirebot.slack.opened_view()
    assert "Pick a stage" in dumps(view)
    lines = suggestion_lines(plan_changed(hirebot, view, "coding_round", "2030-03-06", "14:00"))

    assert lines == [
        f"1. <@{mei}>: 0/4 this week · 0 in 14 days · 09:00-18:00 Europe/London overlaps",
        f"2. <@{priya}>: 0/4 this week · 1 in 14 days · 09:00-18:00 Europe/London overlaps",
        f"3. <@{omar}>: 1/1 this week (at cap) · 0 in 14 days · 09:00-18:00 Europe/London overlaps",
    ]
    # The shadow is never suggested as the interviewer.
    assert f"<@{hank}>" not in "\n".join(lines)

    # Picking Omar over his cap, and Lars from outside the pool, is allowed, with a warning on the card.
    add_interview(hirebot, candidate, "coding_round", "omar", "2030-03-06", "14:00")
    add_interview(hirebot, candidate, "coding_round", "lars", "2030-03-07", "14:00")
    card = dumps(hirebot.client.last("chat.update")[0])
    assert "⚠️ over their weekly cap (2/1 the week of 04 Mar)" in card
    assert "⚠️ not trained for Coding round" in card
    add_interview(hirebot, candidate, "model_deep_dive", "mei", "2030-03-08", "14:00")  # no pool there: no warning
    card = dumps(hirebot.client.last("chat.update")[0])
    assert card.count("⚠️ not trained") == 1


def test_hirebot_report_load_shows_who_is_over_their_cap(hirebot, monkeypatch, tmp_path, capsys):
    hirebot.clock.set(at("2030-03-04 09:00"))
    assert set_cap_in_app_home(hirebot, "omar", "1") == {}
    candidate = open_loop(hirebot)
    add_interview(hirebot, candidate, "coding_round", "omar", "2030-03-05", "10:00")
    add_interview(hirebot, candidate, "ml_system_design", "omar", "2030-03-06", "10:00")
    add_interview(hirebot, candidate, "model_deep_dive", "priya", "2030-03-06", "12:00")
    monkeypatch.setenv("DATABASE_URL", hirebot.services.settings.database_url)
    monkeypatch.setenv("HIREBOT_TIMEZONE", "Europe/London")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()

    assert cli(["report", "load", "--weeks", "2", "--ending", "2030-03-06", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    omar, priya = hirebot.users["omar"], hirebot.users["priya"]
    assert report["weeks"] == ["2030-W09", "2030-W10"]
    assert {(r["person"], r["interviews"], r["cap"], r["over_cap"]) for r in report["rows"]} == {
        (omar, 2, 1, True),
        (priya, 1, 4, False),
    }
    assert report["over_cap"] == [{"person": omar, "week": "2030-W10"}]
    assert cli(["report", "load", "--ending", "2030-03-06"]) == 0
    assert f"Over their cap (!): {omar} in 2030-W10 (2/1)" in capsys.readouterr().out
    assert cli(["report", "load", "--weeks", "0"]) == 2
    assert cli(["report", "load", "--ending", "last tuesday"]) == 2
    assert "--ending wants a date" in capsys.readouterr().err


def what_slack_parses(bot) -> list[str]:
    texts = []
    for method, args, _ in bot.client.calls:
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", "views.update"):
            texts.append(args.get("text") or "")
            blocks = args.get("blocks") or (args.get("view") or {}).get("blocks") or []
            texts += mrkdwn_texts(json.loads(blocks) if isinstance(blocks, str) else blocks)
    return texts


def test_hostile_text_around_pools_reaches_slack_only_escaped(hirebot, monkeypatch):
    rita, priya = hirebot.users["rita"], hirebot.users["priya"]
    hirebot.clock.set(at("2030-03-04 09:00"))
    hirebot.services.pools.add(rita, CODING, [priya], PoolRole.TRAINED)
    candidate = open_loop(hirebot, f"{unique_name('Eve')} {HOSTILE}")
    add_interview(hirebot, candidate, "coding_round", "lars", "2030-03-06", "14:00")  # warned: outside the pool
    assert "not trained for Coding round" in dumps(hirebot.client.last("chat.update")[0])
    # A profile's time zone is typed by a person too; one no zone database knows is not shown as typed.
    real = hirebot.services.slack.user_info
    monkeypatch.setattr(
        hirebot.services.slack,
        "user_info",
        lambda user_id: SlackUser(**{**real(user_id).__dict__, "tz": HOSTILE if user_id == priya else None}),
    )
    hirebot.slack.click(rita, Action.ADD_INTERVIEW, str(candidate.id), channel=candidate.channel_id)
    lines = suggestion_lines(plan_changed(hirebot, hirebot.slack.opened_view(), "coding_round", "2030-03-06", "14:00"))
    assert lines == [f"1. <@{priya}>: 0/4 this week · 0 in 14 days · 09:00-18:00 Europe/London overlaps"]
    sent = what_slack_parses(hirebot)
    assert any("&lt;!channel&gt;" in t for t in sent)
    assert not [t for t in sent if any(raw in t for raw in RAW)]


def test_hire_pool_can_open_on_a_named_stage_and_refuses_an_unknown_one(hirebot):
    rita = hirebot.users["rita"]
    assert ack_json(hirebot.slack.command(rita, "pool ml-engineer/model_deep_dive")) == {}
    view = hirebot.slack.opened_view()
    assert json.loads(view["private_metadata"]) == {"pack": "ml-engineer", "stage": "model_deep_dive"}
    reply = ack_json(hirebot.slack.command(rita, "pool <!channel>/x"))
    assert reply == {"text": "Pick a stage from the list."}
    assert len(hirebot.client.all("views.open")) == 1
