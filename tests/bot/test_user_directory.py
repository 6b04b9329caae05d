"""bot.user_directory: the cache is per installation and user, so one workspace's answer never serves another."""

from __future__ import annotations

from typing import Any, cast

from slack_sdk import WebClient

from bot.slack_client import acting_as, acting_token
from bot.user_directory import UserDirectory


class _UsersInfoByToken:
    """users.info as each installation's token sees the same user id (Slack's ids are not promised unique
    across organisations; what a token may see differs)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, str]] = []

    def users_info(self, *, user: str, include_locale: bool) -> dict[str, Any]:
        token = acting_token()
        self.calls.append((token, user))
        admin = token == "xoxb-workspace-a"
        return {"user": {"id": user, "name": f"{user}@{token}", "tz": "Europe/Helsinki", "is_admin": admin}}


def test_what_one_installation_learnt_is_not_what_another_gets() -> None:
    slack = _UsersInfoByToken()
    directory = UserDirectory(cast(WebClient, slack))
    with acting_as("xoxb-workspace-a"):
        assert directory.get("U1").is_admin is True
        assert directory.get("U1").is_admin is True  # cached for A
    with acting_as("xoxb-workspace-b"):
        assert directory.cached("U1") is None  # A's answer is not B's
        assert directory.get("U1").is_admin is False
    assert slack.calls == [("xoxb-workspace-a", "U1"), ("xoxb-workspace-b", "U1")]
    directory.forget("U1")  # a user_change: every installation asks again
    with acting_as("xoxb-workspace-a"):
        assert directory.cached("U1") is None


def test_one_token_mode_caches_per_user() -> None:
    slack = _UsersInfoByToken()
    directory = UserDirectory(cast(WebClient, slack))
    assert directory.get("U1") is directory.get("U1")
    assert directory.cached("U1") is not None
    assert slack.calls == [(None, "U1")]
