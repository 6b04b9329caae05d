"""The Web API client: one kept-alive connection per thread, with slack_sdk's retries and errors unchanged."""

from __future__ import annotations

import logging
import socket
import threading
import time
from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError

from bot.settings import Settings
from bot.slack_client import KeepAliveWebClient, make_web_client
from tests.harness import BOT_TOKEN, SECRET_KEY, SIGNING_SECRET
from tests.patience import WAIT_SECONDS
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
def client(fake_slack: FakeSlack) -> KeepAliveWebClient:
    fake_slack.add_user("U1")
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "PULSSI_SECRET_KEY": SECRET_KEY,
            "SLACK_API_URL": fake_slack.url,
            "DATABASE_URL": "sqlite://",
        }
    )
    made = make_web_client(settings)
    assert isinstance(made, KeepAliveWebClient)
    return made


def calls(fake: FakeSlack, method: str) -> int:
    return len([call for call in fake.calls if call.method == method])


def wait_until(condition: object, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_calls_from_one_thread_share_one_connection(client: KeepAliveWebClient, fake_slack: FakeSlack) -> None:
    for _ in range(5):
        assert client.users_info(user="U1")["user"]["id"] == "U1"
    assert calls(fake_slack, "users.info") == 5
    assert fake_slack.connections_accepted == 1


def test_each_thread_has_its_own_connection(client: KeepAliveWebClient, fake_slack: FakeSlack) -> None:
    def three_calls() -> None:
        for _ in range(3):
            client.users_info(user="U1")

    threads = [threading.Thread(target=three_calls) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls(fake_slack, "users.info") == 6
    assert fake_slack.connections_accepted == 2


def test_a_connection_the_server_closed_is_replaced_before_sending(
    client: KeepAliveWebClient, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    client.users_info(user="U1")
    fake_slack.drop_connections()
    wait_until(lambda: fake_slack.open_connections() == 0)
    with caplog.at_level(logging.DEBUG):
        client.chat_postMessage(channel="U1", text="once")
    # Not sent on the dead connection and retried: no error from slack_sdk, one message, a new connection.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert calls(fake_slack, "chat.postMessage") == 1
    assert fake_slack.connections_accepted == 2


def test_a_connection_idle_too_long_is_not_reused(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U1")
    client = KeepAliveWebClient(token=BOT_TOKEN, base_url=fake_slack.url, max_idle_seconds=0.0)
    client.users_info(user="U1")
    time.sleep(0.01)
    client.users_info(user="U1")
    assert fake_slack.connections_accepted == 2


def test_rate_limited_call_waits_and_is_retried_on_the_same_connection(
    client: KeepAliveWebClient, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=0)
    response = client.chat_postMessage(channel="U1", text="after 429")
    assert response["ok"] is True
    assert calls(fake_slack, "chat.postMessage") == 2  # the 429, then the retry
    assert fake_slack.connections_accepted == 1


def test_server_error_is_retried(client: KeepAliveWebClient, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("users.info", status=503)
    assert client.users_info(user="U1")["ok"] is True
    assert calls(fake_slack, "users.info") == 2


def test_a_post_is_not_retried_blindly_after_a_server_error(client: KeepAliveWebClient, fake_slack: FakeSlack) -> None:
    """Slack may have posted before answering 503: a blind retry could post twice, so the caller decides."""
    fake_slack.fail_next("chat.postMessage", status=503)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="U1", text="after 503")
    assert raised.value.response.status_code == 503
    assert calls(fake_slack, "chat.postMessage") == 1


def test_slack_error_answers_still_raise_slack_api_error(client: KeepAliveWebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.users_info(user="UNKNOWN")
    assert raised.value.response["ok"] is False


def test_a_server_that_is_gone_raises_a_url_error_after_retries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now: every attempt is refused.
    client = KeepAliveWebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{port}/api/", timeout=2)
    with pytest.raises(URLError):
        client.users_info(user="U1")


def test_a_request_that_fails_half_sent_does_not_break_the_next_call(
    client: KeepAliveWebClient, fake_slack: FakeSlack
) -> None:
    client.users_info(user="U1")
    client.headers["X-Broken"] = "a\r\nX-Injected: 1"  # http.client refuses it after starting the request
    with pytest.raises(ValueError, match="header"):
        client.users_info(user="U1")
    del client.headers["X-Broken"]
    assert client.users_info(user="U1")["ok"] is True
    assert calls(fake_slack, "users.info") == 2


def test_connections_on_high_descriptor_numbers_are_still_checked(
    client: KeepAliveWebClient, fake_slack: FakeSlack
) -> None:
    # A busy worker holds many sockets; select() refuses descriptors from 1024 up, poll() does not.
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if min(hard, 4096) < 1200:
        pytest.skip("the open-file limit is below 1200 here")
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    held = []
    try:
        while True:
            held.append(socket.socket())
            if held[-1].fileno() > 1100:
                break
        client.users_info(user="U1")
        assert client.users_info(user="U1")["ok"] is True  # the second call checks the kept connection
        assert fake_slack.connections_accepted == 1
    finally:
        for sock in held:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
