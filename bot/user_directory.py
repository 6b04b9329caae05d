"""Who a Slack user is (time zone, locale, admin flags), cached per installation and user to spare users.info calls.

With OAuth, one process serves many installations: what one installation's token was told about a user id is
never what another's gets (ids are Slack's to reuse across organisations, and visibility differs), so the cache
is keyed by the installation a call acts for (bot.slack_client.acting_token) as well as the user.

The locale is one input of bot.services.languages; nothing picks a language from it directly."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.audience import Account
from bot.slack_client import acting_token


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    tz: str | None
    locale: str | None
    is_admin: bool
    is_owner: bool
    is_bot: bool
    is_app_user: bool
    deleted: bool
    # Who is pulsed (bot.domain.audience). Slack trims deactivated users and may leave any of these out.
    team_id: str | None = None
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    is_stranger: bool = False
    teams: tuple[str, ...] = ()
    not_found: bool = False
    # Enterprise Grid: the person's org, and whether they are its admin or owner (`enterprise_user`).
    enterprise_id: str | None = None
    is_org_admin: bool = False

    @property
    def account(self) -> Account:
        return Account(
            id=self.id,
            team_id=self.team_id,
            deleted=self.deleted,
            is_bot=self.is_bot,
            is_app_user=self.is_app_user,
            is_restricted=self.is_restricted,
            is_ultra_restricted=self.is_ultra_restricted,
            is_stranger=self.is_stranger,
            teams=self.teams,
            not_found=self.not_found,
            enterprise_id=self.enterprise_id,
        )

    @property
    def is_workspace_admin(self) -> bool:
        """Admin or owner of their own workspace (`team_id`); whose admin that makes them: bot.services.teams."""
        return self.is_admin or self.is_owner


class UserDirectory:
    def __init__(self, client: WebClient, *, ttl_seconds: float = 3600.0) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._cache: dict[tuple[str, str], tuple[float, SlackUser]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str) -> SlackUser:
        now = time.monotonic()
        key = _key(user_id)
        with self._lock:
            cached = self._cache.get(key)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        user = self._fetch(user_id)
        with self._lock:
            self._cache[key] = (now, user)
        return user

    def cached(self, user_id: str) -> SlackUser | None:
        """What is known without asking Slack (None when nothing fresh is): for answers due before ack()."""
        with self._lock:
            cached = self._cache.get(_key(user_id))
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        return None

    def _fetch(self, user_id: str) -> SlackUser:
        try:
            response = self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            if exc.response.get("error") in ("user_not_found", "user_not_visible"):
                return SlackUser(user_id, user_id, None, None, False, False, False, False, True, not_found=True)
            raise
        data = response["user"]
        # Enterprise Grid: the workspaces a person belongs to, top level or under enterprise_user.
        enterprise_user = data.get("enterprise_user") if isinstance(data.get("enterprise_user"), dict) else {}
        teams = data.get("teams") or enterprise_user.get("teams")
        enterprise_id = enterprise_user.get("enterprise_id") or data.get("enterprise_id")
        return SlackUser(
            id=str(data.get("id") or user_id),
            name=data.get("real_name") or data.get("name") or data["id"],
            tz=data.get("tz"),
            locale=data.get("locale"),
            is_admin=bool(data.get("is_admin")),
            is_owner=bool(data.get("is_owner") or data.get("is_primary_owner")),
            is_bot=bool(data.get("is_bot")),
            is_app_user=bool(data.get("is_app_user")),
            deleted=bool(data.get("deleted")),
            team_id=data.get("team_id") or None,
            is_restricted=bool(data.get("is_restricted")),
            is_ultra_restricted=bool(data.get("is_ultra_restricted")),
            is_stranger=bool(data.get("is_stranger")),
            teams=tuple(str(t) for t in teams) if isinstance(teams, list) else (),
            enterprise_id=str(enterprise_id) if enterprise_id else None,
            is_org_admin=any(bool(enterprise_user.get(k)) for k in ("is_admin", "is_owner", "is_primary_owner")),
        )

    def forget(self, user_id: str) -> None:
        """Drop what any installation was told about the user (a user_change event, a deletion)."""
        with self._lock:
            for key in [key for key in self._cache if key[1] == user_id]:
                del self._cache[key]


def _key(user_id: str) -> tuple[str, str]:
    """(installation, user): the installation as a digest of the token the call carries (none with one
    SLACK_BOT_TOKEN), so the cache keeps no second copy of a token."""
    token = acting_token()
    return (hashlib.sha256(token.encode()).hexdigest()[:32] if token else "", user_id)
