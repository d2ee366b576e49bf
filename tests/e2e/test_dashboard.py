"""The recruiter dashboard in the App Home, end to end: signed app_home_opened events into the app,
views.publish served by the emulator. A recruiter sees every loop; an interviewer only their own
numbers; anyone else none of it. Names people typed arrive escaped."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.services.load import week_start
from db.vocabulary import Decision, LoopStatus
from tests.support.dashboard import Past, Seat, seed
from tests.support.loops import add_interview, open_loop

D, H = timedelta(days=1), timedelta(hours=1)
HOSTILE = "<!channel> *Eve* <@U0BOSS|boss> & co"


def published_home(bot, handle: str) -> dict:
    user = bot.users[handle]
    bot.slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0HOME", "event_ts": "1"})
    assert bot.run_background() == 1  # published after the event is answered
    published = bot.client.last("views.publish")[0]
    assert published["user_id"] == user
    view = published["view"] if isinstance(published["view"], dict) else json.loads(published["view"])
    assert view["type"] == "home"
    return view


def home_of(bot, handle: str) -> str:
    return json.dumps(published_home(bot, handle), ensure_ascii=False)


def seed_panel(bot) -> None:
    """Priya is slow and late, Omar quick; one open loop (hostile name) is past 6 weeks, waiting on Priya."""
    u, now = bot.users, bot.clock()
    rita, hank = u["rita"], u["hank"]
    loops = [
        Past(
            HOSTILE,
            now - 45 * D,
            [
                Seat("recruiter_screen", u["omar"], now - 30 * D, now - 30 * D + 2 * H, {"collaboration": 3}),
                Seat("coding_round", u["priya"], now - 3 * D),
            ],
            recruiter=rita,
            manager=hank,
        ),
        Past(
            "Quinn Past",
            now - 40 * D,
            [
                Seat("recruiter_screen", u["omar"], now - 35 * D, now - 35 * D + 3 * H),
                Seat("coding_round", u["priya"], now - 25 * D, now - 22 * D),
            ],
            status=LoopStatus.DECIDED,
            decision=Decision.HIRE,
            decided_at=now - 12 * D,
            recruiter=rita,
            manager=hank,
        ),
    ]
    with bot.services.db.transaction() as session:
        seed(session, loops)


def test_a_recruiter_sees_the_dashboard_with_every_loop_and_interviewer(hirebot):
    seed_panel(hirebot)
    u = hirebot.users
    home = home_of(hirebot, "rita")
    for part in ("Hiring dashboard", "Open loops", "Overdue scorecards", "Scorecard timeliness"):
        assert part in home
    assert "Stage pass-through" in home and "Agreement per competency" in home
    # The hostile name is shown as text: no @channel, no fake mention, no bold from the name.
    assert "<!channel>" not in home and "<@U0BOSS|boss>" not in home
    assert "&lt;!channel&gt; *Eve* &lt;@U0BOSS|boss&gt; &amp; co" in home
    assert "day 45 · 🔴 past 6 weeks" in home
    assert f"next: waiting on scorecards from <@{u['priya']}>" in home
    # On time: Omar's two screens (1 h and 2 h after the hour-long interview ended); late: Priya's
    # coding round (71 h after its end) and her missing one. 2 of 4, below Greenhouse's 90%.
    assert "*50%* of 4 scorecards in within 24 hours of the interview (goal: 90%) ⚠️ below" in home
    assert f"<@{u['priya']}>: median 3.0 days · 0 of 2 on time (0%)" in home
    assert f"<@{u['omar']}>: median 1.5 h · 2 of 2 on time (100%)" in home
    assert "Time to decision: median *28 days* from opening over 1 decision (1 hired)" in home
    assert "Recruiter screen: 2 reached → 2 went on (100% of those settled)" in home
    assert "Collaboration" in home and "not enough data (0 of 10 candidates)" in home


def test_an_interviewer_sees_only_their_own_numbers(hirebot):
    seed_panel(hirebot)
    u = hirebot.users
    priya = home_of(hirebot, "priya")
    assert "Your scorecard timeliness" in priya
    assert "You submitted *0%* of your 2 scorecards within 24 hours" in priya
    assert "Your median time to scorecard: *3.0 days*" in priya
    assert "Hiring dashboard" not in priya and "Open loops" not in priya and "Agreement" not in priya
    assert u["omar"] not in priya and u["rita"] not in priya  # nobody else's name or numbers
    assert "Quinn Past" not in priya and "1.5 h" not in priya and "50%" not in priya
    omar = home_of(hirebot, "omar")
    assert "You submitted *100%* of your 2 scorecards" in omar and u["priya"] not in omar


def test_anyone_else_sees_none_of_it(hirebot):
    seed_panel(hirebot)
    u = hirebot.users
    for outsider in ("nora", "hank"):  # the hiring manager is neither a recruiter nor an interviewer here
        home = home_of(hirebot, outsider)
        assert "Hiring dashboard" not in home and "timeliness" not in home.lower()
        assert all(u[who] not in home for who in ("priya", "omar"))
        assert "Eve" not in home and "Quinn" not in home


def test_a_large_dashboard_stays_under_slacks_100_blocks_and_points_at_the_report(hirebot):
    u, now = hirebot.users, hirebot.clock()
    people = [u["priya"], u["omar"], u["mei"], u["lars"]]
    loops = [
        Past(
            f"Loop {n}",
            now - (n % 60) * D,
            [Seat("recruiter_screen", people[n % 4], now - 2 * D), Seat("coding_round", people[(n + 1) % 4], now - D)],
            recruiter=u["rita"],
        )
        for n in range(300)
    ]
    with hirebot.services.db.transaction() as session:
        seed(session, loops)
    view = published_home(hirebot, "rita")
    assert len(view["blocks"]) <= 100
    text = json.dumps(view, ensure_ascii=False)
    assert "…and 275 more: `hirebot report loops` lists them all." in text
    assert "Overdue scorecards" in text


def rita_homes(bot) -> list[str]:
    rita = bot.users["rita"]
    return [json.dumps(a["view"], ensure_ascii=False) for a in bot.client.all("views.publish") if a["user_id"] == rita]


def test_the_recruiters_home_follows_a_change_to_a_loop(hirebot):
    candidate = open_loop(hirebot)
    opened = rita_homes(hirebot)
    assert len(opened) == 1 and candidate.name in opened[0] and "next: plan interviews" in opened[0]
    hirebot.client.calls.clear()
    add_interview(hirebot, candidate, "coding_round", "priya", "2030-03-04", "10:00")
    rita = [args for args in hirebot.client.all("views.publish") if args["user_id"] == hirebot.users["rita"]]
    assert len(rita) == 1
    view = rita[0]["view"] if isinstance(rita[0]["view"], dict) else json.loads(rita[0]["view"])
    home = json.dumps(view, ensure_ascii=False)
    assert "Hiring dashboard" in home and f"Coding round with <@{hirebot.users['priya']}>" in home


def images(view: dict) -> list[dict]:
    return [b for b in view["blocks"] if b["type"] == "image"]


def busy_week(bot, who: str, interviews: int) -> None:
    """`who` holds this many interviews this week (each on its own loop's coding round)."""
    u, now = bot.users, bot.clock()
    monday = week_start(now, bot.services.load.zone)
    seats = [Seat("coding_round", u[who], monday + (n + 1) * H) for n in range(interviews)]
    with bot.services.db.transaction() as session:
        seed(session, [Past(f"Busy {n}", now - 3 * D, [seat], recruiter=u["rita"]) for n, seat in enumerate(seats)])


def test_a_recruiters_home_shows_both_charts_by_file_id_and_this_weeks_load(hirebot):
    seed_panel(hirebot)
    busy_week(hirebot, "mei", hirebot.services.settings.weekly_cap + 1)
    u = hirebot.users
    view = published_home(hirebot, "rita")
    ages, alpha = images(view)
    uploaded = [answer["file_id"] for _, answer in uploads(hirebot)]
    assert sorted(uploaded) == sorted([ages["slack_file"]["id"], alpha["slack_file"]["id"]])
    assert all(exists(hirebot, file_id) for file_id in uploaded)
    assert ages["alt_text"].startswith("Bar chart of 6 open loops by days open")
    assert alpha["alt_text"].startswith("Bar chart of Krippendorff's alpha")
    home = json.dumps(view, ensure_ascii=False)
    cap = hirebot.services.settings.weekly_cap
    assert "Load this week" in home and f"over their cap: <@{u['mei']}>" in home
    assert f"• <@{u['mei']}>: {cap + 1} interviews of {cap} · 🔴 *over their cap*" in home
    # Opened again with the same numbers: the same files, nothing uploaded or deleted.
    again = published_home(hirebot, "rita")
    assert images(again) == [ages, alpha] and len(uploads(hirebot)) == 2
    assert hirebot.client.all("files.delete") == []


def test_an_interviewers_home_has_neither_the_charts_nor_anyones_load(hirebot):
    seed_panel(hirebot)
    busy_week(hirebot, "mei", hirebot.services.settings.weekly_cap + 1)
    priya = published_home(hirebot, "priya")
    assert images(priya) == [] and "Load this week" not in json.dumps(priya)
    assert hirebot.users["mei"] not in json.dumps(priya) and uploads(hirebot) == []


def uploads(bot) -> list[tuple[dict, dict]]:
    return [(asked, answer) for name, asked, answer in bot.client.calls if name == "files.getUploadURLExternal"]


def exists(bot, file_id: str) -> bool:
    return bool(bot.emulator.post("files.info", file=file_id).get("ok"))


def test_a_hung_upload_leaves_the_charts_out_and_the_home_is_still_published(hirebot, monkeypatch):
    seed_panel(hirebot)
    real = hirebot.client.api_call

    def api_call(api_method, **kwargs):
        if api_method == "files.getUploadURLExternal":
            raise TimeoutError("The read operation timed out")  # what the client's socket timeout raises
        return real(api_method, **kwargs)

    monkeypatch.setattr(hirebot.client, "api_call", api_call)
    view = published_home(hirebot, "rita")
    home = json.dumps(view, ensure_ascii=False)
    assert images(view) == [] and "Open loops" in home and "Load this week" in home
    monkeypatch.undo()  # Slack answers again: the next refresh brings the charts
    assert len(images(published_home(hirebot, "rita"))) == 2
