"""Command line: `python -m bot [socket|serve|clock|migrate|...]` (also installed as `pulssi`).

This is the only place that reads `.env`, and the only place that turns a bad setting into exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

from bot.settings import SettingError, Settings

logger = logging.getLogger("bot")

EXIT_BAD_SETTING = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pulssi",
        description="Pulssi: pulse checks, wins and CX trends for Slack. "
        "Without a subcommand: socket when SLACK_APP_TOKEN is set, else serve.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "socket",
        help="Socket Mode with the scheduler in the same process (small teams)",
        description="Connect over Socket Mode (needs SLACK_APP_TOKEN) and run the scheduler in-process.",
    )
    sub.add_parser(
        "serve",
        help="HTTP on $PORT under gunicorn: /slack/events and /healthz",
        description="Serve Slack's HTTP requests at /slack/events and a health check at /healthz "
        "under gunicorn on $PORT. Run `clock` once beside it for scheduled pulses.",
    )
    sub.add_parser(
        "clock",
        help="the scheduler alone (for HTTP deployments)",
        description="Run the scheduler alone: pulse rounds, reminders, CX feed pulls.",
    )
    sub.add_parser(
        "migrate",
        help="upgrade the database schema to the newest version",
        description="Run Alembic migrations up to head on DATABASE_URL.",
    )
    from bot import cli_extra

    cli_extra.add_subcommands(sub)
    return parser


def load_settings(env: dict[str, str], *, command: str) -> Settings:
    slack_needed = command in ("socket", "serve", "clock")
    return Settings.from_env(env, require_slack=slack_needed, require_app_token=command == "socket")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["init"]:  # init writes .env and settings, so it runs before either is read
        from bot.cli_init import main as init_main

        return init_main(arguments[1:])
    from dotenv import load_dotenv

    load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)
    parser = build_parser()
    args = parser.parse_args(argv)
    env = dict(os.environ)
    command = args.command or ("socket" if env.get("SLACK_APP_TOKEN", "").strip() else "serve")
    try:
        settings = load_settings(env, command=command)
    except SettingError as error:
        print(f"pulssi: configuration error: {error}", file=sys.stderr)
        return EXIT_BAD_SETTING

    from bot.logging_setup import configure_logging

    configure_logging(settings.log_level, settings.secrets)
    runners: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
        "socket": run_socket,
        "serve": run_serve,
        "clock": run_clock,
        "migrate": run_migrate,
    }
    from bot import cli_extra

    runners.update(cli_extra.runners())
    return runners[command](settings, args)


def run_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from storage.migrate import upgrade_to_head

    upgrade_to_head(settings.database_url)
    logger.info("database is at the newest schema")
    return 0


def run_socket(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import create_app
    from bot.deps import build_deps
    from bot.scheduler import build_scheduler
    from bot.socket_mode import CheckedSocketModeHandler

    run_migrate(settings, args)
    deps = build_deps(settings, worker_id=f"socket-{os.getpid()}")
    app = create_app(deps)
    scheduler = build_scheduler(deps, blocking=False)
    scheduler.start()
    assert settings.slack_app_token is not None
    handler = CheckedSocketModeHandler(app, settings.slack_app_token.reveal(), web_client=deps.client)
    try:
        handler.start()
    finally:
        scheduler.shutdown(wait=False)
    return 0


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication

    run_migrate(settings, args)

    class PulssiGunicorn(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{settings.port}")
            self.cfg.set("workers", settings.web_concurrency)
            # Threads: Bolt runs listeners after ack() in a thread pool; gthread keeps that cheap. Ours adds a
            # deadline for reading each request, so trickling clients can't hold the threads (bot/http_server.py).
            self.cfg.set("worker_class", "bot.http_server.PulssiThreadWorker")
            self.cfg.set("threads", 16)
            self.cfg.set("timeout", 30)
            self.cfg.set("accesslog", None)

        def load(self) -> object:
            from bot.app import create_app
            from bot.deps import build_deps
            from bot.web import create_wsgi_app

            deps = build_deps(settings, worker_id=f"web-{os.getpid()}")
            return create_wsgi_app(create_app(deps), deps)

    PulssiGunicorn().run()
    return 0


def run_clock(settings: Settings, args: argparse.Namespace) -> int:
    from bot.deps import build_deps
    from bot.scheduler import build_scheduler

    run_migrate(settings, args)
    deps = build_deps(settings, worker_id=f"clock-{os.getpid()}")
    scheduler = build_scheduler(deps, blocking=True)
    logger.info("clock started")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
