"""Teams: set up from a channel, members refreshed from Slack, managers, home teams, settings."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, delete, select

from bot.deps import Deps
from bot.domain import audience as audience_domain
from bot.domain import policy
from bot.domain.audience import Audience

# Re-exported: handlers.home, handlers.cxreport and bot.services.home still import it from here.
from bot.domain.people import TeamView as TeamView
from bot.domain.workspaces import is_org_install
from bot.services import team_access
from bot.user_directory import SlackUser
from storage import repositories as repo
from storage.models import Membership, Team, TeamManager

logger = logging.getLogger(__name__)


class NotAllowed(Exception):
    """The caller may not do this; `managers` says who can (for the refusal message)."""

    def __init__(
        self, managers: list[str], admins_only: bool = False, team_people: bool = False, org_admins_only: bool = False
    ) -> None:
        super().__init__("not allowed")
        self.managers = managers
        self.admins_only = admins_only or org_admins_only
        self.org_admins_only = org_admins_only  # spans an org-wide install's every workspace: its org admins
        self.team_people = team_people  # the team's members may too (status)


class NoTeam(Exception):
    pass


class ChannelNotReady(Exception):
    """Pulssi can't post in the channel, so it can't be a team's channel yet; `reason` names the fix:
    not_member (public channel, bot not invited), not_found (private channel the bot isn't in, or gone),
    archived."""

    def __init__(self, channel_id: str, reason: str) -> None:
        super().__init__(f"{channel_id}: {reason}")
        self.channel_id = channel_id
        self.reason = reason


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


def is_admin(deps: Deps, workspace_id: str, user_id: str) -> bool:
    """An admin of the whole installation, or (org-wide Grid installs) of one of its workspaces."""
    actor = _admin_facts(workspace_id, deps.users.get(user_id))
    return actor.is_admin or bool(actor.admin_of)


def _admin_facts(workspace_id: str, user: SlackUser) -> policy.Actor:
    """Whose admin a person is here, from users.info. Only the installation's own people are anyone's admin:
    a Slack Connect admin of another org (or a workspace admin of another workspace) is nobody's here.

    A workspace install (Grid or not): its workspace admins and owners, and its org's admins and owners.
    An org-wide install (`workspace_id` E…): the org's admins and owners for everything; a workspace's
    admins and owners for that workspace's teams (`admin_of`, checked against a team's `slack_team_id`)."""
    if not audience_domain.belongs(user.account, workspace_id):
        return policy.Actor()
    if not is_org_install(workspace_id):
        return policy.Actor(is_admin=user.is_org_admin or user.is_workspace_admin)
    workspace_admin = user.is_workspace_admin and bool(user.team_id)
    return policy.Actor(
        is_admin=user.is_org_admin, admin_of=frozenset({str(user.team_id)}) if workspace_admin else frozenset()
    )


def actor_of(deps: Deps, workspace_id: str, user_id: str) -> policy.Actor:
    """The person's roles in this installation (every query is filtered by it), for `policy.may`.

    A person from outside it (Slack Connect, or a workspace the install doesn't cover) has none, even if a
    row names them: never a member's view of a team, never a manager's report."""
    user = deps.users.get(user_id)
    if _is_outsider(user, workspace_id):
        return policy.Actor()
    admin = _admin_facts(workspace_id, user)
    with deps.db.session_scope() as session:
        home = repo.home_team(session, workspace_id, user_id)
        managed = frozenset(repo.managed_team_ids(session, workspace_id, user_id))
    return replace(admin, home_team=home.id if home else None, managed=managed)


def _is_outsider(user: SlackUser, workspace_id: str) -> bool:
    return audience_domain.left_out_reason(user.account, workspace_id) is audience_domain.LeftOut.EXTERNAL


def is_outsider(deps: Deps, workspace_id: str, user_id: str, *, ask_slack: bool = True) -> bool:
    """Whether the person is from outside the installation (Slack Connect, another workspace or org), or no
    longer reached by it (an org-wide install taken out of every workspace of theirs: bot.services.team_access),
    so a job's DM (a nudge, a tough moment, a conversation reply) never goes to them."""
    user = deps.users.get(user_id) if ask_slack else deps.users.cached(user_id)
    if user is None:
        return False
    if _is_outsider(user, workspace_id):
        return True
    revoked = team_access.revoked_workspaces(deps, workspace_id) if is_org_install(workspace_id) else frozenset()
    return not audience_domain.in_granted_workspace(user.account, revoked)


def place_of(deps: Deps, workspace_id: str, team_id: int | None) -> str | None:
    """The Slack workspace a team belongs to in an org-wide install (None elsewhere, or for no team)."""
    if team_id is None or not is_org_install(workspace_id):
        return None
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        return team.slack_team_id if team else None


def may(deps: Deps, workspace_id: str, user_id: str, action: policy.Action, team_id: int | None = None) -> bool:
    return policy.may(
        actor_of(deps, workspace_id, user_id), action, team_id, place=place_of(deps, workspace_id, team_id)
    )


def require(deps: Deps, workspace_id: str, user_id: str, action: policy.Action, team_id: int | None = None) -> None:
    """Raise NotAllowed (naming the team's managers, for the refusal) unless `policy.may` allows it."""
    if may(deps, workspace_id, user_id, action, team_id):
        return
    audience = policy.AUDIENCE[action]
    if audience is policy.Audience.ADMINS or team_id is None:
        raise NotAllowed([], admins_only=True)
    with deps.db.session_scope() as session:
        raise NotAllowed(repo.manager_ids(session, workspace_id, team_id), team_people=audience is policy.Audience.TEAM)


def require_admin(
    deps: Deps,
    workspace_id: str,
    user_id: str,
    action: policy.Action = policy.Action.SET_UP_TEAM,
    *,
    place: str | None = None,
) -> None:
    """Admin-only actions need no team lookup: being an admin (here, or of `place`'s workspace) is what counts."""
    if not policy.may(_admin_facts(workspace_id, deps.users.get(user_id)), action, place=place):
        org_wide = is_org_install(workspace_id) and action in policy.WHOLE_INSTALLATION
        raise NotAllowed([], admins_only=True, org_admins_only=org_wide)


def require_team_manager(
    deps: Deps, workspace_id: str, team_id: int, user_id: str, action: policy.Action = policy.Action.SET_SCHEDULE
) -> None:
    """Admins and the team's managers may change a team or start rounds."""
    require(deps, workspace_id, user_id, action, team_id)


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


def team_view(deps: Deps, workspace_id: str, team_id: int) -> TeamView | None:
    """A team of this workspace by id; None for another workspace's id (a forged button value or metadata)."""
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        return view_of(session, team) if team else None


def first_managed_team(deps: Deps, workspace_id: str, user_id: str) -> TeamView | None:
    """The first team the person manages, if any: the default of the report and the action form."""
    with deps.db.session_scope() as session:
        managed = repo.managed_team_ids(session, workspace_id, user_id)
        team = repo.team_by_id(session, workspace_id, managed[0]) if managed else None
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
) -> tuple[TeamView, bool, Audience]:
    """Make the channel a team (admins only), then claim its members. Returns (team, created, who is pulsed).

    Refused with ChannelNotReady unless Pulssi is a member of the channel (it must post results there).
    In an org-wide Grid install the team belongs to its channel's workspace, whose admins may set it up.
    """
    org_wide = is_org_install(workspace_id)
    if not org_wide:
        require_admin(deps, workspace_id, actor, policy.Action.SET_UP_TEAM)
    now = deps.now()
    name, host = _channel_facts(deps, channel_id, channel_name)
    person = deps.users.get(actor)
    place = (host or person.team_id) if org_wide else None
    if org_wide:
        with deps.db.session_scope() as session:
            existing = repo.team_by_channel(session, workspace_id, channel_id)
            place = existing.slack_team_id if existing and existing.slack_team_id else place
        require_admin(deps, workspace_id, actor, policy.Action.SET_UP_TEAM, place=place)
    with deps.db.session_scope() as session:
        workspace = repo.ensure_workspace(session, workspace_id, now)
        if workspace.enterprise_id is None and (org_wide or person.enterprise_id):
            workspace.enterprise_id = workspace_id if org_wide else person.enterprise_id
            session.add(workspace)
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
                slack_team_id=place,
            )
            session.add(team)
            session.flush()
        assert team.id is not None
        team_id = team.id
        # Setting up again (after `/invite @Pulssi`) is how a channel problem gets fixed.
        team.channel_problem = None
        team.channel_problem_at = None
        session.add(team)
    audience, _members = _refresh(deps, workspace_id, team_id)
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        assert team is not None
        return view_of(session, team), created, audience


def refresh_members(deps: Deps, workspace_id: str, team_id: int) -> list[str]:
    """The channel's full members become (or stay) the team's members, unless another team claimed them first.

    Guests, people from other organisations, bots and deactivated accounts are left out (bot.domain.audience),
    so they are never pulsed and never count toward ANONYMITY_MIN. Returns the team's active member ids.
    """
    return _refresh(deps, workspace_id, team_id)[1]


def _refresh(deps: Deps, workspace_id: str, team_id: int) -> tuple[Audience, list[str]]:
    # Slack calls happen before the transaction so the database is never held open across the network.
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise NoTeam()
        channel_id = team.channel_id
        revoked = team_access.revoked_of(session, workspace_id)
    audience = audience_domain.sort_members(
        (deps.users.get(u).account for u in dict.fromkeys(_channel_member_ids(deps, channel_id))),
        workspace_id,
        revoked,
    )
    humans = list(audience.pulsed)
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
        # People who left the channel stop getting this team's pulses (their home team is freed). Those whose
        # workspace the org took Pulssi out of stay members, inactive, until it is granted again.
        for gone in session.exec(
            select(Membership).where(
                Membership.workspace_id == workspace_id,
                Membership.team_id == team_id,
                col(Membership.user_id).not_in(humans or [""]),
            )
        ):
            if gone.user_id in audience.removed:
                gone.active = False
                session.add(gone)
            else:
                session.delete(gone)
        return audience, repo.active_member_ids(session, workspace_id, team_id)


def rename_team(deps: Deps, workspace_id: str, team_id: int, actor: str, new_name: str) -> None:
    require_admin(deps, workspace_id, actor, policy.Action.RENAME_TEAM, place=place_of(deps, workspace_id, team_id))
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise NoTeam()
        team.name = new_name.strip()[:200]
        team.name_is_custom = True
        session.add(team)


def set_managers(
    deps: Deps, workspace_id: str, team_id: int, actor: str, user_ids: Iterable[str], *, ask_slack: bool = True
) -> list[str]:
    """The team's managers become `user_ids`, less anyone from outside the installation (a manager gets the
    team's reports and nudges). `ask_slack=False` (before a modal's ack) judges by what is cached; the
    roles (actor_of) and nudges check again, so an outsider let through gets nothing."""
    require_team_manager(deps, workspace_id, team_id, actor, policy.Action.SET_MANAGERS)
    wanted = [u for u in dict.fromkeys(user_ids) if not is_outsider(deps, workspace_id, u, ask_slack=ask_slack)]
    with deps.db.session_scope() as session:
        if repo.team_by_id(session, workspace_id, team_id) is None:  # e.g. another workspace's team id
            raise NoTeam()
        session.execute(
            delete(TeamManager).where(
                col(TeamManager.workspace_id) == workspace_id, col(TeamManager.team_id) == team_id
            )
        )
        for user_id in wanted:
            session.add(TeamManager(workspace_id=workspace_id, team_id=team_id, user_id=user_id))
    return wanted


def move_person(deps: Deps, workspace_id: str, actor: str, user_id: str, channel_id: str) -> TeamView:
    with deps.db.session_scope() as session:
        target = repo.team_by_channel(session, workspace_id, channel_id)
        place = target.slack_team_id if target and is_org_install(workspace_id) else None
    require_admin(deps, workspace_id, actor, policy.Action.MOVE_PERSON, place=place)
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
    require_team_manager(deps, workspace_id, team_id, actor, policy.Action.SET_WINS_CHANNEL)
    with deps.db.session_scope() as session:
        team = repo.team_by_id(session, workspace_id, team_id)
        if team is None:
            raise NoTeam()
        team.wins_channel_id = channel_id
        session.add(team)


def channels_of(deps: Deps, user_id: str, workspace_id: str = "") -> set[str]:
    """The public and private channels the person is in that Pulssi can see (one paged call, not one per team).
    When Slack can't tell, none: a person is then offered no team rather than every team.

    An org-wide install's token spans the org, and users.conversations then wants the workspace (`team_id`):
    the person's own."""
    channels: set[str] = set()
    cursor: str | None = None
    scope: dict[str, str] = {}
    if is_org_install(workspace_id):
        team_id = deps.users.get(user_id).team_id
        scope = {"team_id": team_id} if team_id else {}
    try:
        while True:
            response = deps.client.users_conversations(
                user=user_id,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
                **scope,
            )
            channels.update(str(c.get("id")) for c in response.get("channels") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return channels
    except SlackApiError as error:
        logger.warning("users.conversations failed: %s", error.response.get("error"))
        return set()


def _channel_member_ids(deps: Deps, channel_id: str) -> list[str]:
    members: list[str] = []
    cursor: str | None = None
    while True:
        response = deps.client.conversations_members(channel=channel_id, cursor=cursor, limit=200)
        members.extend(response.get("members", []))
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return members


def check_channel(deps: Deps, channel_id: str, fallback_name: str, *, client: WebClient | None = None) -> str:
    """The channel's name, once conversations.info shows Pulssi can post there; else ChannelNotReady.

    Reading a public channel needs no membership (`is_member: false` comes back), posting does; a private
    channel the bot isn't in answers `channel_not_found`.
    """
    return _channel_facts(deps, channel_id, fallback_name, client=client)[0]


def _channel_facts(
    deps: Deps, channel_id: str, fallback_name: str, *, client: WebClient | None = None
) -> tuple[str, str | None]:
    """check_channel's name, and the workspace the channel belongs to when Slack says (Grid:
    `conversation_host_id`, the workspace that made it, even when it is shared with others of the org)."""
    try:
        info = (client or deps.client).conversations_info(channel=channel_id)
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if code == "channel_not_found":
            raise ChannelNotReady(channel_id, "not_found") from error
        logger.warning("conversations.info failed for %s (%s); using the given channel name", channel_id, code)
        return fallback_name or channel_id, None
    except OSError as error:  # a budgeted client's timeout: undecided, like an error Slack answered
        logger.warning("conversations.info failed for %s (%s); using the given channel name", channel_id, error)
        return fallback_name or channel_id, None
    channel = info.get("channel") or {}
    if channel.get("is_archived"):
        raise ChannelNotReady(channel_id, "archived")
    if channel.get("is_member") is False:
        raise ChannelNotReady(channel_id, "not_member")
    host = channel.get("conversation_host_id")
    name = str(channel.get("name") or fallback_name or channel_id)
    return name, str(host) if isinstance(host, str) and host else None


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
