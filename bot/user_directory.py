"""Who a Slack user is (time zone, locale, admin flags), cached per user to spare users.info calls.

The locale is one input of bot.services.languages; nothing picks a language from it directly."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.audience import Account


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
        self._cache: dict[str, tuple[float, SlackUser]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str) -> SlackUser:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        user = self._fetch(user_id)
        with self._lock:
            self._cache[user_id] = (now, user)
        return user

    def cached(self, user_id: str) -> SlackUser | None:
        """What is known without asking Slack (None when nothing fresh is): for answers due before ack()."""
        with self._lock:
            cached = self._cache.get(user_id)
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
        with self._lock:
            self._cache.pop(user_id, None)
