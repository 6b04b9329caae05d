"""The roles table: every action × employee / manager here / manager elsewhere / admin / member of no team."""

from __future__ import annotations

import pytest

from bot.domain.policy import AUDIENCE, Action, Actor, Audience, may, pulsed, win_teams

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
