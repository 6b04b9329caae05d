"""`/pulse language [fi|en|auto]`, `/pulse language team fi|en`, `/pulse whoami`, and the language buttons
(first pulse DM, Home, whoami). Parsing and rendering only; bot.services.languages does the work."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot.blocks import escape, mrkdwn
from bot.blocks.language import (
    CHOOSE_ACTION_PREFIX,
    language_choice_blocks,
    language_name,
    whoami_blocks,
    whoami_lines,
)
from bot.deps import Deps
from bot.domain.people import TeamView
from bot.i18n import parse_language
from bot.services import languages, teams
from bot.services.teams import NotAllowed
from handlers import pulse
from handlers.common import user_id_of, workspace_id_of
from handlers.delivery import refresh_home
from handlers.pulse import PulseCommand, reply, subcommand
from handlers.pulse_team import refuse

logger = logging.getLogger(__name__)

CLEAR_WORDS = frozenset({"auto", "automatic", "automaattinen", "reset", "clear"})
TEAM_WORDS = frozenset({"team", "tiimi"})


@subcommand("language", "kieli", order=15)
def language(deps: Deps, command: PulseCommand) -> None:
    words = command.args.split()
    if words and words[0].lower() in TEAM_WORDS:
        _team_language(deps, command, words[1:])
        return
    t = command.t
    if not words:
        current = languages.person_language(deps, command.workspace_id, command.user_id)
        text = t(
            "language.current",
            language=language_name(t, current.language),
            source=t(f"language.source.{current.source}"),
        )
        reply(command, text, [mrkdwn(text + "\n" + t("language.usage")), *language_choice_blocks(current.chosen)])
        return
    if len(words) == 1 and words[0].lower() in CLEAR_WORDS:
        languages.set_person_language(deps, command.workspace_id, command.user_id, None)
        now = languages.translator_for_person(deps, command.workspace_id, command.user_id)
        reply(command, now("language.reset.done", language=language_name(now, now.language)))
        _refresh_home(deps, command.workspace_id, command.user_id)
        return
    chosen = parse_language(words[0]) if len(words) == 1 else None
    if chosen is None:
        reply(command, t("language.unknown", value=escape(" ".join(words)[:40])) + "\n" + t("language.usage"))
        return
    languages.set_person_language(deps, command.workspace_id, command.user_id, chosen)
    now = languages.translator_for_person(deps, command.workspace_id, command.user_id)  # the new language
    reply(command, now("language.set.done", language=language_name(now, chosen)))
    _refresh_home(deps, command.workspace_id, command.user_id)


def _team_language(deps: Deps, command: PulseCommand, words: list[str]) -> None:
    t = command.t
    chosen = parse_language(words[0]) if len(words) == 1 else None
    if chosen is None:
        reply(command, t("language.unknown", value=escape(" ".join(words)[:40]) or "?") + "\n" + t("language.usage"))
        return
    team = _team_of(deps, command)
    if team is None:
        reply(command, t("language.team.no_team"))
        return
    try:
        languages.set_team_language(deps, command.workspace_id, team.id, command.user_id, chosen)
    except NotAllowed as error:
        refuse(command, error)
        return
    except teams.NoTeam:
        reply(command, t("language.team.no_team"))
        return
    reply(
        command,
        t("language.team.done", channel=team.channel_id, team=escape(team.name), language=language_name(t, chosen)),
    )


def _team_of(deps: Deps, command: PulseCommand) -> TeamView | None:
    """As `/pulse status` does: the team of this channel, else the person's home team."""
    try:
        return teams.team_for_channel(deps, command.workspace_id, command.channel_id)
    except teams.NoTeam:
        return teams.home_team_of(deps, command.workspace_id, command.user_id)


@subcommand("whoami", order=12)
def whoami(deps: Deps, command: PulseCommand) -> None:
    who = languages.who_am_i(deps, command.workspace_id, command.user_id)
    lines = whoami_lines(command.t, who)
    reply(command, lines[0], whoami_blocks(command.t, who))


def _refresh_home(deps: Deps, workspace_id: str, user_id: str) -> None:
    """Home shows the language; a failed publish must not hide the confirmation already sent."""
    try:
        refresh_home(deps, workspace_id, user_id)
    except SlackApiError as error:
        logger.info("Home not refreshed after a language change: %s", error.response.get("error"))


def register(app: App, deps: Deps) -> None:
    assert pulse is not None  # the /pulse dispatcher owns the command; this module adds subcommands

    @app.action(re.compile(f"^{CHOOSE_ACTION_PREFIX}[a-z]+$"))
    def language_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        chosen = parse_language(str(action.get("value") or ""))
        workspace_id, user_id = workspace_id_of(body), user_id_of(body)
        if chosen is None or not user_id:
            return
        languages.set_person_language(deps, workspace_id, user_id, chosen)
        t = languages.translator_for_person(deps, workspace_id, user_id)
        container = body.get("container") or {}
        if container.get("type") != "view" and body.get("response_url"):
            respond(
                text=t("language.set.done", language=language_name(t, chosen)),
                response_type="ephemeral",
                replace_original=False,
            )
        _refresh_home(deps, workspace_id, user_id)
