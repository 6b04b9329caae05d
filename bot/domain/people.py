"""Plain views of a team and of where a person stands, as services hand them to blocks and handlers.

They live in the domain so that Block Kit builders (bot.blocks) can take them without importing a service.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Language, LanguageSource


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    channel_id: str
    channel_name: str
    every_weeks: int
    weekday: int
    at_time: str
    timezone: str
    wins_channel_id: str | None
    managers: tuple[str, ...]


@dataclass(frozen=True)
class PersonLanguage:
    """A person's language and where it came from (for `/pulse whoami` and Home)."""

    language: Language
    source: LanguageSource  # which step of the rule decided it
    chosen: Language | None  # the person's own choice, None when not made


@dataclass(frozen=True)
class WhoAmI:
    """Where a person stands: home team, roles, language (for `/pulse whoami` and Home)."""

    home_team: TeamView | None
    managed_teams: tuple[str, ...]  # names of the teams the person manages
    is_admin: bool
    language: PersonLanguage
    team_language: Language  # of the home team's channel posts (the default when there is no home team)
