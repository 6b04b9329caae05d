"""The fake Slack's failure modes and user shapes: errors injected per user or channel, guests, people from
other organisations and trimmed deactivated users, as Slack sends them (the payload reference's shapes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.audience import LeftOut, left_out_reason
from bot.user_directory import UserDirectory
from tests.harness import BOT_TOKEN
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
def slack() -> Iterator[tuple[FakeSlack, WebClient]]:
    with FakeSlack(token=BOT_TOKEN) as fake:
        fake.add_user("U1")
        fake.add_user("U2")
        fake.add_channel("C1", "one", ["U1", "U2", "UBOT"])
        fake.add_channel("C2", "two", ["U1", "UBOT"])
        yield fake, WebClient(token=BOT_TOKEN, base_url=fake.url)


def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()  # type: ignore[operator]
    assert raised.value.response.status_code == 200  # Slack's errors are HTTP 200 with ok:false
    return str(raised.value.response["error"])


def test_an_error_injected_for_a_user_hits_only_calls_about_that_user(slack: tuple[FakeSlack, WebClient]) -> None:
    fake, client = slack
    fake.inject_error("messages_tab_disabled", user="U1")
    assert _error(lambda: client.chat_postMessage(channel="U1", text="x")) == "messages_tab_disabled"
    assert _error(lambda: client.chat_postMessage(channel="DU1", text="x")) == "messages_tab_disabled"
    assert _error(lambda: client.conversations_open(users="U1")) == "messages_tab_disabled"
    assert _error(lambda: client.users_info(user="U1")) == "messages_tab_disabled"
    assert client.chat_postMessage(channel="U2", text="x")["ok"]
    fake.clear_injected_errors()
    assert client.chat_postMessage(channel="U1", text="x")["ok"]


def test_an_error_injected_for_a_method_and_channel_counts_down(slack: tuple[FakeSlack, WebClient]) -> None:
    fake, client = slack
    fake.inject_error("is_archived", method="chat.postMessage", channel="C1", times=1)
    assert client.conversations_info(channel="C1")["ok"]  # another method: untouched
    assert client.chat_postMessage(channel="C2", text="x")["ok"]  # another channel: untouched
    assert _error(lambda: client.chat_postMessage(channel="C1", text="x")) == "is_archived"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]  # times=1 is used up


def test_an_error_for_every_method(slack: tuple[FakeSlack, WebClient]) -> None:
    fake, client = slack
    fake.inject_error("token_revoked")
    assert _error(client.auth_test) == "token_revoked"
    assert _error(lambda: client.views_publish(user_id="U1", view={"type": "home", "blocks": []})) == "token_revoked"


def test_the_bot_leaving_a_channel(slack: tuple[FakeSlack, WebClient]) -> None:
    fake, client = slack
    fake.add_channel("G1", "secret", ["U1", "UBOT"], is_private=True)
    fake.remove_bot_from_channel("C1")
    fake.remove_bot_from_channel("G1")
    info = client.conversations_info(channel="C1")["channel"]
    assert info["is_member"] is False  # reading a public channel needs no membership
    assert _error(lambda: client.chat_postMessage(channel="C1", text="x")) == "not_in_channel"
    assert _error(lambda: client.conversations_info(channel="G1")) == "channel_not_found"  # private: invisible
    assert _error(lambda: client.chat_postMessage(channel="G1", text="x")) == "channel_not_found"
    fake.archive_channel("C2")
    assert client.conversations_info(channel="C2")["channel"]["is_archived"] is True
    assert _error(lambda: client.chat_postMessage(channel="C2", text="x")) == "is_archived"


def test_a_post_that_slack_made_before_failing(slack: tuple[FakeSlack, WebClient]) -> None:
    fake, client = slack
    fake.fail_after_doing_it("chat.postMessage", user="U1")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="U1", text="posted anyway")
    assert raised.value.response.status_code == 503
    assert [m["text"] for (channel, _ts), m in fake.messages.items() if channel == "DU1"] == ["posted anyway"]


def test_user_shapes_and_who_is_left_out(slack: tuple[FakeSlack, WebClient]) -> None:
    fake, client = slack
    fake.add_guest("UGUEST")
    fake.add_guest("USINGLE", single_channel=True)
    fake.add_external_user("UEXT")
    fake.add_external_user("USTRANGE", team_id=fake.team_id, is_stranger=True)
    fake.add_deactivated_user("UGONE")
    gone = client.users_info(user="UGONE", include_locale=True)["user"]
    # Trimmed like users.info.deactivated.json: 8 keys, none of tz, is_admin, is_restricted, real_name.
    assert sorted(gone) == sorted(["id", "team_id", "name", "deleted", "profile", "is_bot", "is_app_user", "updated"])
    guest = client.users_info(user="USINGLE")["user"]
    assert (guest["is_restricted"], guest["is_ultra_restricted"]) == (True, True)
    assert client.users_info(user="UEXT")["user"]["team_id"] != fake.team_id
    assert client.users_info(user="UBOT")["user"]["is_bot"] is True  # the bot's own user exists, as in Slack

    directory = UserDirectory(client)
    reasons = {
        user: left_out_reason(directory.get(user).account, fake.team_id)
        for user in ("U1", "UGUEST", "USINGLE", "UEXT", "USTRANGE", "UGONE", "UBOT", "UNOBODY")
    }
    assert reasons == {
        "U1": None,
        "UGUEST": LeftOut.GUEST,
        "USINGLE": LeftOut.GUEST,
        "UEXT": LeftOut.EXTERNAL,
        "USTRANGE": LeftOut.EXTERNAL,
        "UGONE": LeftOut.DEACTIVATED,
        "UBOT": LeftOut.BOT,
        "UNOBODY": LeftOut.DEACTIVATED,  # user_not_found
    }
