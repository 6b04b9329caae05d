"""App Home, the settings modals behind its buttons, the welcome when the bot joins a channel, and export."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot.blocks import escape
from bot.blocks.audience import audience_text
from bot.blocks.win import notice_modal
from bot.deps import Deps
from bot.domain.policy import Action
from bot.i18n import Translator
from bot.services import cx_import, languages, privacy, rounds, teams
from bot.slack_client import make_lookup_client
from handlers import registry
from handlers.common import translator_before_ack, translator_for, user_id_of, workspace_id_of
from handlers.delivery import refresh_home
from handlers.pulse import PulseCommand, reply, subcommand
from handlers.pulse_team import refusal_text, refuse, save_schedule, schedule_modal
from handlers.registry import MANAGERS

logger = logging.getLogger(__name__)


def _modal(
    t: Translator, callback_id: str, title_key: str, blocks: list[dict[str, Any]], metadata: str = ""
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": t(title_key)},
        "submit": {"type": "plain_text", "text": t("home.save")},
        "close": {"type": "plain_text", "text": t("home.delete.cancel")},
        "blocks": blocks,
    }


def register(app: App, deps: Deps) -> None:
    @registry.event(app, "app_home_opened")
    def home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") not in (None, "home"):
            return
        refresh_home(deps, workspace_id_of(body), str(event.get("user") or ""))

    @registry.event(app, "member_joined_channel")
    def member_joined(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        bot_user = context.get("bot_user_id") or _bot_user_id(deps)
        if event.get("user") != bot_user:
            return
        inviter = str(event.get("inviter") or "")
        t = _welcome_translator(deps, workspace_id_of(body), str(event.get("channel") or ""), inviter)
        text = t("home.welcome", k=deps.settings.anonymity_min)
        deps.client.chat_postMessage(
            channel=str(event.get("channel")),
            text=text,
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        )

    @app.action("home_toggle_mute")
    def toggle_mute(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        rounds.set_muted(deps, workspace_id, user_id, action.get("value") == "mute")
        refresh_home(deps, workspace_id, user_id)

    @app.action("home_share_win")
    def share_win(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        from handlers.win import open_win_modal

        open_win_modal(deps, body["trigger_id"], workspace_id_of(body), user_id_of(body))

    @app.action("home_open_report")
    def open_report(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        from handlers.cxreport import deliver_report_to_dm

        deps.run_later(deliver_report_to_dm, deps, workspace_id_of(body), user_id_of(body))

    @app.action("home_delete_my_data")
    def delete_clicked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        t = translator_for(deps, workspace_id_of(body), user_id_of(body))
        view = _modal(
            t,
            "home_delete_modal",
            "home.delete.title",
            [
                {"type": "section", "text": {"type": "mrkdwn", "text": t("pulsecmd.delete.confirm")}},
                {
                    "type": "input",
                    "block_id": "wins",
                    "optional": True,
                    "label": {"type": "plain_text", "text": t("home.delete.title")},
                    "element": {
                        "type": "checkboxes",
                        "action_id": "value",
                        "options": [
                            {"text": {"type": "plain_text", "text": t("home.delete.include_wins")}, "value": "wins"}
                        ],
                    },
                },
            ],
        )
        view["submit"] = {"type": "plain_text", "text": t("home.delete.submit")}
        deps.client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view("home_delete_modal")
    def delete_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_before_ack(deps, workspace_id, user_id)  # before the deletion takes their language choice
        ack(response_action="update", view=notice_modal(t, t("home.delete.working")))
        selected = view["state"]["values"].get("wins", {}).get("value", {}).get("selected_options") or []
        deleted = privacy.delete_my_data(deps, workspace_id, user_id, include_wins=bool(selected))
        # What was removed is told in the modal, never in a DM: Slack keeps DMs, and the counts (an
        # anonymous conversation removed) with the time (just before the managers hear "the author ended
        # it") would tell an export who wrote a comment.
        done = notice_modal(t, t("pulsecmd.delete.done", **deleted.__dict__))
        try:
            deps.client.views_update(view_id=str(view.get("id") or ""), view=done)
        except SlackApiError as error:
            logger.info("delete-my-data notice not shown: %s", error.response.get("error"))
        refresh_home(deps, workspace_id, user_id)

    @app.action("home_settings_schedule")
    def schedule_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        team = _managed_team(deps, body, action, Action.SET_SCHEDULE)
        if team is not None:
            t = translator_for(deps, workspace_id_of(body), user_id_of(body))
            deps.client.views_open(trigger_id=body["trigger_id"], view=schedule_modal(t, team))

    @app.action("home_settings_managers")
    def managers_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        team = _managed_team(deps, body, action, Action.SET_MANAGERS)
        if team is None:
            return
        t = translator_for(deps, workspace_id_of(body), user_id_of(body))
        element: dict[str, Any] = {"type": "multi_users_select", "action_id": "value"}
        if team.managers:
            element["initial_users"] = list(team.managers)
        block = {
            "type": "input",
            "block_id": "managers",
            "label": {"type": "plain_text", "text": t("home.managers.label")},
            "element": element,
        }
        deps.client.views_open(
            trigger_id=body["trigger_id"],
            view=_modal(t, "home_managers_modal", "home.managers.title", [block], str(team.id)),
        )

    @app.view("home_managers_modal")
    def managers_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        selected = view["state"]["values"]["managers"]["value"].get("selected_users") or []
        try:  # one small transaction: done before the ack, so a refusal is shown in the modal
            teams.set_managers(deps, workspace_id, _team_id(view), user_id, selected, ask_slack=False)
        except teams.NotAllowed as error:
            ack(
                response_action="errors",
                errors={"managers": refusal_text(translator_for(deps, workspace_id, user_id), error)},
            )
            return
        except teams.NoTeam:
            ack(
                response_action="errors",
                errors={"managers": translator_for(deps, workspace_id, user_id)("core.error.not_in_team")},
            )
            return
        ack()
        refresh_home(deps, workspace_id, user_id)

    @app.action("home_settings_winschannel")
    def winschannel_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        team = _managed_team(deps, body, action, Action.SET_WINS_CHANNEL)
        if team is None:
            return
        t = translator_for(deps, workspace_id_of(body), user_id_of(body))
        element: dict[str, Any] = {
            "type": "conversations_select",
            "action_id": "value",
            "filter": {"include": ["public", "private"]},
        }
        if team.wins_channel_id:
            element["initial_conversation"] = team.wins_channel_id
        block = {
            "type": "input",
            "block_id": "channel",
            "label": {"type": "plain_text", "text": t("home.winschannel.label")},
            "element": element,
        }
        deps.client.views_open(
            trigger_id=body["trigger_id"],
            view=_modal(t, "home_winschannel_modal", "home.winschannel.title", [block], str(team.id)),
        )

    @app.view("home_winschannel_modal")
    def winschannel_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        channel = view["state"]["values"]["channel"]["value"].get("selected_conversation")
        try:  # one small transaction: done before the ack, so a refusal is shown in the modal
            teams.set_wins_channel(deps, workspace_id, _team_id(view), user_id, channel)
        except teams.NotAllowed as error:
            ack(
                response_action="errors",
                errors={"channel": refusal_text(translator_for(deps, workspace_id, user_id), error)},
            )
            return
        except teams.NoTeam:
            ack(
                response_action="errors",
                errors={"channel": translator_for(deps, workspace_id, user_id)("core.error.not_in_team")},
            )
            return
        ack()
        refresh_home(deps, workspace_id, user_id)

    @app.action("home_settings_setup")
    def setup_clicked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        element = {
            "type": "conversations_select",
            "action_id": "value",
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        }
        _open_admin_input_modal(deps, body, Action.SET_UP_TEAM, "home_setup_modal", "home.setup", "channel", element)

    lookup = make_lookup_client(deps.settings)

    @app.view("home_setup_modal")
    def setup_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        channel = str(view["state"]["values"]["channel"]["value"].get("selected_conversation") or "")
        t = translator_before_ack(deps, workspace_id, user_id)  # its errors go out with ack()
        # Who may set up a team: shown in the modal when known without asking Slack; otherwise checked after
        # ack() (a users.info call can take longer than Slack waits), and a refusal comes by DM.
        if deps.users.cached(user_id) is not None and not teams.may(deps, workspace_id, user_id, Action.SET_UP_TEAM):
            ack(response_action="errors", errors={"channel": t("core.refusal.admins_only")})
            return
        try:
            # Asked within a budget (one try, no Retry-After sleep) so the modal can show the fix (/invite
            # @Pulssi); when Slack is slow or rate-limited, setup_team asks again properly after ack().
            teams.check_channel(deps, channel, channel, client=lookup)
        except teams.ChannelNotReady as error:
            ack(response_action="errors", errors={"channel": t(_not_ready_key(error))})
            return
        ack()
        t = translator_for(deps, workspace_id, user_id)
        try:
            team, _created, audience = teams.setup_team(deps, workspace_id, channel, channel, user_id)
        except teams.NotAllowed as error:  # lost admin rights since the check above: say so
            deps.client.chat_postMessage(channel=user_id, text=refusal_text(t, error))
            return
        except teams.ChannelNotReady as error:  # Slack didn't answer in time before ack(), or it changed since
            deps.client.chat_postMessage(channel=user_id, text=t(_not_ready_key(error)))
            return
        done = t("home.setup.done", name=escape(team.name), members=len(audience.pulsed))
        deps.client.chat_postMessage(channel=user_id, text=done + "\n" + audience_text(t, audience))
        refresh_home(deps, workspace_id, user_id)

    @app.action("home_settings_cxfeed")
    def cxfeed_clicked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        element = {"type": "plain_text_input", "action_id": "value"}
        _open_admin_input_modal(deps, body, Action.CX_FEED, "home_cxfeed_modal", "home.cxfeed", "source", element)

    @app.view("home_cxfeed_modal")
    def cxfeed_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        t = translator_before_ack(deps, workspace_id, user_id)  # its errors go out with ack()
        source = str(view["state"]["values"]["source"]["value"].get("value") or "").strip()
        if not teams.may(deps, workspace_id, user_id, Action.CX_FEED):
            ack(response_action="errors", errors={"source": t("core.refusal.admins_only")})
            return

        problem = cx_import.source_problem(deps.settings, source)
        if problem:
            ack(response_action="errors", errors={"source": t(problem, source=source[:200])})
            return
        ack()
        try:
            cx_import.set_feed_source(deps, workspace_id, user_id, source)
        except teams.NotAllowed as error:  # lost admin rights since the check above: say so
            deps.client.chat_postMessage(channel=user_id, text=refusal_text(t, error))
            return
        # The first pull now, so Home shows its result; on the feed pool, as `/pulse cxfeed` pulls, so a slow
        # server holds no listener thread and a burst of submissions waits behind FEED_QUEUE_LIMIT.
        if deps.run_feed_later(_first_pull, deps, workspace_id, user_id) is None:
            deps.client.chat_postMessage(channel=user_id, text=t("cxfeed.busy"))
            refresh_home(deps, workspace_id, user_id)  # the new source shows; its pull waits for the next tick


def _first_pull(deps: Deps, workspace_id: str, user_id: str) -> None:
    cx_import.run_import(deps, workspace_id)
    refresh_home(deps, workspace_id, user_id)


def _not_ready_key(error: teams.ChannelNotReady) -> str:
    return "slackerr.setup.archived_plain" if error.reason == "archived" else "slackerr.setup.not_member_plain"


def _open_admin_input_modal(
    deps: Deps,
    body: dict[str, Any],
    action: Action,
    callback_id: str,
    key: str,
    block_id: str,
    element: dict[str, Any],
) -> None:
    """A one-field settings modal for workspace admins (texts `<key>.title|label|hint`); others are told why not."""
    user_id = user_id_of(body)
    t = translator_for(deps, workspace_id_of(body), user_id)
    if not teams.may(deps, workspace_id_of(body), user_id, action):
        deps.client.views_open(trigger_id=body["trigger_id"], view=notice_modal(t, t("core.refusal.admins_only")))
        return
    block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": t(f"{key}.label")},
        "hint": {"type": "plain_text", "text": t(f"{key}.hint")},
        "element": element,
    }
    deps.client.views_open(trigger_id=body["trigger_id"], view=_modal(t, callback_id, f"{key}.title", [block]))


def _team_id(view: dict[str, Any]) -> int:
    value = str(view.get("private_metadata") or "")
    return int(value) if value.isdigit() else 0


def _managed_team(deps: Deps, body: dict[str, Any], action: dict[str, Any], what: Action) -> teams.TeamView | None:
    """The team a settings button names, if the person may do `what` to it; else they are told why not."""
    workspace_id, user_id = workspace_id_of(body), user_id_of(body)
    value = str(action.get("value") or "")
    team_id = int(value) if value.isdigit() else 0
    try:
        teams.require_team_manager(deps, workspace_id, team_id, user_id, what)
    except teams.NotAllowed as error:
        t = translator_for(deps, workspace_id, user_id)
        deps.client.views_open(trigger_id=body["trigger_id"], view=notice_modal(t, refusal_text(t, error)))
        return None
    team = teams.team_view(deps, workspace_id, team_id)
    if team is None:  # e.g. another workspace's team id
        t = translator_for(deps, workspace_id, user_id)
        deps.client.views_open(trigger_id=body["trigger_id"], view=notice_modal(t, t("core.error.not_in_team")))
    return team


def _welcome_translator(deps: Deps, workspace_id: str, channel_id: str, inviter: str) -> Translator:
    """A channel post: in the team's language when the channel is a team already, else in the language of
    whoever invited the bot (they are the one to run `/pulse setup`)."""
    team_id = languages.channel_team_id(deps, workspace_id, channel_id)
    if team_id is not None or not inviter:
        return languages.translator_for_team(deps, workspace_id, team_id)
    return translator_for(deps, workspace_id, inviter)


def _bot_user_id(deps: Deps) -> str:
    try:
        return str(deps.client.auth_test()["user_id"])
    except SlackApiError:
        return ""


@subcommand("export", audience=MANAGERS, order=90)
def export(deps: Deps, command: PulseCommand) -> None:
    try:
        teams.require_admin(deps, command.workspace_id, command.user_id, Action.EXPORT)
    except teams.NotAllowed as error:
        refuse(command, error)
        return
    deps.run_later(_send_export, deps, command)  # the whole workspace's aggregates: not in the listener thread


def _send_export(deps: Deps, command: PulseCommand) -> None:
    from bot.services.export import export_csv

    content = export_csv(deps, command.workspace_id)
    channel = deps.client.conversations_open(users=command.user_id)["channel"]["id"]
    deps.client.files_upload_v2(
        channel=channel,
        content=content,
        filename="pulssi-export.csv",
        title=command.t("home.export.title"),
        initial_comment=command.t("home.export.done", k=deps.settings.anonymity_min),
    )
    reply(command, command.t("home.export.done", k=deps.settings.anonymity_min))


__all__ = ["refresh_home", "save_schedule"]
