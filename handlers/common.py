"""Small helpers every handler uses: workspace id, the caller's translator, friendly errors."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.domain import slack_errors
from bot.domain.slack_text import decode_entities
from bot.i18n import CatalogTranslator, translator
from bot.services.languages import translator_for_person
from bot.services.slack_problems import error_code

logger = logging.getLogger(__name__)


def workspace_id_of(body: dict[str, Any]) -> str:
    """The installation a request belongs to, which is not always the actor's workspace.

    - An org-wide Enterprise Grid install (`is_enterprise_install` true; in events, `authorizations[0]`'s)
      is one installation for every workspace of the org: its id is the enterprise's (`E…`). Its payloads
      send `team: null` and the person's own workspace in `user.team_id`, which may be any of the org's.
    - In a Slack Connect channel `team` is the person's own organisation; only `view.app_installed_team_id`
      (or an event's `authorizations[0].team_id`) names the installation.
    - An event names the installation it is delivered to in `authorizations[0]`, which Bolt authorizes by:
      its top-level `team_id` is where the event happened, another workspace for a channel shared between
      two installations. Data is looked up where the token Bolt picked belongs.
    - Otherwise the workspace (`T…`).
    """
    enterprise = enterprise_install_of(body)
    if enterprise:
        return enterprise
    receiving = _receiving_team(body)
    if receiving:
        return receiving
    view = body.get("view")
    installed = view.get("app_installed_team_id") if isinstance(view, dict) else None
    if isinstance(installed, str) and installed[:1] in ("T", "E"):
        return installed
    if isinstance(body.get("team_id"), str) and body["team_id"]:
        return str(body["team_id"])
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    if isinstance(view, dict) and view.get("team_id"):
        return str(view["team_id"])
    return ""


def _receiving_team(body: dict[str, Any]) -> str:
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list) and authorizations and isinstance(authorizations[0], dict):
        team_id = authorizations[0].get("team_id")
        if isinstance(team_id, str) and team_id:
            return team_id
    return ""


def enterprise_install_of(body: dict[str, Any]) -> str:
    """The org's id when the request came through an org-wide install; "" otherwise.

    Slash commands say `is_enterprise_install` as the string "true" (form fields are strings); interaction
    payloads as a boolean next to an `enterprise` object; events in `authorizations[0]`, which is what names
    the receiving installation when an event comes from a channel shared with another org."""
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list) and authorizations and isinstance(authorizations[0], dict):
        first = authorizations[0]
        if first.get("is_enterprise_install") is True and isinstance(first.get("enterprise_id"), str):
            return str(first["enterprise_id"])
        return ""
    if body.get("is_enterprise_install") not in (True, "true"):
        return ""
    enterprise = body.get("enterprise")
    if isinstance(enterprise, dict) and isinstance(enterprise.get("id"), str):
        return str(enterprise["id"])
    if isinstance(body.get("enterprise_id"), str):
        return str(body["enterprise_id"])
    return ""


def user_id_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or "")


def command_text(body: dict[str, Any]) -> str:
    """A slash command's text as the person typed it, without surrounding whitespace: Slack sends `&`, `<`
    and `>` as entities, which our own escaping on the way out would otherwise show (`R&amp;D`)."""
    return decode_entities(str(body.get("text") or "")).strip()


def shortcut_message_text(body: dict[str, Any]) -> str:
    """The text of the message a message shortcut was used on, decoded as `command_text` is (its mentions and
    links stay Slack's `<…>` markup)."""
    message = body.get("message")
    return decode_entities(str(message.get("text") or "")) if isinstance(message, dict) else ""


def translator_for(deps: Deps, workspace_id: str, user_id: str) -> CatalogTranslator:
    """The caller's language by Pulssi's rule (their choice, a supported Slack locale, their team, the default)."""
    if not user_id:
        return translator(deps.settings.default_language)
    return translator_for_person(deps, workspace_id, user_id)


def translator_before_ack(deps: Deps, workspace_id: str, user_id: str) -> CatalogTranslator:
    """translator_for without a Slack call (a cached locale at most): for a submission's errors, which go
    out with ack() and so within Slack's 3 seconds."""
    if not user_id:
        return translator(deps.settings.default_language)
    return translator_for_person(deps, workspace_id, user_id, ask_slack=False)


def friendly_error(
    deps: Deps, body: dict[str, Any], respond: Any, key: str, *, dm_if_no_response_url: bool = False
) -> None:
    """Tell the person something went wrong, without a stack trace; never raise from here.

    Home and modal actions have no response_url; with `dm_if_no_response_url` they get an ephemeral note in
    their DM with Pulssi instead (`private_note`): a kept DM right after a click on Home would tell Slack's
    exports that the person just answered a pulse, opened the tough-moment form or asked to delete their data."""
    if not isinstance(body, dict):
        return
    has_response_url = bool(body.get("response_url") or body.get("response_urls"))
    if not has_response_url or respond is None:
        user_id = user_id_of(body)
        if dm_if_no_response_url and user_id:
            try:
                private_note(deps, user_id, translator_for(deps, workspace_id_of(body), user_id)(key))
            except Exception:  # the error path must not fail; the traceback is logged
                logger.warning("could not tell the user about an error", exc_info=True)
        return
    try:
        t = translator_for(deps, workspace_id_of(body), user_id_of(body))
        respond(text=t(key), response_type="ephemeral", replace_original=False)
    except Exception:  # the error path must not fail; the traceback is logged
        logger.warning("could not tell the user about an error", exc_info=True)


def private_note(deps: Deps, user_id: str, text: str) -> None:
    """An ephemeral note in the person's DM with Pulssi: where a click on Home (no response_url, no channel) is
    answered when no modal can open. Slack keeps no ephemeral, so nothing kept says what they clicked, or when."""
    channel = str(deps.client.conversations_open(users=user_id)["channel"]["id"])
    deps.client.chat_postEphemeral(channel=channel, user=user_id, text=text)


def ephemeral_or_dm(
    deps: Deps, channel_id: str, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None
) -> None:
    """An ephemeral in the channel; a DM when the person isn't in it (chat.postEphemeral answers
    user_not_in_channel) or Pulssi can't post there. Other errors are the caller's."""
    try:
        deps.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
    except SlackApiError as error:
        if slack_errors.for_ephemeral(error_code(error)) is not slack_errors.Outcome.NOT_IN_CHANNEL_EPHEMERAL:
            raise
        deps.client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
