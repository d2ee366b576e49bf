"""`hirebot import candidates FILE.csv`: a hiring event's loops, opened from a recruiter's export.

The service (bot/services/importing.py) checks the file and opens the loops; this module reads
the file, shows progress on stderr, and prints the least time Slack's rate limits allow beside
the time hirebot took.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from bot.bootstrap import Services, build_services
from bot.config import load_settings
from bot.errors import HirebotError
from bot.services.import_rows import ImportRow
from bot.services.importing import OPENED, RESUMED, SKIPPED, CandidateImport, Outcome, Planned
from bot.slack_gateway import METHOD_TIERS, TIER_PER_MINUTE, SlackGateway
from bot.startup import check_database

# The Web API method each step of opening a loop calls once. The card (chat.postMessage) is
# left out: its budget is per channel, and each loop posts one card into its own channel.
STEP_METHODS = {
    "channel": "conversations.create",
    "invite": "conversations.invite",
    "topic": "conversations.setTopic",
    "purpose": "conversations.setPurpose",
    "bookmark": "bookmarks.add",
    "pin": "pins.add",
}
# Nobody waits on a 3-second ack here: a 429 is waited out for longer, and more often,
# than in a request, so that another hirebot process sharing the budget slows the import down
# rather than leaving loops to finish on the next run.
IMPORT_MAX_WAIT = 90.0
IMPORT_RETRIES = 8
INTERRUPTED = 130


def import_candidates(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require("SLACK_BOT_TOKEN")
    check_database(settings, migrate=False)  # says how to migrate, before any row is read
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise HirebotError(f"cannot read {args.file}: {exc.strerror}") from None
    slack = SlackGateway.connect(
        settings.slack_bot_token or "",
        settings.slack_api_url,
        max_inline_wait=IMPORT_MAX_WAIT,
        max_retries=IMPORT_RETRIES,
    )
    services = build_services(settings, slack=slack)
    try:
        return run_import(services, data, args.recruiter)
    except SQLAlchemyError:
        raise HirebotError("cannot use the database; has `hirebot migrate` been run?") from None
    finally:
        services.background.shutdown()  # type: ignore[attr-defined]
        services.db.engine.dispose()


def run_import(
    services: Services,
    data: bytes,
    recruiter: str,
    out: TextIO | None = None,
    err: TextIO | None = None,
    progress: bool | None = None,
) -> int:
    """Check every row, then open each row's loop. 0: every loop is complete; 1: run it again."""
    out, err = out or sys.stdout, err or sys.stderr
    job = CandidateImport(services.loops, services.db, services.rubrics)
    started = time.monotonic()
    rows = job.validate(data, recruiter)  # raises ImportRefused, listing every bad row
    planned = job.plan(rows, recruiter)
    outcomes: list[Outcome] = []
    # tqdm's default (None) draws the bar only on a terminal.
    hide = None if progress is None else not progress
    with tqdm(total=len(planned), file=err, unit="loop", desc="opening loops", disable=hide) as bar:
        try:
            for item in planned:
                outcomes.append(job.open(item))
                bar.update(1)
        except KeyboardInterrupt:
            bar.close()
            print(
                f"interrupted after {len(outcomes)} of {len(planned)} loops. Run the same command again: "
                "complete loops are skipped and the others resumed; nothing is opened twice.",
                file=err,
            )
            return INTERRUPTED
    elapsed = time.monotonic() - started
    _report(out, outcomes, planned_calls(rows, planned), elapsed)
    return 0 if all(o.complete for o in outcomes) else 1


def planned_calls(rows: list[ImportRow], planned: list[Planned]) -> Counter[str]:
    """The rate-limited Web API calls this run makes: people looked up, then each loop's steps."""
    calls = Counter(STEP_METHODS[s] for item in planned for s in item.steps if s in STEP_METHODS)
    calls["users.info"] = len({u for row in rows for u in (row.hiring_manager, *row.team)})
    return calls


def floor_seconds(calls: Counter[str]) -> tuple[float, str | None]:
    """The least time Slack's documented pace allows for these calls, and the method that sets it.

    Slack budgets each method separately per workspace, so the methods' waits overlap and the
    most-called method against its tier sets the floor: its first call goes at once and each
    later one waits 60 / (calls per minute) seconds. Bursts above that pace are not counted on.
    """
    floor, slowest = 0.0, None
    for method, count in sorted(calls.items()):
        seconds = max(0, count - 1) * 60.0 / TIER_PER_MINUTE[METHOD_TIERS.get(method, 3)]
        if seconds > floor:
            floor, slowest = seconds, method
    return floor, slowest


def _report(out: TextIO, outcomes: list[Outcome], calls: Counter[str], elapsed: float) -> None:
    for outcome in outcomes:
        if not outcome.complete:
            detail = f" ({', '.join(outcome.problems)})" if outcome.problems else ""
            print(f"line {outcome.line}: {outcome.state}{detail}", file=out)
    states = Counter(o.state for o in outcomes)
    left = len(outcomes) - states[OPENED] - states[RESUMED] - states[SKIPPED]
    print(
        f"{len(outcomes)} rows: {states[OPENED]} opened, {states[RESUMED]} resumed, "
        f"{states[SKIPPED]} already complete, {left} left to finish"
        + (" (run the same command again)" if left else ""),
        file=out,
    )
    floor, method = floor_seconds(calls)
    if method is None:
        print(f"hirebot: {elapsed:.1f} s; nothing was rate limited", file=out)
        return
    tier = METHOD_TIERS.get(method, 3)
    print(f"{'':<16}{'seconds':>9}", file=out)
    print(
        f"{'Slack floor':<16}{floor:>9.1f}   {calls[method]} x {method}, Tier {tier} ({TIER_PER_MINUTE[tier]}/min)",
        file=out,
    )
    print(f"{'hirebot':<16}{elapsed:>9.1f}   checking the file, then opening the loops", file=out)
    print(f"{'ratio':<16}{elapsed / floor:>8.2f}x   goal: within 1.2x", file=out)
