"""Teams: set up from a channel, members refreshed from Slack, managers, home teams, settings."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, delete, select

from bot.deps import Deps
from storage import repositories as repo
from storage.models import Membership, Team, TeamManager

logger = logging.getLogger(__name__)


class NotAllowed(Exception):
    """The caller may not do this; `managers` says who can (for the refusal message)."""

    def __init__(self, managers: list[str], admins_only: bool = False) -> None:
        super().__init__("not allowed")
        self.managers = managers
        self.admins_only = admins_only


class NoTeam(Exception):
    pass


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


def view_of(session: Session, team: Team, managers: Iterable[str] | None = None) -> TeamView:
    """The team as services hand it on; its managers are read unless given."""
    assert team.id is not None
    return TeamView(
        id=team.id,
        name=team.name,
        channel_id=team.channel_id,
        channel_name=team.channel_name,
        every_weeks=team.every_weeks,
        weekday=team.weekday,
        at_time=team.at_time,
        timezone=team.timezone,
        wins_channel_id=team.wins_channel_id,
        managers=tuple(repo.manager_ids(session, team.workspace_id, team.id) if managers is None else managers),
    )


def workspace_views(session: Session, workspace_id: str) -> tuple[TeamView, ...]:
    """Every team of the workspace, in two queries however many teams there are."""
    managers = repo.managers_by_team(session, workspace_id)
    return tuple(view_of(session, team, managers.get(team.id or 0, ())) for team in repo.teams(session, workspace_id))


def is_workspace_admin(deps: Deps, user_id: str) -> bool:
    return deps.users.get(user_id).is_workspace_admin


def require_admin(deps: Deps, user_id: str) -> None:
    if not is_workspace_admin(deps, user_id):
        raise NotAllowed([], admins_only=True)


def require_team_manager(deps: Deps, workspace_id: str, team_id: int, user_id: str) -> None:
    """Workspace admins/owners and the team's managers may change a team or start rounds."""
    if is_workspace_admin(deps, user_id):
        return
    with deps.db.session_scope() as session:
        if repo.is_manager(session, workspace_id, team_id, user_id):
            return
        raise NotAllowed(repo.manager_ids(session, workspace_id, team_id))


def team_for_channel(deps: Deps, workspace_id: str, channel_id: str) -> TeamView:
    with deps.db.session_scope() as session:
        team = repo.team_by_channel(session, workspace_id, channel_id)
        if team is None:
            raise NoTeam()
        return view_of(session, team)


def home_team_of(deps: Deps, workspace_id: str, user_id: str) -> TeamView | None:
    with deps.db.session_scope() as session:
        team = repo.home_team(session, workspace_id, user_id)
        return view_of(session, team) if team else None


def find_team(deps: Deps, workspace_id: str, reference: str) -> TeamView | None:
    """A team by `<#C123|name>`, `#name`, channel id or team name (case-insensitive)."""
    with deps.db.session_scope() as session:
        team = team_by_reference(session, workspace_id, reference)
        return view_of(session, team) if team else None


def team_by_reference(session: Session, workspace_id: str, reference: str) -> Team | None:
    """find_team's rule on an open session: the shell's `report --team` resolves names as /cxreport does."""
    reference = reference.strip()
    channel_id = _channel_id_from_mention(reference)
    team = repo.team_by_channel(session, workspace_id, channel_id) if channel_id else None
    if team is None:
        team = repo.team_by_name(session, workspace_id, reference)
    return team


def setup_team(
    deps: Deps, workspace_id: str, channel_id: str, channel_name: str, actor: str
) -> tuple[TeamView, bool, int]:
    """Make the channel a team (admins only), then claim its members. Returns (team, created, members)."""
    require_admin(deps, actor)
    now = deps.now()
    name = _channel_name(deps, channel_id, channel_name)
    with deps.db.session_scope() as session:
        repo.ensure_workspace(session, workspace_id, now)
        team = repo.team_by_channel(session, workspace_id, channel_id)
        created = team is None
        if team is None:
            team = Team(
                workspace_id=workspace_id,
                channel_id=channel_id,
                channel_name=name,
                name=name,
                timezone=deps.settings.default_timezone,
                created_at=now,
                created_by=actor,
            )
            session.add(team)
            session.flush()
        assert team.id is not None
        team_id = team.id
    members = refresh_members(deps, workspace_id, team_id)
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        assert team is not None
        return view_of(session, team), created, len(members)


def refresh_members(deps: Deps, workspace_id: str, team_id: int) -> list[str]:
    """The channel's human members become (or stay) the team's members, unless another team claimed them first.

    Slack calls happen before the transaction so the database is never held open across the network.
    """
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise NoTeam()
        channel_id = team.channel_id
    humans = [u for u in _channel_member_ids(deps, channel_id) if deps.users.get(u).is_human]
    with deps.db.session_scope() as session:
        existing = {
            m.user_id: m
            for m in session.exec(
                select(Membership).where(
                    Membership.workspace_id == workspace_id, col(Membership.user_id).in_(humans or [""])
                )
            )
        }
        for user_id in humans:
            current = existing.get(user_id)
            if current is None:
                session.add(Membership(workspace_id=workspace_id, user_id=user_id, team_id=team_id))
            elif current.team_id == team_id and not current.active:
                current.active = True
                session.add(current)
        # People who left the channel stop getting this team's pulses (their home team is freed).
        for gone in session.exec(
            select(Membership).where(
                Membership.workspace_id == workspace_id,
                Membership.team_id == team_id,
                col(Membership.user_id).not_in(humans or [""]),
            )
        ):
            session.delete(gone)
        return repo.active_member_ids(session, workspace_id, team_id)


def rename_team(deps: Deps, workspace_id: str, team_id: int, actor: str, new_name: str) -> None:
    require_admin(deps, actor)
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise NoTeam()
        team.name = new_name.strip()[:200]
        team.name_is_custom = True
        session.add(team)


def set_managers(deps: Deps, workspace_id: str, team_id: int, actor: str, user_ids: Iterable[str]) -> list[str]:
    require_team_manager(deps, workspace_id, team_id, actor)
    wanted = list(dict.fromkeys(user_ids))
    with deps.db.session_scope() as session:
        session.execute(
            delete(TeamManager).where(
                col(TeamManager.workspace_id) == workspace_id, col(TeamManager.team_id) == team_id
            )
        )
        for user_id in wanted:
            session.add(TeamManager(workspace_id=workspace_id, team_id=team_id, user_id=user_id))
    return wanted


def move_person(deps: Deps, workspace_id: str, actor: str, user_id: str, channel_id: str) -> TeamView:
    require_admin(deps, actor)
    with deps.db.session_scope() as session:
        team = repo.team_by_channel(session, workspace_id, channel_id)
        if team is None or team.id is None:
            raise NoTeam()
        current = repo.membership(session, workspace_id, user_id)
        if current is None:
            session.add(Membership(workspace_id=workspace_id, user_id=user_id, team_id=team.id, moved_by_admin=True))
        else:
            current.team_id = team.id
            current.moved_by_admin = True
            current.active = True
            session.add(current)
        return view_of(session, team)


def set_wins_channel(deps: Deps, workspace_id: str, team_id: int, actor: str, channel_id: str | None) -> None:
    require_team_manager(deps, workspace_id, team_id, actor)
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise NoTeam()
        team.wins_channel_id = channel_id
        session.add(team)


def _channel_member_ids(deps: Deps, channel_id: str) -> list[str]:
    members: list[str] = []
    cursor: str | None = None
    while True:
        response = deps.client.conversations_members(channel=channel_id, cursor=cursor, limit=200)
        members.extend(response.get("members", []))
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return members


def _channel_name(deps: Deps, channel_id: str, fallback: str) -> str:
    try:
        info = deps.client.conversations_info(channel=channel_id)
        return str(info["channel"].get("name") or fallback)
    except SlackApiError:
        logger.warning("conversations.info failed for %s; using the command's channel name", channel_id)
        return fallback or channel_id


def _channel_id_from_mention(text: str) -> str | None:
    """Slack escapes channel mentions as <#C123|name> (should_escape in the manifest)."""
    if text.startswith("<#") and text.endswith(">"):
        return text[2:-1].split("|", 1)[0]
    if text[:1] in ("C", "G") and text.isalnum() and text.isupper():
        return text
    return None


def user_ids_from_mentions(text: str) -> list[str]:
    import re

    return re.findall(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", text)


def channel_id_from_mention(text: str) -> str | None:
    import re

    match = re.search(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>", text)
    return match.group(1) if match else None
