"""A hiring event: `hirebot import candidates` opening 50 loops against Slack's rate tiers.

    .venv/bin/python benchmarks/import_loops.py [--loops 50] [--interrupt-after SECONDS]

Starts the Slack emulator behind benchmarks/rate_limited_slack.py (Slack's published tiers,
per method, 429 + Retry-After past them; real time, no scaled clock), writes a recruiter's
export of N candidates, and runs the real command line, `python -m bot.cli import candidates`,
in a subprocess against a fresh SQLite database. Its progress bar goes to this terminal.

Each loop costs one call of each of conversations.create, setTopic, setPurpose, bookmarks.add
and pins.add (all Tier 2, about 20 a minute, each with its own budget), one
conversations.invite (Tier 3) and one card (chat.postMessage, into its own channel). So the
floor for N loops is the most-called Tier 2 method at 20 a minute: (N - 1) x 3 s, 147 s for
50. The table shows it beside hirebot's wall time (start-up included) and their ratio (goal:
within 1.2x), then checks every loop in the emulator (private channel, team invited, card
pinned, the card counting its loop: "Imported: loop 12 of 50") and runs the same file again,
which must open nothing.

With --interrupt-after, the first run is stopped with Ctrl-C (SIGINT) after that many
seconds, and the second run finishes the rest: the channel count shows nothing opened twice.
Takes about 2.5 minutes for 50 loops. Exits 0 whatever the numbers are.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from benchmarks.rate_limited_slack import RateLimitedSlack  # noqa: E402
from bot.importer import floor_seconds  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Candidate, LoopStatus  # noqa: E402
from db.session import Database, make_engine  # noqa: E402
from tests.support.emulator import BOT_TOKEN, SlackEmulator, start_emulator  # noqa: E402
from tests.support.markup import mrkdwn_texts  # noqa: E402

GOAL = 1.2
PER_LOOP = ("conversations.create", "conversations.setTopic", "conversations.setPurpose", "bookmarks.add", "pins.add")


def export(people: dict[str, str], loops: int) -> str:
    lines = ["name,role pack,profile,hiring manager,team,link"]
    for n in range(1, loops + 1):
        team = f"{people['priya']} {people['omar']}"
        lines.append(f"Event{n} Candidate,ml-engineer,balanced,{people['hank']},{team},https://ats.example.com/c/{n}")
    return "\n".join(lines) + "\n"


def run_cli(
    csv_path: Path, env: dict[str, str], recruiter: str, interrupt_after: float | None
) -> tuple[float, int, str]:
    """The command as a recruiter runs it. (wall seconds, exit code, what it printed on stdout)."""
    command = [sys.executable, "-m", "bot.cli", "import", "candidates", str(csv_path), "--recruiter", recruiter]
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=csv_path.parent, stdout=subprocess.PIPE, text=True)
    if interrupt_after is not None:
        try:
            process.wait(timeout=interrupt_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)
    out, _ = process.communicate()
    return time.monotonic() - started, process.returncode, out


def check_loops(url: str, emulator: SlackEmulator) -> tuple[int, int, list[str]]:
    """(loops in the database, loops complete in Slack: private, team in it, card pinned,
    and the import's count on each complete loop's card, "Imported: loop 12 of 50")."""
    engine = make_engine(url)
    try:
        with Database(engine).transaction() as session:
            loops = [(c.status, c.problems, c.channel_id, c.card_ts) for c in session.scalars(select(Candidate))]
    finally:
        engine.dispose()
    people = {emulator.users[h] for h in ("rita", "hank", "priya", "omar")}
    complete, counts = 0, []
    for status, problems, channel, card in loops:
        if status is not LoopStatus.OPEN or problems or channel is None:
            continue
        pins = emulator.post("pins.list", channel=channel).get("items", [])
        if (
            emulator.channel(channel)["is_private"]
            and people <= set(emulator.members(channel))
            and [p["message"]["ts"] for p in pins] == [card]
        ):
            complete += 1
            [message] = [m for m in emulator.history(channel) if m["ts"] == card]
            counts += [t for t in mrkdwn_texts(message.get("blocks", [])) if t.startswith("Imported: loop ")]
    return len(loops), complete, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=50)
    parser.add_argument("--interrupt-after", type=float, help="Ctrl-C the first run after this many seconds")
    args = parser.parse_args()
    if not 1 <= args.loops <= 100:
        parser.error("--loops must be between 1 and 100 (at about 3 s a loop)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        emulator = start_emulator(work)
        try:
            with RateLimitedSlack(emulator.url) as slack:
                return measure(args, work, emulator, slack)
        finally:
            emulator.stop()


def measure(args: argparse.Namespace, work: Path, emulator: SlackEmulator, slack: RateLimitedSlack) -> int:
    url = f"sqlite:///{work}/hirebot.db"
    upgrade(url)
    csv_path = work / "hiring-event.csv"
    csv_path.write_text(export(emulator.users, args.loops), encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),  # this checkout's hirebot, whatever the virtualenv has installed
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": url,
        "HIREBOT_RECRUITERS": emulator.users["rita"],
        "HIREBOT_TIMEZONE": "Europe/London",
    }
    print(f"opening {args.loops} loops through Slack's rate tiers (about {args.loops * 3 / 60:.1f} minutes)...")
    first, code, out = run_cli(csv_path, env, emulator.users["rita"], args.interrupt_after)
    runs = [("first run" if args.interrupt_after is None else "interrupted run", first, code, out)]
    if args.interrupt_after is not None:
        finish, code, out = run_cli(csv_path, env, emulator.users["rita"], None)
        runs.append(("run again", finish, code, out))
    creates_before_rerun = slack.calls["conversations.create"]
    again, code, out = run_cli(csv_path, env, emulator.users["rita"], None)
    runs.append(("same file again", again, code, out))
    loops, complete, counts = check_loops(url, emulator)
    expected = sorted(f"Imported: loop {n} of {args.loops}" for n in range(1, args.loops + 1))
    floor, _ = floor_seconds({m: args.loops for m in PER_LOOP})
    opening = sum(seconds for label, seconds, *_ in runs if label != "same file again")

    print()
    for label, seconds, code, out in runs:
        summary = next((line for line in out.splitlines() if " rows: " in line), out.strip()[-120:])
        print(f"{label:<16} {seconds:7.1f} s  exit {code}  {summary}")
    print()
    print(f"| {args.loops} loops | seconds | |")
    print("|---|---|---|")
    print(f"| floor | {floor:.1f} | {args.loops} calls of each Tier 2 method ({', '.join(PER_LOOP)}) at 20/min |")
    print(f"| hirebot | {opening:.1f} | wall time of `hirebot import candidates`, start-up included |")
    print(f"| ratio | {opening / floor:.2f}x | goal: within {GOAL}x |")
    print()
    print(f"complete loops (private channel, team invited, card pinned): {complete} of {loops} in the database")
    print(
        f"cards counting their loop (Imported: loop n of {args.loops}): {len(counts)}; "
        f"1 to {args.loops}, each once: {'yes' if sorted(counts) == expected else 'NO'}"
    )
    print(
        f"conversations.create answered: {creates_before_rerun} (one per loop); on the rerun: "
        f"{slack.calls['conversations.create'] - creates_before_rerun}"
    )
    print(f"429s answered by the rate-limited Slack: {dict(slack.limited) or 'none'}")
    print(f"rerun of the same file: {again:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
