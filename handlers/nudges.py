"""Manager nudges: the round-closed hook that may send one, and the Snooze button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks import escape
from bot.blocks.nudges import SNOOZE_BUTTON
from bot.deps import Deps
from bot.services import nudges, pulse_schedule, teams
from handlers.common import translator_for, user_id_of, workspace_id_of


def register(app: App, deps: Deps) -> None:
    if nudges.nudge_after_round not in pulse_schedule.ROUND_CLOSED_HOOKS:
        pulse_schedule.ROUND_CLOSED_HOOKS.append(nudges.nudge_after_round)

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
