"""No request waits on Slack before its ack: the start's auth.test answers Bolt's authorization.

Bolt, left to itself, asks auth.test on a process's first request; with Slack slow (2 s) or answering 429 with
a Retry-After, that first ack missed Slack's 3 s. Here Slack is made that slow and rate-limited for auth.test
right after the start, and the first requests of fresh apps (in-process over HTTP, `python -m bot serve` under
gunicorn, `python -m bot socket`) are acknowledged with no auth.test on their way.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
from slack_bolt.middleware.authorization.internals import _to_authorize_result
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from bot.app import create_app
from bot.bot_identity import BotIdentity, ask_slack, authorize_as
from bot.deps import build_deps
from bot.lifecycle import check_slack
from bot.settings import Settings
from bot.slack_client import make_web_client
from bot.web import create_wsgi_app
from tests import harness as test_harness
from tests.harness import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, serve_wsgi
from tests.processes import Running, process_env, start, wait_http
from tests.slack.fake_slack import FakeSlack
from tests.slack.sender import SlackRequestSender

__all__ = ["start"]  # the fixture

USER = "U0FIRST"
RETRY_AFTER = 30  # seconds: a request that met this 429 before its ack could never be acked in time


def slow_and_limited_auth_test(fake: FakeSlack) -> None:
    """From now on auth.test takes 2 s and answers 429 (Retry-After 30 s) ten times over."""
    fake.set_latency(2.0, method="auth.test")
    fake.fail_next("auth.test", retry_after=RETRY_AFTER, times=10)


def help_was_answered(fake: FakeSlack, key: str) -> None:
    answer = fake.wait_for("response_url", predicate=lambda c: c.params.get("key") == key)[0]
    assert "/pulse setup" in json.dumps(answer.params["blocks"])


@pytest.fixture
def fresh_app_url(fake_slack: FakeSlack, database_url: str) -> Iterator[str]:
    """An app built the way `python -m bot` builds one: the start check's auth.test, then the app with its answer."""
    settings = Settings.from_env(test_harness.test_env(fake_slack, database_url))
    identity = check_slack(settings, make_web_client(settings), threading.Event())
    assert identity is not None and identity.team_id == TEAM_ID
    deps = build_deps(settings, worker_id=f"test-{uuid.uuid4().hex[:6]}")
    app = create_app(deps, identity=identity)
    with serve_wsgi(create_wsgi_app(app, deps)) as url:
        try:
            yield url
        finally:
            deps.db.dispose()


def test_the_first_request_of_a_fresh_app_is_acked_without_asking_slack(
    fake_slack: FakeSlack, fresh_app_url: str
) -> None:
    fake_slack.add_user(USER)
    slow_and_limited_auth_test(fake_slack)
    fake_slack.clear_calls()
    sender = SlackRequestSender(fresh_app_url, SIGNING_SECRET, fake_slack, team_id=TEAM_ID)
    response = sender.command("/pulse", "help", user_id=USER, response_key="first")
    assert response.status == 200
    help_was_answered(fake_slack, "first")
    assert fake_slack.calls_to("auth.test") == []  # not before the ack, not after it


def test_a_fresh_app_without_the_starts_answer_asks_slack_while_it_is_built_not_on_a_request(
    fake_slack: FakeSlack, database_url: str
) -> None:
    settings = Settings.from_env(test_harness.test_env(fake_slack, database_url))
    deps = build_deps(settings)
    try:
        app = create_app(deps)
        assert len(fake_slack.calls_to("auth.test")) == 1
        slow_and_limited_auth_test(fake_slack)
        with serve_wsgi(create_wsgi_app(app, deps)) as url:
            fake_slack.add_user(USER)
            sender = SlackRequestSender(url, SIGNING_SECRET, fake_slack, team_id=TEAM_ID)
            assert sender.command("/pulse", "help", user_id=USER, response_key="built").status == 200
            help_was_answered(fake_slack, "built")
        assert len(fake_slack.calls_to("auth.test")) == 1
    finally:
        deps.db.dispose()


def test_serve_workers_use_the_masters_auth_test(
    fake_slack: FakeSlack, database_url: str, start: Callable[..., Running]
) -> None:
    fake_slack.set_latency(2.0, method="auth.test")  # the start waits for it; no request does
    serve = start("serve", process_env(fake_slack, database_url, WEB_CONCURRENCY="2"), serve_port=True)
    wait_http(f"http://127.0.0.1:{serve.port}/healthz")
    serve.wait_log("pulssi serve started", count=2)  # both workers are up
    assert len(fake_slack.calls_to("auth.test")) == 1  # once, in gunicorn's master
    slow_and_limited_auth_test(fake_slack)
    fake_slack.add_user(USER)
    sender = SlackRequestSender(f"http://127.0.0.1:{serve.port}", SIGNING_SECRET, fake_slack, team_id=TEAM_ID)
    for number in range(6):  # the first request of each worker is among them
        assert sender.command("/pulse", "help", user_id=USER, response_key=f"serve-{number}").status == 200
    for number in range(6):
        help_was_answered(fake_slack, f"serve-{number}")
    assert len(fake_slack.calls_to("auth.test")) == 1
    assert serve.terminate() == 0


def test_socket_mode_uses_the_starts_auth_test(
    fake_slack: FakeSlack, database_url: str, start: Callable[..., Running]
) -> None:
    from tests.slack.socket_mode import FakeSocketModeServer

    with FakeSocketModeServer(fake_slack) as server:
        socket_mode = start("socket", process_env(fake_slack, database_url, SLACK_APP_TOKEN=fake_slack.app_token))
        server.wait_connected(timeout=60)
        assert len(fake_slack.calls_to("auth.test")) == 1  # the start check's
        slow_and_limited_auth_test(fake_slack)
        fake_slack.add_user(USER)
        sender = SlackRequestSender("http://unused", SIGNING_SECRET, fake_slack, team_id=TEAM_ID)
        command = sender.command_payload("/pulse", "help", user_id=USER, response_key="socket")
        envelope_id = server.send_envelope("slash_commands", command)
        assert server.wait_ack(envelope_id, timeout=3.0)["envelope_id"] == envelope_id  # Slack's 3 s
        help_was_answered(fake_slack, "socket")
        assert len(fake_slack.calls_to("auth.test")) == 1
        assert socket_mode.terminate() == 0


def test_the_authorization_is_what_bolt_would_make_of_its_own_auth_test(fake_slack: FakeSlack) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    response: SlackResponse = client.auth_test()
    identity = ask_slack(client)
    assert identity == BotIdentity.from_auth_test(response.data, response.headers)  # type: ignore[arg-type]
    ours = authorize_as(identity, BOT_TOKEN)(user_id=USER)
    bolts = _to_authorize_result(auth_test_result=response, token=BOT_TOKEN, request_user_id=USER)
    assert dict(ours) == dict(bolts)
    assert ours.bot_user_id == fake_slack.bot_user_id and ours.bot_scopes  # scopes read from the header
