"""The fake Slack's OAuth side answers as Slack documents it: oauth.v2.access for a code and for a refresh
token, its errors, and tokens that belong to one workspace (revoked, expired, or used on another's data)."""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.slack.fake_slack import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.add_workspace("T0002", "Second", enterprise_id="E0001", enterprise_name="Org")
        running.redirect_url = "http://127.0.0.1:9/slack/oauth_redirect"
        yield running


def code_for(fake: FakeSlack, team_id: str, user_id: str = "UADMIN") -> str:
    """What the installer's browser brings back from the authorize page."""
    fake.install_as(team_id, user_id)
    query = urllib.parse.urlencode({"client_id": fake.client_id, "scope": "chat:write,commands", "state": "s1"})

    class Stop(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(Stop)
    try:
        opener.open(f"{fake.base}/oauth/v2/authorize?{query}", timeout=5)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        location = urllib.parse.urlsplit(redirect.headers["Location"])
        params = dict(urllib.parse.parse_qsl(location.query))
        assert params["state"] == "s1"
        return params["code"]
    raise AssertionError("no redirect")


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as failed:
        call()  # type: ignore[operator]
    return str(failed.value.response["error"])


def test_a_code_exchanges_once_for_a_bot_token_of_that_workspace(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.url)
    code = code_for(fake, "T0002")
    answer = client.oauth_v2_access(client_id=fake.client_id, client_secret=fake.client_secret, code=code).data
    assert isinstance(answer, dict)
    assert answer["token_type"] == "bot" and answer["access_token"].startswith("xoxb-")
    assert answer["team"] == {"id": "T0002", "name": "Second"}
    assert answer["enterprise"] == {"id": "E0001", "name": "Org"} and answer["is_enterprise_install"] is False
    assert answer["authed_user"]["id"] == "UADMIN" and answer["bot_user_id"] and answer["app_id"]
    assert "refresh_token" not in answer and "expires_in" not in answer  # rotation off
    again = lambda: client.oauth_v2_access(client_id=fake.client_id, client_secret=fake.client_secret, code=code)  # noqa: E731
    assert error_of(again) == "invalid_code"
    assert WebClient(base_url=fake.url, token=answer["access_token"]).auth_test()["team_id"] == "T0002"


def test_credentials_and_refresh_tokens_are_checked(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.url)
    code = code_for(fake, "T0002")
    assert (
        error_of(lambda: client.oauth_v2_access(client_id="1.2", client_secret="x", code=code)) == "invalid_client_id"
    )
    wrong_secret = lambda: client.oauth_v2_access(client_id=fake.client_id, client_secret="nope", code=code)  # noqa: E731
    assert error_of(wrong_secret) == "bad_client_secret"
    refresh = lambda: client.oauth_v2_access(  # noqa: E731
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        grant_type="refresh_token",
        refresh_token="xoxe-1-no",
    )
    assert error_of(refresh) == "invalid_refresh_token"


def test_rotating_tokens_expire_and_refresh(fake: FakeSlack) -> None:
    fake.token_rotation_seconds = 60  # a second ran out before the first call on a loaded machine
    client = WebClient(base_url=fake.url)
    code = code_for(fake, "T0002")
    answer = client.oauth_v2_access(client_id=fake.client_id, client_secret=fake.client_secret, code=code).data
    assert isinstance(answer, dict)
    assert answer["expires_in"] == 60 and answer["refresh_token"].startswith("xoxe-1-")
    assert answer["access_token"].startswith("xoxe.xoxb-1-")
    bot = WebClient(base_url=fake.url, token=answer["access_token"])
    assert bot.auth_test()["ok"]
    fake.expire_tokens()
    assert error_of(bot.auth_test) == "token_expired"
    fresh = client.oauth_v2_access(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        grant_type="refresh_token",
        refresh_token=answer["refresh_token"],
    ).data
    assert isinstance(fresh, dict)
    assert fresh["token_type"] == "bot" and fresh["access_token"] != answer["access_token"]
    assert WebClient(base_url=fake.url, token=fresh["access_token"]).auth_test()["team_id"] == "T0002"


def test_a_token_sees_only_its_workspace_and_a_revoked_one_nothing(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.url)
    answer = client.oauth_v2_access(
        client_id=fake.client_id, client_secret=fake.client_secret, code=code_for(fake, "T0002")
    ).data
    assert isinstance(answer, dict)
    second = WebClient(base_url=fake.url, token=answer["access_token"])
    fake.add_user("UFIRST")  # the first workspace's
    fake.add_user("USECOND", team_id="T0002")
    fake.add_channel("CFIRST", "first", ["UFIRST", "UBOT"])
    fake.add_channel("CSECOND", "second", ["USECOND", "UBOT"], team_id="T0002")
    assert second.chat_postMessage(channel="CSECOND", text="hi")["ok"]
    assert second.chat_postMessage(channel="USECOND", text="hi")["ok"]
    assert error_of(lambda: second.chat_postMessage(channel="CFIRST", text="hi")) == "channel_not_found"
    assert error_of(lambda: second.chat_postMessage(channel="UFIRST", text="hi")) == "channel_not_found"
    assert error_of(lambda: second.users_info(user="UFIRST")) == "user_not_found"
    first = WebClient(base_url=fake.url, token=fake.token)
    assert error_of(lambda: first.chat_postMessage(channel="CSECOND", text="hi")) == "channel_not_found"
    fake.revoke_workspace("T0002")
    assert error_of(lambda: second.chat_postMessage(channel="CSECOND", text="hi")) == "token_revoked"
    assert first.chat_postMessage(channel="CFIRST", text="hi")["ok"]  # the other workspace goes on


def test_an_org_wide_install_answers_with_the_org_and_its_token_spans_the_org_s_workspaces(fake: FakeSlack) -> None:
    """Slack's oauth.v2.access for an org-wide install (docs.slack.dev, "Organization-ready apps"):
    `is_enterprise_install: true`, `team: null`, the org in `enterprise`; with rotation, a refresh token too.
    Its token is the org's: for every workspace of the org, and for nobody else's."""
    fake.token_rotation_seconds = 60
    fake.add_org("E0GRID", "Grid Org", {"T0GA": "A", "T0GB": "B"})
    client = WebClient(base_url=fake.url)
    answer = client.oauth_v2_access(
        client_id=fake.client_id, client_secret=fake.client_secret, code=code_for(fake, "E0GRID", "WADMIN")
    ).data
    assert isinstance(answer, dict)
    assert answer["is_enterprise_install"] is True and answer["team"] is None
    assert answer["enterprise"] == {"id": "E0GRID", "name": "Grid Org"} and answer["authed_user"]["id"] == "WADMIN"
    assert answer["token_type"] == "bot" and answer["expires_in"] == 60 and answer["refresh_token"]
    org = WebClient(base_url=fake.url, token=answer["access_token"])
    who = org.auth_test()
    assert who["is_enterprise_install"] is True and who["enterprise_id"] == "E0GRID" and who["team_id"] is None
    fake.add_grid_user("WA", "T0GA")
    fake.add_grid_user("WB", "T0GB")
    fake.add_user("UFIRST")  # the standalone workspace's
    fake.add_channel("CSHARED", "shared", ["WA", "WB", "UBOT"], host_team_id="T0GA", shared_team_ids=["T0GA", "T0GB"])
    fake.add_channel("CFIRST", "first", ["UFIRST", "UBOT"])
    for person in ("WA", "WB"):
        assert org.chat_postMessage(channel=person, text="hi")["ok"]
    assert org.conversations_members(channel="CSHARED")["members"] == ["WA", "WB", "UBOT"]
    assert error_of(lambda: org.chat_postMessage(channel="UFIRST", text="hi")) == "channel_not_found"
    assert error_of(lambda: org.conversations_members(channel="CFIRST")) == "channel_not_found"
    first = WebClient(base_url=fake.url, token=fake.token)  # the standalone workspace's token: not the org's
    assert first.auth_test()["is_enterprise_install"] is False
    assert error_of(lambda: first.chat_postMessage(channel="WA", text="hi")) == "channel_not_found"
    assert error_of(lambda: first.conversations_members(channel="CSHARED")) == "channel_not_found"
    refreshed = client.oauth_v2_access(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        grant_type="refresh_token",
        refresh_token=answer["refresh_token"],
    ).data
    assert isinstance(refreshed, dict)
    assert refreshed["is_enterprise_install"] is True and refreshed["team"] is None
    assert fake.issued[refreshed["access_token"]].team_id == "E0GRID"
