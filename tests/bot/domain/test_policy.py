"""The roles table: every action × employee / manager here / manager elsewhere / admin / member of no team,
and in an org-wide Enterprise Grid install × org admin / workspace admin here and elsewhere / a member of one
workspace in a team of another / a Slack Connect person."""

from __future__ import annotations

import pytest

from bot.domain.policy import AUDIENCE, WHOLE_INSTALLATION, Action, Actor, Audience, may, pulsed, win_teams

TEAM, OTHER = 1, 2
ACTORS = {
    "employee": Actor(home_team=TEAM),
    "manager_here": Actor(home_team=TEAM, managed=frozenset({TEAM})),
    "manager_elsewhere": Actor(home_team=OTHER, managed=frozenset({OTHER})),
    "admin": Actor(is_admin=True),
    "no_team": Actor(),
}
ALLOWED = {
    Audience.ADMINS: {"admin"},
    Audience.MANAGERS: {"admin", "manager_here"},
    Audience.TEAM: {"admin", "manager_here", "employee"},
    Audience.TEAM_MANAGERS: {"manager_here"},  # replying to the team's anonymous comments: not admins
}


def test_every_action_has_an_audience() -> None:
    assert set(AUDIENCE) == set(Action)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", sorted(ACTORS))
def test_may(action: Action, role: str) -> None:
    team = None if AUDIENCE[action] is Audience.ADMINS else TEAM
    assert may(ACTORS[role], action, team) is (role in ALLOWED[AUDIENCE[action]])


@pytest.mark.parametrize("action", [a for a in Action if AUDIENCE[a] is not Audience.ADMINS])
def test_a_team_action_without_a_team_is_for_admins_only(action: Action) -> None:
    expected = [] if AUDIENCE[action] is Audience.TEAM_MANAGERS else ["admin"]
    assert [role for role, actor in ACTORS.items() if may(actor, action, None)] == expected


def test_an_admin_who_manages_the_team_may_reply_to_its_comments() -> None:
    assert may(Actor(is_admin=True, managed=frozenset({TEAM})), Action.REPLY_TO_COMMENT, TEAM)
    assert not may(Actor(is_admin=True, managed=frozenset({TEAM + 1})), Action.REPLY_TO_COMMENT, TEAM)


@pytest.mark.parametrize(
    ("members", "managers", "muted", "expected"),
    [
        (["U1", "U2", "U3"], [], [], ["U1", "U2", "U3"]),
        (["U1", "U2", "U3"], ["U2"], [], ["U1", "U3"]),  # a manager is not pulsed as a member
        (["U1", "U2", "U3"], ["U9"], ["U3"], ["U1", "U2"]),
        (["U1"], ["U1"], ["U1"], []),
    ],
)
def test_pulsed(members: list[str], managers: list[str], muted: list[str], expected: list[str]) -> None:
    assert pulsed(members, managers, muted) == expected


@pytest.mark.parametrize(
    ("home", "in_channels_of", "expected"),
    [
        (TEAM, [OTHER], (TEAM,)),  # your own team, whatever channels you are in
        (None, [OTHER, OTHER], (OTHER,)),
        (None, [], ()),  # in no team and no team's channel: nowhere (never every team)
    ],
)
def test_win_teams(home: int | None, in_channels_of: list[int], expected: tuple[int, ...]) -> None:
    assert win_teams(home, in_channels_of) == expected


# Org-wide Grid install: the team lives in workspace B (`place`); A and B are two workspaces of the org.
A, B = "T0A", "T0B"
EVERYTHING = set(Action)
TEAM_RUNNING = {a for a in Action if AUDIENCE[a] is not Audience.ADMINS}
# what only the team's own managers do (replying to its comments): no admin right reaches it
OWN_MANAGERS_ONLY = {a for a in Action if AUDIENCE[a] is Audience.TEAM_MANAGERS}
ORG_CASES: dict[str, tuple[Actor, set[Action]]] = {
    # an org admin or owner (enterprise_user.is_admin / is_owner): everything but a team's own managers' part
    "org_admin": (Actor(is_admin=True), EVERYTHING - OWN_MANAGERS_ONLY),
    # a workspace admin of B: B's teams, admin actions included, but nothing spanning the org
    "workspace_admin_of_B": (Actor(admin_of=frozenset({B})), EVERYTHING - WHOLE_INSTALLATION - OWN_MANAGERS_ONLY),
    # a workspace admin of A acting on B's team: nothing at all
    "workspace_admin_of_A": (Actor(admin_of=frozenset({A})), set()),
    # ... unless they also manage that team: then a manager's rights, not an admin's
    "workspace_admin_of_A_managing_it": (Actor(admin_of=frozenset({A}), managed=frozenset({TEAM})), TEAM_RUNNING),
    # a member of A in B's channel (shared with A): a team member like any other
    "member_of_A_in_the_shared_channel": (Actor(home_team=TEAM), {Action.TEAM_STATUS}),
    # a person of another org (Slack Connect) gets no role: services build them an empty Actor
    "slack_connect_person": (Actor(), set()),
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", sorted(ORG_CASES))
def test_may_across_an_orgs_workspaces(action: Action, role: str) -> None:
    actor, allowed = ORG_CASES[role]
    assert may(actor, action, TEAM, place=B) is (action in allowed)


def test_whole_installation_actions_are_the_org_admins() -> None:
    assert {Action.EXPORT, Action.CX_FEED, Action.WORKSPACE_REPORT} == WHOLE_INSTALLATION
    for action in WHOLE_INSTALLATION:
        assert may(Actor(is_admin=True), action)
        assert not may(Actor(admin_of=frozenset({A, B})), action)
        assert not may(Actor(admin_of=frozenset({A})), action, place=A)


def test_setting_up_a_team_before_its_channel_is_known() -> None:
    """The Home setup button: any workspace admin of the org may open it; the channel's workspace decides."""
    assert may(Actor(admin_of=frozenset({A})), Action.SET_UP_TEAM)
    assert may(Actor(admin_of=frozenset({A})), Action.SET_UP_TEAM, place=A)
    assert not may(Actor(admin_of=frozenset({A})), Action.SET_UP_TEAM, place=B)
    assert not may(Actor(home_team=TEAM, managed=frozenset({TEAM})), Action.SET_UP_TEAM)
