"""`/kudos <text>`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.kudos import kudos_blocks
from bot.deps import Deps
from handlers import registry
from handlers.common import translator_for, user_id_of, workspace_id_of


def register(app: App, deps: Deps) -> None:
    @registry.command(app, "/kudos", help_key="kudos")
    def kudos(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        t = translator_for(deps, workspace_id_of(body), user_id_of(body))
        blocks = kudos_blocks(t, str(body.get("text") or ""))
        respond(text=t("kudos.thanks", who=str(body.get("text") or "")), blocks=blocks, response_type="ephemeral")
