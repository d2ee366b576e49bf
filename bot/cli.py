"""`hirebot`: run the bot, serve it over HTTP, migrate the database, check rubric packs.

Failures a person can fix end in one sentence on stderr and exit status 2, not a traceback.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot import agreement_report, metrics
from bot.config import ConfigError, load_settings
from bot.errors import HirebotError
from bot.logs import configure_logging
from bot.services import agreement, agreement_data
from db.session import Database, make_engine
from rubrics.loader import PACKS_DIR, RubricError, load_pack

log = logging.getLogger("hirebot")


def _rubrics_check(args: argparse.Namespace) -> int:
    paths = [Path(args.path)] if args.path else sorted(PACKS_DIR.glob("*.yaml"))
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
    from db.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    print(f"database at {_safe_url(settings.database_url)} is at the latest schema")
    return 0


def _run(args: argparse.Namespace) -> int:
    """Socket Mode: one process holds the websocket, the listeners and the scheduler."""
    settings = load_settings()
    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app
    from bot.bootstrap import build_services
    from bot.scheduler import build_scheduler
    from db.migrate import upgrade

    upgrade(settings.database_url)
    services = build_services(settings)
    app = create_app(services)
    scheduler = build_scheduler(services.dispatcher, settings.sweep_seconds)
    stop_metrics = _serve_metrics(settings, services)
    scheduler.start()
    log.info("hirebot connecting over Socket Mode; reminders sweep every %d s", settings.sweep_seconds)
    # A platform stops processes with SIGTERM: treat it as Ctrl-C, so the finally runs.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        SocketModeHandler(app, settings.slack_app_token).start()
    except KeyboardInterrupt:
        log.info("hirebot stopping")
    finally:
        _stop(scheduler)
        stop_metrics()
        signal.signal(signal.SIGTERM, previous)
    return 0


def _stop(scheduler) -> None:  # noqa: ANN001 - an APScheduler scheduler
    """Let a sweep in progress finish, so the reminders it sent are marked sent, not resent
    when their claim lapses."""
    scheduler.shutdown(wait=True)
    log.info("reminder scheduler stopped")


def _worker(args: argparse.Namespace) -> int:
    """HTTP mode's single scheduler process (the Procfile's `worker:`): sweeps reminders, serves nothing."""
    settings = load_settings()
    settings.require("SLACK_BOT_TOKEN")
    from bot.bootstrap import build_services
    from bot.scheduler import build_scheduler

    services = build_services(settings)
    scheduler = build_scheduler(services.dispatcher, settings.sweep_seconds)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop_metrics = _serve_metrics(settings, services)
    scheduler.start()
    log.info("hirebot worker sweeping reminders every %d s", settings.sweep_seconds)
    stop.wait()
    _stop(scheduler)
    stop_metrics()
    return 0


def _serve_metrics(settings, services) -> Callable[[], None]:  # noqa: ANN001 - Settings, Services
    """Prometheus metrics on HIREBOT_METRICS_PORT, if set; returns how to stop serving them."""
    if settings.metrics_port is None:
        return lambda: None
    return metrics.serve(settings.metrics_port, services.db)


def _serve(args: argparse.Namespace) -> int:
    """HTTP mode for development; in production gunicorn serves bot.web (see Procfile)."""
    settings = load_settings()
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    from bot.web import create_wsgi, make_server

    application = create_wsgi(settings)
    with make_server("0.0.0.0", args.port, application) as server:  # noqa: S104 - a server listens
        log.info("hirebot serving /slack/events and /healthz on port %d", args.port)
        server.serve_forever()
    return 0


def _export(args: argparse.Namespace) -> int:
    """The loop, its scorecards and the decision as JSON for an ATS (stdout, or --out)."""
    import json

    services = _offline_services()
    data = json.dumps(services.debrief.export(args.candidate), indent=2, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(data + "\n", encoding="utf-8")
        print(f"wrote candidate {args.candidate} to {args.out}")
    else:
        print(data)
    return 0


def _purge(args: argparse.Namespace) -> int:
    """Remove a decided loop's personal data, keeping one anonymous audit line."""
    services = _offline_services()
    services.debrief.purge(args.candidate)
    print(f"purged candidate {args.candidate}: scorecards, interviews, reminders and names removed")
    return 0


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
            raise HirebotError(f"cannot read ratings from {_safe_url(url)}; run `hirebot migrate` first?") from None
        finally:
            db.engine.dispose()
        results = agreement.measure_each(ratings, args.level, domain=agreement_data.RATING_SCALE)
        labels = {"subject": "competency", "units": "candidates"}
    print(agreement_report.render(results, args.format, **labels))
    return 0


def _offline_services():  # noqa: ANN202 - bot.bootstrap.Services, imported lazily
    """Services for commands that never call Slack (export, purge): no token needed."""
    from bot.bootstrap import build_services

    return build_services(load_settings())


def _safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hirebot", description="A Slack bot that runs hiring loops and debriefs.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail (never tokens or notes)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="connect over Socket Mode, with the reminder scheduler in-process").set_defaults(
        func=_run
    )
    serve = sub.add_parser("serve", help="serve Slack's HTTP requests on /slack/events, plus GET /healthz")
    serve.add_argument("--port", type=int, default=3000)
    serve.set_defaults(func=_serve)
    sub.add_parser("worker", help="run only the reminder scheduler (HTTP mode's worker process)").set_defaults(
        func=_worker
    )
    sub.add_parser("migrate", help="upgrade the database to the latest schema").set_defaults(func=_migrate)
    export = sub.add_parser("export", help="write a loop, its scorecards and the decision as JSON for an ATS")
    export.add_argument(
        "--candidate", type=int, required=True, help="the candidate id (shown by `export` and the card)"
    )
    export.add_argument("--out", help="a file to write (default: standard output)")
    export.set_defaults(func=_export)
    purge = sub.add_parser("purge", help="remove a decided loop's personal data (retention); keeps an anonymous line")
    purge.add_argument("--candidate", type=int, required=True)
    purge.set_defaults(func=_purge)
    report = sub.add_parser("report", help="reports on the panel").add_subparsers(dest="report_command", required=True)
    agree = report.add_parser(
        "agreement", help="interviewer agreement: Krippendorff's alpha per competency (or for a ratings file)"
    )
    agree.add_argument("--ratings", metavar="FILE.csv", help="a unit,rater,value CSV file instead of the database")
    agree.add_argument("--level", choices=agreement.LEVELS, default="ordinal", help="level of measurement")
    agree.add_argument("--format", choices=agreement_report.FORMATS, default="table")
    agree.set_defaults(func=_report_agreement)
    rubrics = sub.add_parser("rubrics", help="rubric pack tools").add_subparsers(dest="rubrics_command", required=True)
    check = rubrics.add_parser("check", help="validate a rubric pack and print its stages and competencies")
    check.add_argument("path", nargs="?", help="a pack's YAML file (default: every installed pack)")
    check.set_defaults(func=_rubrics_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        configure_logging(verbose=args.verbose)
        return args.func(args)
    except (ConfigError, RubricError) as exc:
        print(f"hirebot: {exc}", file=sys.stderr)
        return 2
    except HirebotError as exc:
        print(f"hirebot: {exc.user_message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
