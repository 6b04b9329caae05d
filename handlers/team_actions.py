"""`/pulse action [list | done <number>]`, the commit modal and the "Mark done" button ("you said, we did")."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks import escape
from bot.blocks.team_actions import (
    ACTION_MODAL,
    COMMIT_BUTTON,
    DONE_BUTTON,
    HELP_BUTTON,
    action_line,
    action_modal,
    list_blocks,
)
from bot.deps import Deps
from bot.domain.people import TeamView
from bot.domain.team_actions import HELP_VALUES, validate_action
from bot.services import reports, rounds, team_actions, teams
from bot.services.teams import NotAllowed, NoTeam
from handlers.common import translator_for, user_id_of, workspace_id_of
from handlers.pulse import PulseCommand, reply, subcommand
from handlers.pulse_team import refuse
from handlers.registry import MANAGERS

logger = logging.getLogger(__name__)


def _team(deps: Deps, workspace_id: str, user_id: str, channel_id: str) -> TeamView | None:
    """The team of the channel it was typed in, else the first team the person manages."""
    try:
        return teams.team_for_channel(deps, workspace_id, channel_id)
    except NoTeam:
        pass
    return teams.first_managed_team(deps, workspace_id, user_id)


def _team_by_id(deps: Deps, workspace_id: str, team_id: int) -> TeamView | None:
    return teams.team_view(deps, workspace_id, team_id)


@subcommand("action", "toimenpide", audience=MANAGERS, order=75)
def action_command(deps: Deps, command: PulseCommand) -> None:
    t = command.t
    team = _team(deps, command.workspace_id, command.user_id, command.channel_id)
    if team is None:
        reply(command, t("actions.no_team"))
        return
    word, _, rest = command.args.partition(" ")
    try:
        if word.lower() in ("done", "tehty"):
            number = rest.strip().lstrip("#")
            if not number.isdigit():
                reply(command, t("actions.gone", number=escape(number) or "?"))
                return
            done = team_actions.mark_done(deps, command.workspace_id, int(number), command.user_id)
            reply(command, t("actions.marked_done", line=action_line(t, done)))
            return
        teams.require_team_manager(deps, command.workspace_id, team.id, command.user_id)
    except team_actions.ActionGone:
        reply(command, t("actions.gone", number=escape(rest.strip())))
        return
    except NotAllowed as error:
        refuse(command, error)
        return
    if word.lower() in ("list", "lista"):
        items = team_actions.team_actions(deps.db, command.workspace_id, team.id, k=deps.settings.anonymity_min)
        reply(command, t("actions.title"), list_blocks(t, items, deps.settings.anonymity_min))
        return
    deps.client.views_open(trigger_id=command.trigger_id, view=action_modal(t, team.id, team.name))


def _help_value(raw: str) -> tuple[int, int, str] | None:
    """ "round id:action id:answer" from a "did this help?" button, or None when it isn't one."""
    parts = raw.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or parts[2] not in HELP_VALUES:
        return None
    return int(parts[0]), int(parts[1]), parts[2]


def register(app: App, deps: Deps) -> None:
    @app.action(re.compile(f"^{HELP_BUTTON}"))
    def help_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """ "Did this help?" in a pulse DM: kept like a pulse answer, confirmed only ephemerally (the DM never
        changes, so nothing Slack keeps says who answered)."""
        ack()
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        parsed = _help_value(str(action.get("value") or ""))
        if parsed is None:
            return
        round_id, action_id, value = parsed
        t = translator_for(deps, workspace_id, user_id)
        channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
        try:
            asked = rounds.record_help_answer(deps, workspace_id, user_id, round_id, action_id, value)
        except rounds.RoundClosed:
            text = t("pulsedm.round_closed")
        except rounds.NotInvited:
            text = t("pulsedm.not_invited")
        else:
            if not asked:
                logger.info("ignored a did-this-help answer about an action its round doesn't ask about")
                return
            text = t("actions.help.recorded", answer=t(f"actions.help.{value}"), k=deps.settings.anonymity_min)
        if channel:
            deps.client.chat_postEphemeral(channel=channel, user=user_id, text=text)

    @app.action(re.compile(f"^{COMMIT_BUTTON}_"))
    def commit_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        """The report's "Act on <need>" button: the commit form with the need chosen (managers only)."""
        ack()
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_for(deps, workspace_id, user_id)
        raw_team, _, need = str(action.get("value") or "").partition(":")
        team = _team_by_id(deps, workspace_id, int(raw_team)) if raw_team.isdigit() else None
        if team is None:
            respond(text=t("actions.no_team"), response_type="ephemeral", replace_original=False)
            return
        try:
            teams.require_team_manager(deps, workspace_id, team.id, user_id)
        except NotAllowed:
            respond(text=t("core.refusal.admins_only"), response_type="ephemeral", replace_original=False)
            return
        deps.client.views_open(trigger_id=str(body["trigger_id"]), view=action_modal(t, team.id, team.name, need))

    @app.view(ACTION_MODAL)
    def action_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_for(deps, workspace_id, user_id)
        values = (view.get("state") or {}).get("values") or {}

        def element(block_id: str) -> dict[str, Any]:
            block = values.get(block_id) or {}
            found: Any = block.get("value") or next(iter(block.values()), {})
            return found if isinstance(found, dict) else {}

        need = str((element("need").get("selected_option") or {}).get("value") or "")
        text = str(element("text").get("value") or "")
        owner = str(element("owner").get("selected_user") or "")
        raw_due = str(element("due").get("selected_date") or "")
        try:
            due_on: date | None = date.fromisoformat(raw_due)
        except ValueError:
            due_on = None
        today = reports.local_today(deps.settings, deps.now())
        errors = validate_action(need, text, owner, due_on, today)
        if errors or due_on is None:
            ack(response_action="errors", errors={k: t(key, **params) for k, (key, params) in errors.items()})
            return
        team_id = str(view.get("private_metadata") or "")
        if not team_id.isdigit():
            # Pulssi's own modal always carries the team's number: only a forged view gets here. No field the
            # person could correct is wrong, so an error under one would mislead; close it, save nothing, and
            # leave a trace for the operator (without the person or what they typed).
            ack()
            logger.warning("team action form without a team number ignored (a forged view?)")
            return
        try:
            action = team_actions.commit_action(
                deps, workspace_id, int(team_id), user_id, need=need, text=text, owner_id=owner, due_on=due_on
            )
        except NotAllowed:
            ack(response_action="errors", errors={"need": t("core.refusal.admins_only")})
            return
        ack()
        deps.client.chat_postMessage(channel=user_id, text=t("actions.committed", line=action_line(t, action)))

    @app.action(DONE_BUTTON)
    def done_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_for(deps, workspace_id, user_id)
        value = str(action.get("value") or "")
        try:
            done = team_actions.mark_done(deps, workspace_id, int(value) if value.isdigit() else 0, user_id)
        except team_actions.ActionGone:
            respond(text=t("actions.gone", number=escape(value)), response_type="ephemeral", replace_original=False)
            return
        except NotAllowed:
            respond(text=t("core.refusal.admins_only"), response_type="ephemeral", replace_original=False)
            return
        respond(
            text=t("actions.marked_done", line=action_line(t, done)), response_type="ephemeral", replace_original=False
        )
