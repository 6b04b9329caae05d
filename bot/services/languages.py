"""Which language Pulssi speaks to a person or in a team's channel, and changing it.

Every text Pulssi sends picks its language here, through the one rule in `bot.i18n.choose_language`:
the person's choice, a Slack locale Pulssi supports, their home team's language, then DEFAULT_LANGUAGE.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import select

from bot.deps import Deps
from bot.domain.people import PersonLanguage

# Re-exported: bot.services.home still imports it from here.
from bot.domain.people import WhoAmI as WhoAmI
from bot.i18n import (
    CatalogTranslator,
    Language,
    choose_language,
    decide_language,
    parse_language,
    translator,
)
from bot.services import teams
from storage import repositories as repo
from storage.models import Person, Team

logger = logging.getLogger(__name__)


def person_language(deps: Deps, workspace_id: str, user_id: str, *, ask_slack: bool = True) -> PersonLanguage:
    """The language for everything Pulssi sends this person (DMs, ephemerals, Home, modals).

    `ask_slack=False` uses only a Slack locale already cached: for texts due before ack() (a modal's
    errors), which must never wait on users.info."""
    default = deps.settings.default_language
    if not user_id:
        return PersonLanguage(default, "default", None)
    chosen: str | None = None
    team_language: str | None = None
    if workspace_id:
        try:
            with deps.db.session_scope() as session:
                chosen = session.exec(
                    select(Person.language).where(Person.workspace_id == workspace_id, Person.user_id == user_id)
                ).first()
                home = repo.home_team(session, workspace_id, user_id)
                team_language = home.language if home is not None else None
        except OperationalError:
            # The "database unavailable" message itself is translated here: it must still go out.
            logger.warning("language lookup failed: the database is unavailable")
    return language_from(deps, user_id, chosen, team_language, ask_slack=ask_slack)


def language_from(
    deps: Deps, user_id: str, chosen: str | None, team_language: str | None, *, ask_slack: bool = True
) -> PersonLanguage:
    """person_language's rule for a caller that has read the person's stored choice and home team's language
    already (the outbox reads them with the DM's row)."""
    default = deps.settings.default_language
    locale: str | None = None
    if chosen is None and not ask_slack:
        known = deps.users.cached(user_id)
        locale = known.locale if known is not None else None
    elif chosen is None:  # Slack's locale matters only when the person has not chosen
        try:
            locale = deps.users.get(user_id).locale
        except SlackApiError:
            logger.warning("users.info failed for the locale; the language falls through to the team's")
    language, source = decide_language(chosen=chosen, slack_locale=locale, team=team_language, default=default)
    return PersonLanguage(language, source, parse_language(chosen))


def translator_for_person(deps: Deps, workspace_id: str, user_id: str, *, ask_slack: bool = True) -> CatalogTranslator:
    return translator(person_language(deps, workspace_id, user_id, ask_slack=ask_slack).language)


def team_language(deps: Deps, workspace_id: str, team_id: int | None) -> Language:
    """The language of what Pulssi posts in a team's channel (digests, celebrations)."""
    stored: str | None = None
    if team_id is not None:
        with deps.db.session_scope() as session:
            stored = session.exec(
                select(Team.language).where(Team.workspace_id == workspace_id, Team.id == team_id)
            ).first()
    return choose_language(chosen=None, slack_locale=None, team=stored, default=deps.settings.default_language)


def translator_for_team(deps: Deps, workspace_id: str, team_id: int | None) -> CatalogTranslator:
    return translator(team_language(deps, workspace_id, team_id))


def channel_team_id(deps: Deps, workspace_id: str, channel_id: str) -> int | None:
    with deps.db.session_scope() as session:
        team = repo.team_by_channel(session, workspace_id, channel_id)
        return team.id if team is not None else None


def set_person_language(deps: Deps, workspace_id: str, user_id: str, language: Language | None) -> None:
    """Store the person's choice (None forgets it, so the rule falls through to Slack and the team)."""
    try:
        _store_person_language(deps, workspace_id, user_id, language)
    except IntegrityError:
        # A double click inserted the person's row first; the row exists now, so this is an update.
        _store_person_language(deps, workspace_id, user_id, language)


def _store_person_language(deps: Deps, workspace_id: str, user_id: str, language: Language | None) -> None:
    with deps.db.session_scope() as session:
        person = repo.person(session, workspace_id, user_id)
        if person is None:
            if language is None:
                return
            person = Person(workspace_id=workspace_id, user_id=user_id)
        person.language = language
        session.add(person)


def set_team_language(deps: Deps, workspace_id: str, team_id: int, actor: str, language: Language) -> None:
    """The team's managers and workspace admins set the language of the team's channel posts."""
    teams.require_team_manager(deps, workspace_id, team_id, actor)
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise teams.NoTeam()
        team.language = language
        session.add(team)


def who_am_i(deps: Deps, workspace_id: str, user_id: str) -> WhoAmI:
    home = teams.home_team_of(deps, workspace_id, user_id)
    with deps.db.session_scope() as session:
        managed_ids = repo.managed_team_ids(session, workspace_id, user_id)
        managed = tuple(
            sorted(
                str(name)
                for name in session.exec(
                    select(Team.name).where(Team.workspace_id == workspace_id, Team.id.in_(managed_ids or [-1]))  # type: ignore[union-attr]
                ).all()
            )
        )
    try:
        is_admin = teams.is_admin(deps, workspace_id, user_id)
    except SlackApiError:
        logger.warning("users.info failed; whoami shows no admin role")
        is_admin = False
    return WhoAmI(
        home,
        managed,
        is_admin,
        person_language(deps, workspace_id, user_id),
        team_language(deps, workspace_id, home.id if home else None),
    )
