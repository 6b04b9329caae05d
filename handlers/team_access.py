"""Enterprise Grid, org-wide install: the org took Pulssi out of some of its workspaces, or granted it more
(`team_access_revoked` / `team_access_granted`, `event.team_ids`). The service decides; a retry is a duplicate."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.services import team_access
from handlers import registry
from handlers.common import workspace_id_of


def register(app: App, deps: Deps) -> None:
    @registry.event(app, "team_access_revoked")
    def team_access_revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        # The installation the event was delivered to (authorizations[0]): an org-wide install's E… key. A
        # workspace's own install is never one, and only its own rows are touched (bot.services.team_access).
        # An authorization naming one of the org's workspaces came here as the org's (bot.app.team_access_to_the_org).
        team_access.revoked(deps, workspace_id_of(body), team_access.workspace_ids(event.get("team_ids")))

    @registry.event(app, "team_access_granted")
    def team_access_granted(body: dict[str, Any], event: dict[str, Any]) -> None:
        team_access.granted(deps, workspace_id_of(body), team_access.workspace_ids(event.get("team_ids")))
