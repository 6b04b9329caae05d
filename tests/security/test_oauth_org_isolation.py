"""A standalone workspace and a Grid org installed org-wide with OAuth in one database (#21): a person of either
never reaches the other's data, through commands naming the other's team (its channel link, its name, its
channel id), "all", Home, or buttons carrying the other's team id; and every call made for them carries their
own installation's token."""

from __future__ import annotations

import json
import time

from sqlmodel import select

from storage.models import Team
from tests.bot.test_oauth_org_wide import SHARED_NAME, grid, installed_both, org_sender, reply  # noqa: F401
from tests.bot.test_oauth_workspaces import ADMINS, CHANNELS, FIRST
from tests.grid_helpers import ADMIN_B, ORG, ORG_ADMIN, SHARED, A, B
from tests.harness import Harness
from tests.oauth_helpers import sender_for
from tests.slack.sender import SlackRequestSender


def team_in(harness: Harness, channel_id: str) -> Team:
    with harness.db.session_scope() as session:
        team = session.exec(select(Team).where(Team.channel_id == channel_id)).one()
        session.expunge(team)
        return team


def probe(harness: Harness, sender: SlackRequestSender, user: str, own_channel: str, other: Team) -> None:
    """Everything a curious admin could try against the other installation's team."""
    for command, text, channel in (
        ("/cxreport", f"<#{other.channel_id}|{other.channel_name}>", own_channel),
        ("/cxreport", other.name, own_channel),
        ("/cxreport", "all", own_channel),
        ("/pulse", "status", other.channel_id),
        ("/pulse", "schedule every week fri 10:00", other.channel_id),
        ("/pulse", f"managers <@{user}>", other.channel_id),
    ):
        reply(harness, sender, text, user, channel=channel, command=command)
    before = len(harness.fake.calls_to("views.publish"))
    sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    harness.fake.wait_for("views.publish", count=before + 1)
    for action_id in ("home_settings_schedule", "home_settings_managers", "home_settings_winschannel"):
        sender.block_action(user_id=user, action_id=action_id, value=str(other.id))
    sender.block_action(user_id=user, action_id="nudge_snooze", value=str(other.id), response_key="snooze")
    settle(harness)


def settle(harness: Harness) -> None:
    """Slow work runs after ack() (a report's chart upload, Home): wait until no call has come for 0.6 s."""
    deadline = time.monotonic() + 15
    seen = -1
    while (count := len(harness.fake.calls)) != seen and time.monotonic() < deadline:
        seen = count
        time.sleep(0.6)


def assert_nothing_of(harness: Harness, other: Team, own_key: str) -> None:
    for call in harness.fake.calls:
        said = json.dumps(call.params)
        assert harness.fake.team_of_call(call) in (own_key, None), (call.method, said)
        if call.method == "response_url" and "No team matches" in said:
            continue  # the person's own words echoed back
        for secret in (other.name, other.channel_name, other.channel_id):
            assert secret not in said, (call.method, secret, said)


def test_a_standalone_workspace_and_an_org_wide_install_never_reach_each_other(grid: Harness) -> None:  # noqa: F811
    installed_both(grid)
    org_team, first_team = team_in(grid, SHARED), team_in(grid, CHANNELS[FIRST])
    assert org_team.name == SHARED_NAME and first_team.workspace_id == FIRST

    # The standalone workspace's admin against the org's team.
    grid.fake.clear_calls()
    probe(grid, sender_for(grid, FIRST), ADMINS[FIRST], CHANNELS[FIRST], org_team)
    assert_nothing_of(grid, org_team, FIRST)

    # The org's admins (the whole org's, and a workspace admin in B) against the standalone workspace's team.
    for sender, user in ((org_sender(grid, A), ORG_ADMIN), (org_sender(grid, B), ADMIN_B)):
        grid.fake.clear_calls()
        probe(grid, sender, user, SHARED, first_team)
        assert_nothing_of(grid, first_team, ORG)

    # And nothing of either changed.
    assert team_in(grid, SHARED).model_dump() == org_team.model_dump()
    assert team_in(grid, CHANNELS[FIRST]).model_dump() == first_team.model_dump()
