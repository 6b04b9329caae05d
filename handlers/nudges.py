"""Manager nudges: the Snooze button (the nudge itself follows a round's close, handlers.delivery.nudge_after_round)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks import escape
from bot.blocks.nudges import SNOOZE_BUTTON
from bot.deps import Deps
from bot.services import nudges, teams
from handlers.common import translator_for, user_id_of, workspace_id_of


def register(app: App, deps: Deps) -> None:
    @app.action(SNOOZE_BUTTON)
    def snooze_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_for(deps, workspace_id, user_id)
        value = str(action.get("value") or "")
        try:
            name, until = nudges.snooze(deps, workspace_id, int(value) if value.isdigit() else 0, user_id)
        except (teams.NotAllowed, teams.NoTeam):
            respond(text=t("core.refusal.admins_only"), response_type="ephemeral", replace_original=False)
            return
        text = t("nudge.snoozed", team=escape(name), until=until.strftime("%d.%m.%Y"))
        respond(text=text, response_type="ephemeral", replace_original=False)
