"""The test harness: the real app served over HTTP on loopback, talking to a loopback fake Slack."""

from __future__ import annotations

import shutil
import socketserver
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App

from bot.app import create_app
from bot.bot_identity import ask_slack
from bot.deps import Deps, build_deps
from bot.settings import Settings
from bot.web import create_wsgi_app
from storage.migrate import upgrade_to_head
from tests.slack.fake_slack import FakeSlack
from tests.slack.sender import SlackRequestSender

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"
TEAM_ID = "T0001"
SECRET_KEY = "test-pulssi-secret-key-0123456789abcdef"


class FrozenClock:
    """A settable UTC clock shared by the app and the test (scheduler ticks are called directly)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


# How often a test server's loop looks for shutdown(). socketserver's default is 0.5 s, and shutdown() waits
# for the loop to look: up to half a second at the end of every test, for each server.
POLL_SECONDS = 0.01


@contextmanager
def serve_wsgi(application: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, application, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, name="test-wsgi", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_env(fake: FakeSlack, database_url: str, **overrides: str) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "ANONYMITY_MIN": "5",
        "LOG_LEVEL": "DEBUG",
        "PULSSI_SECRET_KEY": SECRET_KEY,
    }
    env.update(overrides)
    return env


@dataclass
class Harness:
    fake: FakeSlack
    deps: Deps
    app: App
    url: str
    sender: SlackRequestSender
    clock: FrozenClock
    settings: Settings
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def db(self) -> Any:
        return self.deps.db


@contextmanager
def running_app(fake: FakeSlack, database_url: str, clock: FrozenClock | None = None, **env: str) -> Iterator[Harness]:
    settings = Settings.from_env(test_env(fake, database_url, **env))
    clock = clock or FrozenClock()
    deps = build_deps(settings, clock=clock, worker_id=f"test-{uuid.uuid4().hex[:6]}")
    # As `python -m bot` starts: one auth.test before any request (bot.lifecycle.check_slack). A test sees
    # only the calls its own requests and jobs make.
    app = create_app(deps, identity=ask_slack(deps.client))
    fake.clear_calls()
    with serve_wsgi(create_wsgi_app(app, deps)) as url:
        sender = SlackRequestSender(url, SIGNING_SECRET, fake, team_id=TEAM_ID)
        try:
            yield Harness(fake, deps, app, url, sender, clock, settings)
        finally:
            finish_work_in_flight(app, deps)
            deps.db.dispose()


def finish_work_in_flight(app: App, deps: Deps) -> None:
    """What a test's requests set off after ack() finishes within that test, while its fake Slack still answers, as
    at a process's clean stop (bot.lifecycle). Left running, it outlived the test: it called a stopped fake Slack,
    and its sockets were found by a later test's gc.collect() (an unclosed-socket ResourceWarning failed CI)."""
    shutdown = getattr(app.listener_runner.listener_executor, "shutdown", None)
    if shutdown is not None:
        shutdown(wait=True)
    deps.background.shutdown(wait=True)
    deps.feed_pool.shutdown(wait=True)


def copy_sqlite_template(template: Path, target_dir: Path) -> str:
    target = target_dir / f"pulssi-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def make_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    upgrade_to_head(f"sqlite:///{path}")
    return path
