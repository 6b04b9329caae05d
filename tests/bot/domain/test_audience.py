from __future__ import annotations

import pytest

from bot.domain.audience import Account, LeftOut, left_out_reason, sort_members

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
