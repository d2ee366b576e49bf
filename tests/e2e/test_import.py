"""`hirebot import candidates`: a file of candidates checked whole, then opened, loop by loop, through
the emulator; interrupted and run again, it opens nothing twice and leaves every loop complete."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from bot import cli, importer
from bot.errors import PermissionDenied, SlackTransientError
from bot.services.import_rows import row_key
from bot.services.importing import ImportRefused
from db.migrate import upgrade
from db.models import Candidate, LoopStatus, TeamRole
from tests.support.loops import unique_name
from tests.support.markup import mrkdwn_texts

HEADER = "name,role pack,profile,hiring manager,team,link\n"


def export(hirebot, names: list[str], **cells: str) -> bytes:
    """A recruiter's export: one row per candidate, Hank managing, Priya and Omar interviewing."""
    people = hirebot.users
    row = {
        "pack": "ml-engineer",
        "profile": "balanced",
        "manager": people["hank"],
        "team": f"{people['priya']}; {people['omar']}",
        "link": "https://ats.example.com/candidates/{n}",
    } | cells
    lines = [
        f"{name},{row['pack']},{row['profile']},{row['manager']},{row['team']},{row['link'].format(n=n)}\n"
        for n, name in enumerate(names)
    ]
    return (HEADER + "".join(lines)).encode()


def run(hirebot, data: bytes, recruiter: str = "rita") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = importer.run_import(hirebot.services, data, hirebot.users[recruiter], out, err, progress=True)
    return code, out.getvalue(), err.getvalue()


def loops(hirebot) -> list[Candidate]:
    with hirebot.services.db.transaction() as session:
        found = session.scalars(select(Candidate).order_by(Candidate.id)).all()
        for candidate in found:
            list(candidate.team)  # loaded while the session is open
        return list(found)


def assert_complete(hirebot, candidate: Candidate, link: str) -> None:
    """Channel, invites, card, pin: a loop opened by the import is the loop `/hire new` opens."""
    people = hirebot.users
    assert candidate.status is LoopStatus.OPEN and candidate.problems == []
    assert candidate.created_by == candidate.recruiter_id == people["rita"]
    channel = hirebot.emulator.channel(candidate.channel_id)
    assert channel["is_private"] is True
    assert {people[h] for h in ("rita", "hank", "priya", "omar")} <= set(hirebot.emulator.members(candidate.channel_id))
    assert {m.role for m in candidate.team} == {TeamRole.RECRUITER, TeamRole.HIRING_MANAGER, TeamRole.INTERVIEWER}
    pins = hirebot.emulator.post("pins.list", channel=candidate.channel_id)["items"]
    assert [p["message"]["ts"] for p in pins] == [candidate.card_ts]
    assert candidate.resume_url == link


def card_count(hirebot, candidate: Candidate) -> list[str]:
    """The import's count on the loop's card, as the channel shows it."""
    [card] = [m for m in hirebot.emulator.history(candidate.channel_id) if m["ts"] == candidate.card_ts]
    return [t for t in mrkdwn_texts(card.get("blocks", [])) if t.startswith("Imported:")]


def test_a_file_opens_one_complete_loop_per_row_and_says_how_long_slack_made_it_wait(hirebot):
    names = [unique_name("Event") for _ in range(3)]
    code, out, err = run(hirebot, export(hirebot, names))
    assert code == 0, out
    opened = loops(hirebot)
    assert [c.name for c in opened] == names
    for n, candidate in enumerate(opened):
        assert_complete(hirebot, candidate, f"https://ats.example.com/candidates/{n}")
        assert candidate.view_id == row_key(candidate.name, "ml-engineer", candidate.resume_url)
        assert card_count(hirebot, candidate) == [f"Imported: loop {n + 1} of 3"]
    assert "3 rows: 3 opened, 0 resumed, 0 already complete, 0 left to finish" in out
    assert "Slack floor" in out and "hirebot" in out and "ratio" in out
    assert "3/3" in err  # the progress bar, on stderr
    assert hirebot.client.methods().count("conversations.create") == 3
    assert not any(name in out + err for name in names)  # lines and counts, never names


def test_every_bad_row_is_reported_and_nothing_is_created(hirebot):
    people = hirebot.users
    good = export(hirebot, [unique_name("Fine")]).decode()
    rows = [
        f"{unique_name('Pack')},no-such-pack,balanced,{people['hank']},,\n",  # line 3
        f"{unique_name('Prof')},ml-engineer,no_such_profile,{people['hank']},,\n",  # line 4
        f"{unique_name('Gone')},ml-engineer,balanced,U0DEACTIVATED,{people['priya']} U0NOBODY,\n",  # line 5
        f"{unique_name('Link')},ml-engineer,balanced,{people['hank']},,http://ats.example.com/x\n",  # line 6
    ]
    with pytest.raises(ImportRefused) as refused:
        run(hirebot, (good + "".join(rows)).encode())
    assert [(p.line, p.field) for p in refused.value.problems] == [
        (3, "role pack"),
        (4, "profile"),
        (5, "hiring manager"),
        (5, "team"),
        (6, "link"),
    ]
    assert "line 5, field team: U0NOBODY: " in refused.value.user_message
    assert "nothing was imported" in refused.value.user_message
    assert loops(hirebot) == []
    assert "conversations.create" not in hirebot.client.methods()


def test_only_a_recruiter_may_import(hirebot):
    with pytest.raises(PermissionDenied):
        run(hirebot, export(hirebot, [unique_name()]), recruiter="nora")
    assert loops(hirebot) == []


def interrupt_at(hirebot, monkeypatch, method: str, nth: int, error: BaseException) -> list[str]:
    """Raise `error` in place of the nth call of `method`, as Ctrl-C (or a crash) would land there."""
    real, seen = hirebot.services.slack.call, []

    def call(called: str, /, **kwargs):
        if called == method:
            seen.append(called)
            if len(seen) == nth:
                raise error
        return real(called, **kwargs)

    monkeypatch.setattr(hirebot.services.slack, "call", call)
    return seen


def test_an_interrupted_import_run_again_opens_nothing_twice_and_finishes_every_loop(hirebot, monkeypatch):
    names = [unique_name("Rerun") for _ in range(4)]
    data = export(hirebot, names)
    # Ctrl-C while the third loop's topic is being set: two loops are done, one is half set up.
    interrupt_at(hirebot, monkeypatch, "conversations.setTopic", 3, KeyboardInterrupt())
    code, _, err = run(hirebot, data)
    assert code == importer.INTERRUPTED
    assert "interrupted after 2 of 4" in err
    assert len(loops(hirebot)) == 4  # every row was written before Slack was called
    assert hirebot.client.methods().count("conversations.create") == 3
    monkeypatch.undo()

    code, out, _ = run(hirebot, data)
    assert code == 0, out
    assert "4 rows: 1 opened, 1 resumed, 2 already complete, 0 left to finish" in out
    opened = loops(hirebot)
    assert [c.name for c in opened] == names
    for n, candidate in enumerate(opened):
        assert_complete(hirebot, candidate, f"https://ats.example.com/candidates/{n}")
        assert card_count(hirebot, candidate) == [f"Imported: loop {n + 1} of 4"]  # the same count as before
    assert hirebot.client.methods().count("conversations.create") == 4  # one channel per candidate
    assert hirebot.client.methods().count("chat.postMessage") == 4  # one card each

    before = len(hirebot.client.methods())
    code, out, _ = run(hirebot, data)
    assert (code, "4 already complete" in out) == (0, True)
    assert [m for m in hirebot.client.methods()[before:] if m != "users.info"] == []


def test_a_row_slack_failed_is_left_to_finish_and_the_next_run_finishes_it(hirebot, monkeypatch):
    names = [unique_name("Flaky") for _ in range(2)]
    data = export(hirebot, names)
    interrupt_at(hirebot, monkeypatch, "conversations.create", 2, SlackTransientError("conversations.create", "x"))
    code, out, _ = run(hirebot, data)
    assert code == 1
    assert "line 3: no channel yet (channel: x)" in out and "1 left to finish (run the same command again)" in out
    monkeypatch.undo()
    code, out, _ = run(hirebot, data)
    assert code == 0 and "2 rows: 1 opened, 0 resumed, 1 already complete" in out
    for n, candidate in enumerate(loops(hirebot)):
        assert_complete(hirebot, candidate, f"https://ats.example.com/candidates/{n}")


def test_the_same_candidate_edited_between_runs_is_not_opened_again(hirebot):
    """The key is who and for which role: a new team in the file is not a new loop."""
    name = unique_name("Edited")
    assert run(hirebot, export(hirebot, [name]))[0] == 0
    edited = export(hirebot, [name.upper()], team=hirebot.users["mei"])
    code, out, _ = run(hirebot, edited)
    assert code == 0 and "1 already complete" in out
    with hirebot.services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Candidate)) == 1


def test_the_command_line_imports_a_file_and_exits_2_on_a_bad_one(emulator, tmp_path, monkeypatch, capsys):
    """`hirebot import candidates` as a recruiter runs it: settings from the environment, a
    migrated database, the real gateway against the emulator."""
    url = f"sqlite:///{tmp_path}/hirebot.db"
    upgrade(url)
    people = emulator.users
    monkeypatch.chdir(tmp_path)  # no .env file but this test's
    for name, value in {
        "SLACK_BOT_TOKEN": emulator.next_bot_token(),
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": url,
        "HIREBOT_RECRUITERS": people["rita"],
    }.items():
        monkeypatch.setenv(name, value)
    bad, good = tmp_path / "bad.csv", tmp_path / "event.csv"
    bad.write_text(HEADER + f"Ada,ml-engineer,balanced,hank,{people['priya']},\n", encoding="utf-8")
    good.write_text(HEADER + f"{unique_name('Cli')},ml-engineer,balanced,{people['hank']},{people['omar']},\n")
    command = ["import", "candidates", "--recruiter", people["rita"]]

    assert cli.main([*command, str(bad)]) == 2
    assert "line 2, field hiring manager: not a Slack member id" in capsys.readouterr().err
    assert cli.main([*command, str(tmp_path / "missing.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert cli.main([*command, str(good)]) == 0
    out = capsys.readouterr().out
    assert "1 rows: 1 opened" in out and "hirebot" in out
    assert cli.main([*command, str(good)]) == 0
    assert "1 already complete" in capsys.readouterr().out


def test_an_interruption_right_after_the_channel_is_created_still_ends_in_a_complete_loop(hirebot, monkeypatch):
    """Between recording the new channel and marking its set-up steps pending, a Ctrl-C leaves a
    channel with no step marked: the next run must run them all, not just post the card."""
    name = unique_name("Window")
    data = export(hirebot, [name])
    channel = hirebot.services.loops.channel
    real = channel.set_problems

    def set_problems(candidate_id: int, codes: dict[str, str | None]) -> None:
        if "invite" in codes:
            raise KeyboardInterrupt
        real(candidate_id, codes)

    monkeypatch.setattr(channel, "set_problems", set_problems)
    assert run(hirebot, data)[0] == importer.INTERRUPTED
    monkeypatch.undo()
    [candidate] = loops(hirebot)
    assert candidate.channel_id and candidate.status is LoopStatus.OPEN
    code, out, _ = run(hirebot, data)
    assert code == 0 and "1 resumed" in out
    assert_complete(hirebot, loops(hirebot)[0], "https://ats.example.com/candidates/0")


def test_an_import_interrupted_while_writing_its_rows_numbers_every_loop_once_on_the_next_run(hirebot, monkeypatch):
    """Ctrl-C while the rows are being written: the next run writes the rest, and every card counts
    its loop in the file's order, the loops written by the first run included."""
    names = [unique_name("Count") for _ in range(4)]
    data = export(hirebot, names)
    loops_service = hirebot.services.loops
    real, written = loops_service.begin_loop, []

    def begin_loop(form, actor, view_id):
        if len(written) == 2:
            raise KeyboardInterrupt
        written.append(view_id)
        return real(form, actor, view_id)

    monkeypatch.setattr(loops_service, "begin_loop", begin_loop)
    with pytest.raises(KeyboardInterrupt):
        run(hirebot, data)
    monkeypatch.undo()
    assert [(c.import_position, c.import_total) for c in loops(hirebot)] == [(1, 4), (2, 4)]
    assert "conversations.create" not in hirebot.client.methods()

    code, out, _ = run(hirebot, data)
    assert code == 0 and "4 rows: 4 opened" in out
    opened = loops(hirebot)
    assert [c.name for c in opened] == names
    assert len({c.import_batch for c in opened}) == 1
    for n, candidate in enumerate(opened):
        assert_complete(hirebot, candidate, f"https://ats.example.com/candidates/{n}")
        assert card_count(hirebot, candidate) == [f"Imported: loop {n + 1} of 4"]
    assert hirebot.client.methods().count("conversations.create") == 4
