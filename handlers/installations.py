"""OAuth mode: Slack says the app was uninstalled or its tokens revoked (delivered without a subscription)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.services import installations


def register(app: App, deps: Deps) -> None:
    if not deps.settings.oauth_enabled:
        return  # one SLACK_BOT_TOKEN: nothing is stored to delete, and the admin owns the token

    @app.event("app_uninstalled")
    def app_uninstalled(body: dict[str, Any]) -> None:
        workspace_id = _installation_of(deps, body)
        if workspace_id:
            installations.uninstalled(deps, workspace_id)

    @app.event("tokens_revoked")
    def tokens_revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        workspace_id = _installation_of(deps, body)
        tokens = event.get("tokens") or {}
        bots = [str(b) for b in tokens.get("bot") or []]
        people = [str(u) for u in tokens.get("oauth") or []]
        if workspace_id:
            installations.tokens_revoked(deps, workspace_id, bots, people)


def _installation_of(deps: Deps, body: dict[str, Any]) -> str:
    """These events have no `authorizations` (the slack-payloads corpus): only the envelope's `team_id` and, in
    Grid, `enterprise_id` say whose installation it was; an org-wide install's is kept under the org's id."""
    team_id = str(body.get("team_id") or "")
    enterprise_id = str(body.get("enterprise_id") or "")
    return installations.uninstalled_key(deps, team_id, enterprise_id) if team_id or enterprise_id else ""
