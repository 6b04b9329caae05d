"""OAuth mode in tests: the real app with SLACK_CLIENT_ID/SECRET (no SLACK_BOT_TOKEN), workspaces installed
through the real endpoints on loopback (GET /slack/install → the fake's authorize page → /slack/oauth_redirect
with the state cookie), as an installer's browser does."""

from __future__ import annotations

import http.client
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.app import create_app
from bot.deps import build_deps
from bot.settings import Settings
from bot.web import create_wsgi_app
from storage.models import Workspace
from tests.harness import SIGNING_SECRET, FrozenClock, Harness, finish_work_in_flight, serve_wsgi, test_env
from tests.patience import WAIT_SECONDS
from tests.slack.fake_slack import FakeSlack
from tests.slack.sender import SlackRequestSender

STATE_COOKIE = "slack-app-oauth-state"


def oauth_env(fake: FakeSlack, database_url: str, **overrides: str) -> dict[str, str]:
    oauth = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": fake.client_id, "SLACK_CLIENT_SECRET": fake.client_secret}
    return test_env(fake, database_url, **{**oauth, **overrides})


@contextmanager
def running_oauth_app(
    fake: FakeSlack, database_url: str, clock: FrozenClock | None = None, **env: str
) -> Iterator[Harness]:
    settings = Settings.from_env(oauth_env(fake, database_url, **env))
    assert settings.oauth_enabled
    clock = clock or FrozenClock()
    deps = build_deps(settings, clock=clock, worker_id=f"test-{uuid.uuid4().hex[:6]}")
    app = create_app(deps)
    with serve_wsgi(create_wsgi_app(app, deps)) as url:
        fake.redirect_url = f"{url}/slack/oauth_redirect"
        sender = SlackRequestSender(url, SIGNING_SECRET, fake, team_id=fake.team_id)
        try:
            yield Harness(fake, deps, app, url, sender, clock, settings)
        finally:
            finish_work_in_flight(app, deps)
            deps.db.dispose()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str


def get(url: str, *, cookie: str | None = None) -> Answer:
    """One GET, redirects not followed (the test follows them, as a browser would)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, headers, response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


def install(harness: Harness, team_id: str, installer: str = "UINSTALLER") -> str:
    """Install the app into `team_id` through the endpoints; returns the bot token Slack gave out."""
    fake = harness.fake
    fake.install_as(team_id, installer)
    started = get(f"{harness.url}/slack/install")
    assert started.status == 302, started
    cookie = started.headers["set-cookie"].split(";", 1)[0]
    assert cookie.startswith(f"{STATE_COOKIE}=")
    allowed = get(started.headers["location"])
    assert allowed.status == 302, allowed
    finished = get(allowed.headers["location"], cookie=cookie)
    assert finished.status == 200, finished
    return fake.current_token(team_id)


def sender_for(harness: Harness, team_id: str) -> SlackRequestSender:
    return SlackRequestSender(harness.url, SIGNING_SECRET, harness.fake, team_id=team_id)


def workspace_row(harness: Harness, workspace: str) -> Workspace | None:
    with harness.db.session_scope() as session:
        row = session.get(Workspace, workspace)
        if row is not None:
            session.expunge(row)
        return row


def wait_uninstalled(harness: Harness, key: str) -> Workspace:
    """The workspace row of `key` (T… or an org's E…) once its uninstall event has been handled."""
    deadline = time.monotonic() + WAIT_SECONDS
    while (row := workspace_row(harness, key)) is None or row.uninstalled_at is None:
        assert time.monotonic() < deadline, f"{key} was not marked uninstalled"
        time.sleep(0.02)
    return row
