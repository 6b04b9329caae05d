"""Choosing a language, offered in both languages (the person may not read the one Pulssi guessed), and
"where am I": home team, roles, language and how to change each."""

from __future__ import annotations

from bot.blocks import Block, actions, button, context, escape, mrkdwn
from bot.domain.people import WhoAmI
from bot.i18n import LANGUAGES, Language, Translator, translate

CHOOSE_ACTION_PREFIX = "language_choose_"


def language_choice_blocks(current: Language | None) -> list[Block]:
    """ "Which language?" in every language Pulssi has, and a button per language (the current one marked)."""
    prompt = " / ".join(translate(language, "language.choice.prompt") for language in LANGUAGES)
    buttons = [
        button(
            translate(language, f"language.endonym.{language}"),
            f"{CHOOSE_ACTION_PREFIX}{language}",
            language,
            style="primary" if language == current else None,
        )
        for language in LANGUAGES
    ]
    return [context(":speech_balloon: " + prompt), actions("language_choice", buttons)]


def language_name(t: Translator, language: Language) -> str:
    return t(f"language.name.{language}")


def whoami_lines(t: Translator, who: WhoAmI) -> list[str]:
    """What `/pulse whoami` says and Home shows, one line per fact, each with how to change it."""
    lines = [t("whereami.title")]
    if who.home_team is None:
        lines.append(t("whereami.no_home_team"))
    else:
        lines.append(t("whereami.home_team", team=escape(who.home_team.name), channel=who.home_team.channel_id))
        lines.append(t("whereami.home_team.change"))
    roles: list[str] = []
    if who.is_admin:
        roles.append(t("whereami.role.admin"))
    if who.managed_teams:
        roles.append(t("whereami.role.manager", teams=", ".join(escape(name) for name in who.managed_teams)))
    if who.home_team is not None:
        roles.append(t("whereami.role.member"))
    lines.append(t("whereami.roles", roles=", ".join(roles) or t("whereami.role.none")))
    lines.append(t("whereami.roles.change"))
    language = who.language
    lines.append(
        t(
            "whereami.language",
            language=language_name(t, language.language),
            source=t(f"language.source.{language.source}"),
        )
    )
    lines.append(t("whereami.language.change"))
    if who.home_team is not None:
        team_language = language_name(t, who.team_language)
        lines.append(t("whereami.team_language", team=escape(who.home_team.name), language=team_language))
    return lines


def whoami_blocks(t: Translator, who: WhoAmI) -> list[Block]:
    return [mrkdwn("\n".join(whoami_lines(t, who))), *language_choice_blocks(who.language.chosen)]
