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
from typing import TYPE_CHECKING

from bot.cli_parsing import argparse_in, language_flag, shell_language
from bot.i18n import translator
from bot.settings import SettingError, Settings

if TYPE_CHECKING:
    from bot.bot_identity import StartIdentity
    from bot.lifecycle import RunningProcess

logger = logging.getLogger("bot")

EXIT_BAD_SETTING = 2
EXIT_NO_DATABASE = 1


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
        help="HTTP on $PORT under gunicorn: /slack/events and /healthz, with the scheduler",
        description="Serve Slack's HTTP requests at /slack/events and a health check at /healthz "
        "under gunicorn on $PORT. Each worker carries the scheduler; one process at a time (chosen through the "
        "database) runs it, so serve alone runs rounds, reminders, closes and feed pulls.",
    )
    sub.add_parser(
        "clock",
        help="the scheduler alone (optional beside serve)",
        description="Run the scheduler alone: pulse rounds, reminders, closes, CX feed pulls. It runs them "
        "while it holds the schedule lease; serve and socket carry the same scheduler.",
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
    if arguments[:1] == ["tone"]:  # reads stdin only: no settings, no database
        from bot.cli_tone import main as tone_main

        return tone_main(arguments[1:])
    from dotenv import load_dotenv

    load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)
    env = dict(os.environ)
    with argparse_in(shell_language(language_flag(arguments), env)):  # usage:, error: and -h in it too
        args = build_parser().parse_args(arguments)
    command = args.command or ("socket" if env.get("SLACK_APP_TOKEN", "").strip() else "serve")
    t = translator(shell_language(getattr(args, "language", None), env))
    try:
        settings = load_settings(env, command=command)
    except SettingError as error:
        print(t("setting.error_line", problem=error.in_language(t.language)), file=sys.stderr)
        return EXIT_BAD_SETTING

    from bot.logging_setup import configure_logging

    configure_logging(settings.log_level, settings.secrets)
    runners: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
        "socket": run_socket,
        "serve": run_serve,
        "clock": run_clock,
        "migrate": run_migrate_command,
    }
    from bot import cli_extra

    runners.update(cli_extra.runners())
    from sqlalchemy.exc import DBAPIError

    from storage.db import first_line

    try:
        return runners[command](settings, args)
    except SettingError as error:  # a token Slack refused
        print(t("setting.error_line", problem=error.in_language(t.language)), file=sys.stderr)
        return EXIT_BAD_SETTING
    except DBAPIError as error:
        if not error.connection_invalidated and not _is_connection_error(error):
            raise
        print(t("cli.database_down", url=_safe_url(settings.database_url), problem=first_line(error)), file=sys.stderr)
        return EXIT_NO_DATABASE


def _is_connection_error(error: BaseException) -> bool:
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(error, OperationalError | InterfaceError)


def _safe_url(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


def run_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from storage.migrate import upgrade_to_head

    upgrade_to_head(settings.database_url)
    return 0


def run_migrate_command(settings: Settings, args: argparse.Namespace) -> int:
    run_migrate(settings, args)
    logger.info("database is at the newest schema")
    return 0


def _start_process(mode: str, settings: Settings, identity: StartIdentity | None = None) -> RunningProcess:
    """Deps, the Bolt app (with the start's auth.test answer, `identity`, when the process answers Slack) and the
    scheduler, started; its one line logged."""
    from bot.app import create_app
    from bot.bot_identity import BotIdentity
    from bot.deps import build_deps
    from bot.lifecycle import RunningProcess
    from bot.scheduler import Scheduler

    deps = build_deps(settings, worker_id=f"{mode}-{os.getpid()}")
    app = None
    if identity is not None:
        app = create_app(deps, identity=identity if isinstance(identity, BotIdentity) else None)
    scheduler = Scheduler(deps)
    process = RunningProcess(mode, deps, scheduler, app)
    process.announce(scheduler.start())
    return process


def run_socket(settings: Settings, args: argparse.Namespace) -> int:
    from bot.lifecycle import FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS, StopSignal, check_slack
    from bot.slack_client import make_web_client
    from bot.socket_mode import CheckedSocketModeHandler

    stop = StopSignal().install()
    run_migrate(settings, args)
    identity = check_slack(settings, make_web_client(settings), stop.event, app_token=True)
    if identity is None:
        return 0
    process = _start_process("socket", settings, identity)
    assert settings.slack_app_token is not None and process.app is not None
    handler = CheckedSocketModeHandler(process.app, settings.slack_app_token.reveal(), web_client=process.deps.client)
    delay = FIRST_RETRY_SECONDS
    while not stop.stopped:
        try:
            handler.connect()
            break
        except Exception as error:  # noqa: BLE001 (any failure to open the WebSocket is retried the same way)
            logger.warning("Socket Mode connection failed (%s); trying again in %.0f s", error, delay)
            stop.wait(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)
    stop.wait()
    # Stop taking work first: no new envelopes; the ones being handled finish.
    with contextlib.suppress(Exception):
        handler.close()
    process.stop()
    logger.info("pulssi socket stopped")
    return 0


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication

    from bot.lifecycle import StopSignal, check_slack
    from bot.slack_client import make_web_client

    stop = StopSignal().install()  # until gunicorn installs its own handlers
    run_migrate(settings, args)
    # Asked once, here in gunicorn's master: every worker (and every worker started again) uses this answer.
    identity = check_slack(settings, make_web_client(settings), stop.event)
    if identity is None:
        return 0
    # Each web worker carries the scheduler; the schedule lease lets one of them (or a clock) run it.
    running: dict[str, RunningProcess] = {}

    def when_ready(_server: object) -> None:
        logger.info("pulssi serve listening on port %s with %s web workers", settings.port, settings.web_concurrency)

    def worker_exit(_server: object, _worker: object) -> None:
        process = running.pop("worker", None)
        if process is not None:  # None in the master, which also calls this when it reaps a worker
            process.stop()
            logger.info("pulssi serve worker stopped (pid %s)", os.getpid())

    class PulssiGunicorn(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{settings.port}")
            self.cfg.set("workers", settings.web_concurrency)
            # Threads: Bolt runs listeners after ack() in a thread pool; gthread keeps that cheap. Ours adds a
            # deadline for reading each request, so trickling clients can't hold the threads (bot/http_server.py).
            self.cfg.set("worker_class", "bot.http_server.PulssiThreadWorker")
            self.cfg.set("threads", 16)
            self.cfg.set("timeout", 30)
            # On SIGTERM a worker finishes its requests, listeners and the tick in flight within this.
            self.cfg.set("graceful_timeout", 60)
            self.cfg.set("accesslog", None)
            # Gunicorn's own start and stop notes are chatter at INFO; our one line per process says it.
            self.cfg.set("loglevel", "debug" if settings.log_level == "DEBUG" else "warning")
            self.cfg.set("when_ready", when_ready)
            self.cfg.set("worker_exit", worker_exit)

        def load(self) -> object:
            from bot.web import create_wsgi_app

            process = _start_process("serve", settings, identity)
            running["worker"] = process
            assert process.app is not None
            return create_wsgi_app(process.app, process.deps)

    if stop.stopped:  # SIGTERM before gunicorn took the signals over
        return 0
    PulssiGunicorn().run()
    return 0


def run_clock(settings: Settings, args: argparse.Namespace) -> int:
    from bot.lifecycle import StopSignal, check_slack
    from bot.slack_client import make_web_client

    stop = StopSignal().install()
    run_migrate(settings, args)
    if check_slack(settings, make_web_client(settings), stop.event) is None:
        return 0
    process = _start_process("clock", settings)
    stop.wait()
    process.stop()
    logger.info("pulssi clock stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
