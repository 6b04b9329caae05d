"""Who the bot is in its workspace, asked of Slack once at start (auth.test) and handed to Bolt.

Single-token mode only. Left to itself (token_verification_enabled=False), Bolt asks auth.test on a process's
first request, before any listener runs: with Slack slow or answering 429, that request's ack misses Slack's
3 seconds. Bolt gets the start check's answer instead, so no request ever waits on Slack before its ack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient


@dataclass(frozen=True)
class BotIdentity:
    """The parts of an auth.test answer Bolt's authorization needs (the token itself stays in Settings)."""

    team_id: str | None
    enterprise_id: str | None
    bot_id: str | None
    bot_user_id: str | None
    bot_scopes: str | None  # the x-oauth-scopes header, comma-separated
    team_name: str

    @classmethod
    def from_auth_test(cls, data: Mapping[str, Any], headers: Mapping[str, Any]) -> BotIdentity:
        scopes = next((value for name, value in headers.items() if name.lower() == "x-oauth-scopes"), None)
        if isinstance(scopes, list):  # slack_sdk keeps some headers as lists
            scopes = ",".join(scopes)

        def text(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value else None

        return cls(
            team_id=text("team_id"),
            enterprise_id=text("enterprise_id"),
            bot_id=text("bot_id"),
            bot_user_id=text("user_id"),
            bot_scopes=scopes,
            team_name=str(data.get("team") or data.get("team_id") or ""),
        )


@dataclass(frozen=True)
class EachInstallation:
    """OAuth mode: the process has no token of its own to check; each request is authorized as its own
    installation (bot.oauth), and jobs act for each workspace's (bot.installations)."""


EACH_INSTALLATION = EachInstallation()
# What a process's start learnt about who it is in Slack.
StartIdentity = BotIdentity | EachInstallation


def ask_slack(client: WebClient) -> BotIdentity:
    """One auth.test with the client's (bot) token; SlackApiError and network errors reach the caller."""
    response = client.auth_test()
    data = response.data if isinstance(response.data, dict) else {}
    return BotIdentity.from_auth_test(data, response.headers)


def authorize_as(identity: BotIdentity, bot_token: str) -> Callable[..., AuthorizeResult]:
    """Bolt's `authorize`: the same AuthorizeResult Bolt would build from its own auth.test, without asking.

    Like Bolt's single-workspace mode it does not compare the request's team with the token's: the request's
    signature already says it came from this app's Slack."""

    def authorize(user_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=identity.enterprise_id,
            team_id=identity.team_id,
            bot_id=identity.bot_id,
            bot_user_id=identity.bot_user_id,
            bot_token=bot_token,
            bot_scopes=identity.bot_scopes,
            user_id=user_id,
        )

    return authorize
