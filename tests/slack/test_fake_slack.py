"""The fake Slack is as strict as Slack where leniency would hide a bug (docs.slack.dev method pages and the
reference corpus): membership for posting and ephemerals, the DM's D… ID for chat.update, trigger_ids that
expire after 3 s, and the manifest's scopes. Each test fails against the old, lenient fake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.harness import Harness
from tests.slack.fake_slack import FakeSlack, manifest_bot_scopes


@pytest.fixture
def loose_fake() -> Iterator[FakeSlack]:
    """A fake whose violations (a refused scope) are what the test is about, not a failure of it."""
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.stop()


def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.token, base_url=fake.url)


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def test_posting_in_a_channel_needs_the_bot_in_it(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    fake_slack.add_channel("CPUB", "public", ["U1"])
    fake_slack.add_channel("CPRIV", "private", ["U1"], is_private=True)
    fake_slack.add_channel("COLD", "old", ["U1", fake_slack.bot_user_id], is_archived=True)
    assert error_of(lambda: web.chat_postMessage(channel="CPUB", text="hi")) == "not_in_channel"
    # A private channel the bot isn't in doesn't exist for it.
    assert error_of(lambda: web.chat_postMessage(channel="CPRIV", text="hi")) == "channel_not_found"
    assert error_of(lambda: web.conversations_info(channel="CPRIV")) == "channel_not_found"
    assert error_of(lambda: web.chat_postMessage(channel="COLD", text="hi")) == "is_archived"
    # Reading a public channel needs no membership; conversations.info says whether the bot is in.
    assert web.conversations_info(channel="CPUB")["channel"]["is_member"] is False
    fake_slack.join_channel("CPUB", fake_slack.bot_user_id)
    assert web.conversations_info(channel="CPUB")["channel"]["is_member"] is True
    assert web.chat_postMessage(channel="CPUB", text="hi")["ok"] is True


def test_chat_write_public_posts_without_joining(loose_fake: FakeSlack) -> None:
    loose_fake.scopes.add("chat:write.public")
    loose_fake.add_channel("CPUB", "public", ["U1"])
    assert client(loose_fake).chat_postMessage(channel="CPUB", text="hi")["ok"] is True


def test_an_ephemeral_needs_the_person_in_the_channel(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    fake_slack.add_user("U1")
    fake_slack.add_user("U2")
    fake_slack.add_channel("C1", "team", ["U1", fake_slack.bot_user_id])
    assert error_of(lambda: web.chat_postEphemeral(channel="C1", user="U2", text="x")) == "user_not_in_channel"
    answer = web.chat_postEphemeral(channel="C1", user="U1", text="x")
    assert set(answer.data) == {"ok", "message_ts"}  # only message_ts: no channel, no message


def test_chat_update_needs_the_dm_id_not_the_user_id(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    fake_slack.add_user("U1")
    posted = web.chat_postMessage(channel="U1", text="a DM")  # posting to a user ID opens the app's DM
    assert posted["channel"] == "DU1"
    assert error_of(lambda: web.chat_update(channel="U1", ts=posted["ts"], text="x")) == "channel_not_found"
    assert error_of(lambda: web.chat_delete(channel="U1", ts=posted["ts"])) == "channel_not_found"
    updated = web.chat_update(channel=posted["channel"], ts=posted["ts"], text="edited")
    assert updated["channel"] == "DU1" and "ts" not in updated["message"] and "edited" in updated["message"]


def test_trigger_ids_expire_after_three_seconds(harness: Harness) -> None:
    harness.fake.add_user("U1")
    harness.sender.command("/win", "", user_id="U1", trigger_age=3.5)
    expired = harness.fake.wait_for("views.open")[0]
    assert expired.answer is not None and expired.answer["error"] == "expired_trigger_id"
    harness.sender.command("/win", "", user_id="U1")
    fresh = harness.fake.wait_for("views.open", count=2)[1]
    assert fresh.answer is not None and fresh.answer["ok"] is True


def test_a_made_up_trigger_id_is_refused(fake_slack: FakeSlack) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []}
    web = client(fake_slack)
    assert error_of(lambda: web.views_open(trigger_id="1.2.3", view=view)) == "invalid_trigger_id"


def test_methods_check_the_manifests_scopes(loose_fake: FakeSlack) -> None:
    assert "files:write" in manifest_bot_scopes()
    loose_fake.scopes.discard("files:write")
    web = client(loose_fake)
    with pytest.raises(SlackApiError) as raised:
        web.files_getUploadURLExternal(filename="x.csv", length=3)
    assert raised.value.response["error"] == "missing_scope"
    assert raised.value.response["needed"] == "files:write"
    assert raised.value.response.headers["x-accepted-oauth-scopes"] == "files:write"
    assert any("missing_scope" in v for v in loose_fake.violations)  # the harness's fake fails such a test
    # Reading a DM's info needs im:read, which Pulssi's manifest doesn't ask for.
    loose_fake.add_user("U1")
    assert error_of(lambda: web.conversations_info(channel="DU1")) == "missing_scope"
    assert web.users_info(user="U1")["user"]["id"] == "U1"


def test_an_org_wide_grid_install(fake_slack: FakeSlack) -> None:
    """One token for every workspace of the org: auth.test says so, users.info answers for people of either
    workspace with `enterprise_user`, conversations.members lists a shared channel's people of both, and
    users.conversations wants the workspace (`team_id`)."""
    web = client(fake_slack)
    fake_slack.make_org("E0ORG")
    fake_slack.add_grid_user("WA1", "T0A", is_admin=True)
    fake_slack.add_grid_user("WB1", "T0B", is_org_admin=True)
    fake_slack.add_channel("C0SH", "shared", ["WA1", "WB1", "UBOT"], host_team_id="T0A", shared_team_ids=["T0A", "T0B"])
    auth = web.auth_test()
    assert auth["is_enterprise_install"] is True and auth["enterprise_id"] == "E0ORG" and auth["team_id"] is None
    b = web.users_info(user="WB1")["user"]
    assert b["team_id"] == "T0B" and b["is_admin"] is False
    assert b["enterprise_user"]["enterprise_id"] == "E0ORG" and b["enterprise_user"]["is_admin"] is True
    assert web.users_info(user="WA1")["user"]["is_admin"] is True
    assert web.conversations_members(channel="C0SH")["members"] == ["WA1", "WB1", "UBOT"]
    info = web.conversations_info(channel="C0SH")["channel"]
    assert info["conversation_host_id"] == "T0A" and info["is_org_shared"] is True
    assert error_of(lambda: web.users_conversations(user="WB1")) == "missing_argument"
    assert [c["id"] for c in web.users_conversations(user="WB1", team_id="T0B")["channels"]] == ["C0SH"]
