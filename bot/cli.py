"""`hirebot`: run the bot, serve it over HTTP, migrate the database, check rubric packs.

Failures a person can fix end in one sentence on stderr and exit status 2, not a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot import agreement_report, importer, load_report, metrics, reports
from bot import scheduler as sweeping
from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import utc_now
from bot.config import WHERE, ConfigError, default_database_path, load_settings
from bot.errors import HirebotError, NotFound
from bot.logs import configure_logging
from bot.memory import limit_malloc_arenas
from bot.services import agreement, agreement_data
from bot.services.dashboard_data import DashboardService
from bot.startup import check_database, preflight, safe_url
from bot.web import create_wsgi, make_server
from db.session import Database, make_engine
from rubrics.loader import PACKS_DIR, RubricError, RubricRegistry, load_pack

log = logging.getLogger("hirebot")


class UsageError(Exception):
    """A command given something it cannot act on. str() is the single line to show."""


def _rubrics_check(args: argparse.Namespace) -> int:
    directory = Path(load_settings().rubrics_dir or PACKS_DIR)
    paths = [Path(args.path)] if args.path else sorted(directory.glob("*.yaml"))
    if not paths:
        raise RubricError(f"{directory}: no rubric packs (*.yaml) found")
    for path in paths:
        pack = load_pack(path)
        print(
            f"{path}: {pack.role} ({pack.ref}), {len(pack.stages)} stages, "
            f"{len(pack.competencies)} competencies, {len(pack.red_flags)} red flags, "
            f"loop target {pack.loop_target.min_weeks}-{pack.loop_target.max_weeks} weeks"
        )
        for number, stage in enumerate(pack.stages, 1):
            print(f"  {number}. {stage.name} [{stage.key}], {stage.duration_minutes} min")
            print(f"     competencies: {', '.join(c.name for c in pack.stage_competencies(stage.key))}")
            print(f"     red flags:    {', '.join(f.label for f in pack.stage_red_flags(stage.key)) or '(none)'}")
        print("  profiles: " + ", ".join(p.name for p in pack.profiles))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    check_database(settings, migrate=True)
    print(f"database at {safe_url(settings.database_url)} is at the latest schema")
    return 0


def _run(args: argparse.Namespace) -> int:
    """Socket Mode: one process holds the websocket, the listeners and the scheduler."""
    settings = load_settings()
    preflight(settings, needs=("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"), migrate=True, shared=False)
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    services = build_services(settings)
    app = create_app(services, token_verification=False)
    scheduler = sweeping.build_scheduler(services.dispatcher, settings.sweep_seconds, services.mender)
    stop_metrics = _serve_metrics(settings, services)
    scheduler.start()
    log.info("hirebot connecting over Socket Mode; reminders sweep every %d s", settings.sweep_seconds)
    # A platform stops processes with SIGTERM: treat it as Ctrl-C, so the finally runs.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        SocketModeHandler(app, settings.slack_app_token).start()
    except SlackApiError as exc:
        code = exc.response.get("error", "unknown_error")
        raise ConfigError(
            f"Slack refused SLACK_APP_TOKEN ({code}): copy a current one from {WHERE['SLACK_APP_TOKEN']}."
        ) from None
    except OSError as exc:
        raise ConfigError(f"Could not reach Slack to open the Socket Mode connection ({type(exc).__name__}).") from None
    except KeyboardInterrupt:
        log.info("hirebot stopping")
    finally:
        _stop(scheduler)
        stop_metrics()
        signal.signal(signal.SIGTERM, previous)
    return 0


def _stop(scheduler) -> None:
    """Let a sweep in progress finish, so the reminders it sent are marked sent, not resent
    when their claim lapses."""
    scheduler.shutdown(wait=True)
    log.info("reminder scheduler stopped")


# How often the worker's main thread wakes to run a signal handler another thread received.
STOP_POLL_SECONDS = 0.5


def _worker(args: argparse.Namespace) -> int:
    """HTTP mode's single scheduler process (the Procfile's `worker:`): sweeps reminders, serves nothing."""
    settings = load_settings()
    preflight(settings, needs=("SLACK_BOT_TOKEN",), serves=False)
    services = build_services(settings)
    scheduler = sweeping.build_scheduler(services.dispatcher, settings.sweep_seconds, services.mender)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop_metrics = _serve_metrics(settings, services)
    scheduler.start()
    log.info("hirebot worker sweeping reminders every %d s", settings.sweep_seconds)
    # Not one wait without a timeout: the kernel may hand SIGTERM to a scheduler thread, and
    # Python runs the handler only when the main thread runs again; blocked in a lock with no
    # timeout, it never did (1 worker in 18 started and stopped at once, in parallel, hung).
    while not stop.wait(timeout=STOP_POLL_SECONDS):
        pass
    _stop(scheduler)
    stop_metrics()
    return 0


def _serve_metrics(settings, services) -> Callable[[], None]:
    """Prometheus metrics on HIREBOT_METRICS_PORT, if set; returns how to stop serving them."""
    if settings.metrics_port is None:
        return lambda: None
    return metrics.serve(settings.metrics_port, services.db)


def _serve(args: argparse.Namespace) -> int:
    """HTTP mode for development; in production gunicorn serves bot.web (see Procfile)."""
    settings = load_settings()
    preflight(settings, needs=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"))
    application = create_wsgi(settings)
    with make_server("0.0.0.0", args.port, application) as server:
        log.info("hirebot serving /slack/events and /healthz on port %d", args.port)
        server.serve_forever()
    return 0


def _export(args: argparse.Namespace) -> int:
    """The loop, its scorecards and the decision as JSON for an ATS (stdout, or --out)."""
    services = _offline_services()
    try:
        loop = services.debrief.export(args.candidate)
    except NotFound:
        raise _no_such_candidate(args.candidate) from None
    data = json.dumps(loop, indent=2, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(data + "\n", encoding="utf-8")
        print(f"wrote candidate {args.candidate} to {args.out}")
    else:
        print(data)
    return 0


def _purge(args: argparse.Namespace) -> int:
    """Remove a decided loop's personal data, keeping one anonymous audit line."""
    services = _offline_services()
    if not args.yes and not _confirm(f"Purge candidate {args.candidate}'s personal data? This cannot be undone."):
        print("nothing purged")
        return 1
    try:
        services.debrief.purge(args.candidate)
    except NotFound:
        raise _no_such_candidate(args.candidate) from None
    print(f"purged candidate {args.candidate}: scorecards, interviews, reminders and names removed")
    return 0


def _no_such_candidate(candidate: int) -> UsageError:
    return UsageError(f"there is no candidate {candidate} in this database; the loop card shows each candidate's id.")


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("purge asks for confirmation; pass --yes to run it from a script.")
    return input(f"{question} [y/N] ").strip().lower() in {"y", "yes"}


def _report_agreement(args: argparse.Namespace) -> int:
    """Krippendorff's alpha per competency from the database, or for any `unit,rater,value` CSV file."""
    if args.ratings:
        observations = agreement_data.read_ratings_file(Path(args.ratings), args.level)
        try:
            results = [agreement.measure(Path(args.ratings).name, observations, args.level)]
        except ValueError as exc:
            raise agreement_data.RatingsFileError(f"{args.ratings}: {exc}") from None
        labels = {"subject": "variable", "units": "units"}
    else:
        url = load_settings().database_url
        db = Database(make_engine(url))
        try:
            ratings = agreement_data.panel_ratings(db)
        except SQLAlchemyError:
            raise HirebotError(f"cannot read ratings from {safe_url(url)}; run `hirebot migrate` first?") from None
        finally:
            db.engine.dispose()
        results = agreement.measure_each(ratings, args.level, domain=agreement_data.RATING_SCALE)
        labels = {"subject": "competency", "units": "candidates"}
    print(agreement_report.render(results, args.format, **labels))
    return 0


def _report_load(args: argparse.Namespace) -> int:
    """Interviews per person per ISO week against their cap, from the database.

    No schema check first (as `report agreement`): its log lines would land in front of the
    JSON or CSV on standard output. A database without the tables is one line instead."""
    if not 1 <= args.weeks <= 104:
        raise UsageError("--weeks must be between 1 and 104.")
    ending = None
    if args.ending:
        try:
            ending = datetime.combine(date.fromisoformat(args.ending), time(12), tzinfo=UTC)
        except ValueError:
            raise UsageError(f"--ending wants a date like 2030-03-04, not {args.ending!r}.") from None
    settings = load_settings()
    services = build_services(settings)
    try:
        report = services.load.report(ending or services.clock(), args.weeks)
    except SQLAlchemyError:
        url = safe_url(settings.database_url)
        raise HirebotError(f"cannot read interviews from {url}; run `hirebot migrate` first?") from None
    finally:
        services.db.engine.dispose()
    print(load_report.render(report, args.format))
    return 0


def _report_dashboard(args: argparse.Namespace) -> int:
    """The App Home dashboard's numbers, every row: loops, interviewers or competencies."""
    settings = load_settings()
    rubrics = RubricRegistry.from_directory(Path(settings.rubrics_dir or PACKS_DIR))
    db = Database(make_engine(settings.database_url))
    try:
        board = DashboardService(db, rubrics, utc_now).dashboard(
            agreement=args.subject == "competencies", leniency=args.subject == "interviewers"
        )
    except SQLAlchemyError:
        raise HirebotError(f"cannot read {safe_url(settings.database_url)}; run `hirebot migrate` first?") from None
    finally:
        db.engine.dispose()
    print(reports.render(args.subject, board, args.format))
    return 0


def _offline_services():
    """Services for commands that never call Slack (export, purge): no token needed."""
    settings = load_settings()
    check_database(settings, migrate=False)
    return build_services(settings)


def _command(sub, name: str, about: str, func=None):
    """A subcommand whose `--help` says what it does, as the command list does."""
    command = sub.add_parser(name, help=about, description=about[0].upper() + about[1:] + ".")
    if func:
        command.set_defaults(func=func)
    return command


DASHBOARD_REPORTS = {
    "loops": "open loops with their age against the target, next step and who it waits on; stage pass-through "
    "and time to decision over 90 days",
    "interviewers": "each interviewer's scorecards in within 24 hours and median time to scorecard (90 days), "
    "overdue scorecards, leniency",
    "competencies": "agreement per competency (Krippendorff's alpha), as the recruiters' App Home shows it",
}


def _add_reports(report: argparse._SubParsersAction) -> None:
    """`hirebot report …`: agreement, load, and the dashboard's loops, interviewers and competencies."""
    agree = _command(
        report,
        "agreement",
        "interviewer agreement: Krippendorff's alpha per competency (or for a ratings file)",
        _report_agreement,
    )
    agree.add_argument("--ratings", metavar="FILE.csv", help="a unit,rater,value CSV file instead of the database")
    agree.add_argument("--level", choices=agreement.LEVELS, default="ordinal", help="level of measurement")
    agree.add_argument("--format", choices=agreement_report.FORMATS, default="table", help="output format")
    load = _command(report, "load", "interviews per person per ISO week against their weekly cap", _report_load)
    load.add_argument("--weeks", type=int, default=4, help="weeks back, this one included (default: %(default)s)")
    load.add_argument("--format", choices=load_report.FORMATS, default="table", help="output format")
    load.add_argument(
        "--ending", metavar="YYYY-MM-DD", help="report the weeks up to the one holding this date (default: today)"
    )
    for subject, about in DASHBOARD_REPORTS.items():
        board = _command(report, subject, about, _report_dashboard)
        board.set_defaults(subject=subject)
        board.add_argument("--format", choices=reports.FORMATS, default="table", help="output format")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hirebot",
        description="A Slack bot that runs hiring loops and debriefs.",
        epilog=f"Settings come from the environment and ./.env. Without DATABASE_URL the data is kept in "
        f"SQLite at {default_database_path()}.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail (never tokens or notes)")
    sub = parser.add_subparsers(dest="command", required=True)
    _command(sub, "run", "connect over Socket Mode, with the reminder scheduler in-process (migrates first)", _run)
    serve = _command(sub, "serve", "serve Slack's HTTP requests on /slack/events, plus GET /healthz", _serve)
    serve.add_argument(
        "--port",
        type=int,
        default=os.environ.get("PORT", "3000"),
        help="port to listen on (default: $PORT if set, else 3000; here %(default)s)",
    )
    _command(sub, "worker", "run only the reminder scheduler (HTTP mode's worker process)", _worker)
    _command(sub, "migrate", "upgrade the database to the latest schema (the Procfile's release step)", _migrate)
    export = _command(sub, "export", "write a loop, its scorecards and the decision as JSON for an ATS", _export)
    export.add_argument("--candidate", type=int, required=True, help="the candidate id (shown on the loop card)")
    export.add_argument("--out", help="a file to write (default: standard output)")
    purge = _command(
        sub, "purge", "remove a decided loop's personal data for retention, keeping one anonymous audit line", _purge
    )
    purge.add_argument("--candidate", type=int, required=True, help="the candidate id (shown on the loop card)")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation (for scripts)")
    _add_reports(_command(sub, "report", "reports on the panel").add_subparsers(dest="report_command", required=True))
    imports = _command(sub, "import", "open loops in bulk").add_subparsers(dest="import_command", required=True)
    candidates = _command(
        imports,
        "candidates",
        "open one loop per row of a recruiter's CSV export (name, role pack, profile, hiring manager, team, link)",
        importer.import_candidates,
    )
    candidates.add_argument(
        "file", metavar="FILE.csv", help="the export, UTF-8; its first line names the columns (README: A hiring event)"
    )
    candidates.add_argument(
        "--recruiter", required=True, metavar="U…", help="your Slack member id; it must be in HIREBOT_RECRUITERS"
    )
    rubrics = _command(sub, "rubrics", "rubric pack tools").add_subparsers(dest="rubrics_command", required=True)
    check = _command(rubrics, "check", "validate rubric packs and print their stages and competencies", _rubrics_check)
    check.add_argument("path", nargs="?", help="a pack's YAML file (default: every pack in HIREBOT_RUBRICS_DIR)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    limit_malloc_arenas()  # before any thread allocates (bot/memory.py)
    try:
        configure_logging(verbose=args.verbose)
        status = args.func(args)
        sys.stdout.flush()  # inside the try: a reader that has gone (`| head`) fails here
        return status
    except BrokenPipeError:
        # Python's recommended way out: stop writing to the closed pipe, so exit does not flush into it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ConfigError, RubricError, UsageError) as exc:
        print(f"hirebot: {exc}", file=sys.stderr)
        return 2
    except HirebotError as exc:
        print(f"hirebot: {exc.user_message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
