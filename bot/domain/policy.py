"""Who may do what: the one place Pulssi's roles are decided. Pure: callers say who the person is.

Roles, all within one installation (every lookup that builds an `Actor` is filtered by the installation the
request came from, so a person of another workspace or org has no role here):
- an admin of the installation may do everything: a workspace admin or owner; an Enterprise Grid org admin
  or owner (of the workspace's org, or of the org that installed Pulssi org-wide);
- in an org-wide install, a workspace's admins run that workspace's teams (set up, rename, move people,
  schedules, reports) but not what spans the org (export, the CX feed, the whole-org report);
- a team's managers may run their team (schedule, rounds, managers, wins channel, its report);
- a team's members, its managers and admins may see its status;
- anyone may do what concerns only themselves (answer, mute, delete their data, share a win);
- one thing is for a team's own managers alone, not even admins: replying to the team's anonymous comments
  (a conversation with an author belongs to the people who lead them).

A team's managers are not pulsed as its members: a manager sees the team's report, and a viewer whose own
answer is inside a group result can subtract it (k counts the others only when the viewer isn't one of them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Action(StrEnum):
    # the workspace: admins only
    SET_UP_TEAM = "set_up_team"
    RENAME_TEAM = "rename_team"
    MOVE_PERSON = "move_person"
    EXPORT = "export"
    CX_FEED = "cx_feed"
    WORKSPACE_REPORT = "workspace_report"
    # one team: its managers and admins
    SET_MANAGERS = "set_managers"
    SET_SCHEDULE = "set_schedule"
    START_ROUND = "start_round"
    CLOSE_ROUND = "close_round"
    SET_WINS_CHANNEL = "set_wins_channel"
    TEAM_REPORT = "team_report"
    SEE_PARTICIPATION = "see_participation"  # Home's per-round counts (k-gated)
    # one team: its members, its managers and admins
    TEAM_STATUS = "team_status"
    # one team: its own managers only
    REPLY_TO_COMMENT = "reply_to_comment"


class Audience(StrEnum):
    """Who an action is for; a refusal says so."""

    ADMINS = "admins"
    MANAGERS = "managers"  # the team's managers and admins
    TEAM = "team"  # the team's members, its managers and admins
    TEAM_MANAGERS = "team_managers"  # the team's own managers, not admins


AUDIENCE: dict[Action, Audience] = {
    Action.SET_UP_TEAM: Audience.ADMINS,
    Action.RENAME_TEAM: Audience.ADMINS,
    Action.MOVE_PERSON: Audience.ADMINS,
    Action.EXPORT: Audience.ADMINS,
    Action.CX_FEED: Audience.ADMINS,
    Action.WORKSPACE_REPORT: Audience.ADMINS,
    Action.SET_MANAGERS: Audience.MANAGERS,
    Action.SET_SCHEDULE: Audience.MANAGERS,
    Action.START_ROUND: Audience.MANAGERS,
    Action.CLOSE_ROUND: Audience.MANAGERS,
    Action.SET_WINS_CHANNEL: Audience.MANAGERS,
    Action.TEAM_REPORT: Audience.MANAGERS,
    Action.SEE_PARTICIPATION: Audience.MANAGERS,
    Action.TEAM_STATUS: Audience.TEAM,
    Action.REPLY_TO_COMMENT: Audience.TEAM_MANAGERS,
}


# What spans an org-wide installation's every workspace: for admins of the whole installation only.
WHOLE_INSTALLATION = frozenset({Action.EXPORT, Action.CX_FEED, Action.WORKSPACE_REPORT})


@dataclass(frozen=True)
class Actor:
    """A person as seen in one installation (a workspace, or a Grid org installed org-wide)."""

    is_admin: bool = False  # admin of the whole installation
    home_team: int | None = None  # the team they are a member of
    managed: frozenset[int] = field(default_factory=frozenset)  # the teams they manage
    # Org-wide installs: the workspaces (T…) of the org they are a workspace admin or owner of.
    admin_of: frozenset[str] = field(default_factory=frozenset)


def may(actor: Actor, action: Action, team_id: int | None = None, *, place: str | None = None) -> bool:
    """Whether `actor` may do `action` (on `team_id` for team actions; no team: never, except for admins,
    and for a team's-own-managers action never at all).

    `place` is the workspace (T…) the team or channel belongs to in an org-wide install: its workspace
    admins may do there what an admin may, except what spans the whole installation. Setting up a team
    with no place yet (a modal about to ask for the channel) is open to a workspace admin of any of the
    org's workspaces; the channel's own workspace is checked once it is known.
    """
    audience = AUDIENCE[action]
    if audience is Audience.TEAM_MANAGERS:
        return team_id is not None and team_id in actor.managed
    if actor.is_admin:
        return True
    if action not in WHOLE_INSTALLATION and actor.admin_of:
        if place is not None and place in actor.admin_of:
            return True
        if place is None and action is Action.SET_UP_TEAM:
            return True
    if audience is Audience.ADMINS or team_id is None:
        return False
    if team_id in actor.managed:
        return True
    return audience is Audience.TEAM and actor.home_team == team_id


def pulsed(members: Iterable[str], managers: Iterable[str], muted: Iterable[str] = ()) -> list[str]:
    """The members a round asks, in order: not the muted, and not the team's managers."""
    left_out = set(managers) | set(muted)
    return [member for member in members if member not in left_out]


def win_teams(home_team: int | None, teams_in_their_channels: Iterable[int]) -> tuple[int, ...]:
    """The teams a person may share a win into: their own team; in no team, only the teams whose channel
    they are in (never every team: a celebration posts into the team's channel, private ones included)."""
    if home_team is not None:
        return (home_team,)
    return tuple(dict.fromkeys(teams_in_their_channels))
