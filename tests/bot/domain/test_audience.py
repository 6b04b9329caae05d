from __future__ import annotations

import pytest

from bot.domain.audience import Account, LeftOut, belongs, left_out_reason, sort_members

WS = "T0001"


@pytest.mark.parametrize(
    ("account", "reason"),
    [
        (Account("U1", team_id=WS), None),
        (Account("U1"), None),  # no team_id sent: absent means nothing
        (Account("U1", team_id=WS, is_restricted=True), LeftOut.GUEST),
        (Account("U1", team_id=WS, is_restricted=True, is_ultra_restricted=True), LeftOut.GUEST),
        (Account("U1", team_id=WS, is_ultra_restricted=True), LeftOut.GUEST),
        (Account("U1", team_id="T0OTHER"), LeftOut.EXTERNAL),  # Slack Connect: another organisation
        (Account("U1", team_id=WS, is_stranger=True), LeftOut.EXTERNAL),
        (Account("U1", team_id="T0OTHER", is_restricted=True), LeftOut.EXTERNAL),  # an external guest: external
        (Account("W1", team_id="T0SISTER", teams=("T0SISTER", WS)), None),  # Grid colleague from a sister workspace
        (Account("U1", team_id=WS, is_bot=True), LeftOut.BOT),
        (Account("U1", team_id=WS, is_app_user=True), LeftOut.BOT),
        (Account("USLACKBOT", team_id=WS), LeftOut.BOT),
        (Account("U1", team_id=WS, deleted=True), LeftOut.DEACTIVATED),  # trimmed: only deleted is known
        (Account("U1", team_id=WS, deleted=True, is_bot=True), LeftOut.DEACTIVATED),
        (Account("U1", not_found=True), LeftOut.DEACTIVATED),
    ],
)
def test_who_is_left_out(account: Account, reason: LeftOut | None) -> None:
    assert left_out_reason(account, WS) is reason


def test_sort_members_counts_each_reason() -> None:
    audience = sort_members(
        [
            *(Account(f"U{i}", team_id=WS) for i in range(7)),
            Account("UG", team_id=WS, is_restricted=True),
            Account("UX", team_id="T0OTHER"),
        ],
        WS,
    )
    assert audience.pulsed == tuple(f"U{i}" for i in range(7))
    assert audience.left_out == {LeftOut.GUEST: 1, LeftOut.EXTERNAL: 1}
    assert audience.total == 9


ORG, OTHER_ORG = "E0PULSSI", "E0OTHER"


# Enterprise Grid: who belongs to an installation, for a workspace install (T…) and an org-wide one (E…).
@pytest.mark.parametrize(
    ("account", "installation", "belongs_there"),
    [
        (Account("W1", team_id="T0A", teams=("T0A",), enterprise_id=ORG), "T0A", True),
        (Account("W2", team_id="T0B", teams=("T0B",), enterprise_id=ORG), "T0A", False),  # same org, not this ws
        (Account("W3", team_id="T0B", teams=("T0B", "T0A"), enterprise_id=ORG), "T0A", True),  # in both
        (Account("W1", team_id="T0A", teams=("T0A",), enterprise_id=ORG), ORG, True),  # org-wide: every workspace
        (Account("W2", team_id="T0B", teams=("T0B",), enterprise_id=ORG), ORG, True),
        (Account("W9", team_id="T0X", teams=("T0X",), enterprise_id=OTHER_ORG), ORG, False),  # Slack Connect org
        (Account("W1", team_id="T0A", enterprise_id=ORG, is_stranger=True), ORG, False),  # a stranger never
        (Account("U1", team_id="T0OTHER"), ORG, False),  # a non-Grid workspace in a Slack Connect channel
        (Account("U1"), ORG, False),  # nothing known: not ours (never an admin on no evidence)
        (Account("W1", team_id="T0A", enterprise_id=ORG), "", False),
    ],
)
def test_belongs(account: Account, installation: str, belongs_there: bool) -> None:
    assert belongs(account, installation) is belongs_there


def test_an_org_wide_install_pulses_both_workspaces_of_a_shared_channel_but_not_slack_connect() -> None:
    channel = [
        Account("W1", team_id="T0A", teams=("T0A",), enterprise_id=ORG),
        Account("W2", team_id="T0B", teams=("T0B",), enterprise_id=ORG),
        Account("W3", team_id="T0B", teams=("T0B",), enterprise_id=ORG, is_restricted=True),
        Account("W9", team_id="T0X", teams=("T0X",), enterprise_id=OTHER_ORG),
    ]
    org_wide = sort_members(channel, ORG)
    assert org_wide.pulsed == ("W1", "W2")
    assert org_wide.left_out == {LeftOut.GUEST: 1, LeftOut.EXTERNAL: 1}
    # Installed in workspace A alone, the same channel's B people are outside the installation.
    assert sort_members(channel, "T0A").pulsed == ("W1",)


# An org-wide install taken out of some of the org's workspaces (team_access_revoked): who it still reaches.
@pytest.mark.parametrize(
    ("account", "revoked", "reason"),
    [
        (Account("W1", team_id="T0A", teams=("T0A",), enterprise_id=ORG), frozenset({"T0B"}), None),
        (Account("W2", team_id="T0B", teams=("T0B",), enterprise_id=ORG), frozenset({"T0B"}), LeftOut.REMOVED),
        (Account("W2", team_id="T0B", enterprise_id=ORG), frozenset({"T0B"}), LeftOut.REMOVED),  # no `teams` sent
        (Account("W3", team_id="T0B", teams=("T0B", "T0A"), enterprise_id=ORG), frozenset({"T0B"}), None),  # via A
        (
            Account("W3", team_id="T0B", teams=("T0B", "T0A"), enterprise_id=ORG),
            frozenset({"T0A", "T0B"}),
            LeftOut.REMOVED,
        ),
        (Account("W2", team_id="T0B", teams=("T0B",), enterprise_id=ORG), frozenset(), None),  # nothing out
        (Account("W4", enterprise_id=ORG), frozenset({"T0B"}), None),  # no workspace named: the other rules decide
        (Account("W5", team_id="T0B", enterprise_id=ORG, is_restricted=True), frozenset({"T0B"}), LeftOut.GUEST),
        (Account("W9", team_id="T0X", teams=("T0X",), enterprise_id=OTHER_ORG), frozenset({"T0X"}), LeftOut.EXTERNAL),
    ],
)
def test_who_a_workspace_taken_out_of_the_org_install_leaves_out(
    account: Account, revoked: frozenset[str], reason: LeftOut | None
) -> None:
    assert left_out_reason(account, ORG, revoked) is reason


def test_sort_members_names_only_those_left_out_for_a_workspace_taken_out() -> None:
    channel = [
        Account("W1", team_id="T0A", enterprise_id=ORG),
        Account("W2", team_id="T0B", enterprise_id=ORG),
        Account("W3", team_id="T0B", enterprise_id=ORG, is_bot=True),
    ]
    audience = sort_members(channel, ORG, frozenset({"T0B"}))
    assert audience.pulsed == ("W1",) and audience.removed == ("W2",)
    assert audience.left_out == {LeftOut.BOT: 1, LeftOut.REMOVED: 1}
